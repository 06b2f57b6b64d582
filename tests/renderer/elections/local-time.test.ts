import { afterEach, describe, expect, it } from 'vitest';
import {
  countdown,
  formatLocalDateTime,
  localDateTimeToMs,
  reportStamp,
  timeZoneName,
  utcOffsetLabel,
  zoneLabel,
} from '../../../renderer/src/features/elections/local-time.ts';

const originalZone = process.env.TZ;

// Node applies a changed TZ at once, to Date and to Intl alike.
function inZone(zone: string): void {
  process.env.TZ = zone;
}

afterEach(() => {
  if (originalZone === undefined) delete process.env.TZ;
  else process.env.TZ = originalZone;
});

describe('wall-clock input in the screen’s time zone', () => {
  it('turns a Taipei date and time into the right instant', () => {
    inZone('Asia/Taipei');
    expect(localDateTimeToMs('2030-05-01', '18:00')).toEqual({ atMs: Date.UTC(2030, 4, 1, 10, 0, 0) });
    expect(localDateTimeToMs('2030-05-01', '00:30:15')).toEqual({ atMs: Date.UTC(2030, 3, 30, 16, 30, 15) });
  });

  it('uses the offset in force on that date, daylight saving included', () => {
    inZone('Europe/Berlin');
    expect(localDateTimeToMs('2030-01-15', '12:00')).toEqual({ atMs: Date.UTC(2030, 0, 15, 11, 0) });
    expect(localDateTimeToMs('2030-07-15', '12:00')).toEqual({ atMs: Date.UTC(2030, 6, 15, 10, 0) });
  });

  it('refuses a time the clocks skip, and takes the first of a repeated one', () => {
    inZone('Europe/Berlin');
    // 31 March 2030: 02:00 jumps to 03:00; 27 October 2030: 03:00 goes back to 02:00.
    expect(localDateTimeToMs('2030-03-31', '02:30')).toEqual({ problem: 'nonexistent' });
    expect(localDateTimeToMs('2030-10-27', '02:30')).toEqual({ atMs: Date.UTC(2030, 9, 27, 0, 30) });
  });

  it('refuses impossible or malformed dates and times', () => {
    inZone('Asia/Taipei');
    for (const [date, time] of [
      ['2030-02-30', '12:00'],
      ['2030-13-01', '12:00'],
      ['2030-05-01', '24:00'],
      ['2030-05-01', '12:60'],
      ['', '12:00'],
      ['2030-05-01', ''],
      ['1/5/2030', '12:00'],
    ] as const) {
      expect(localDateTimeToMs(date, time), `${date} ${time}`).toEqual({ problem: 'invalid' });
    }
  });
});

describe('naming the time zone', () => {
  it('names the zone and its offset', () => {
    inZone('Asia/Taipei');
    expect(timeZoneName()).toBe('Asia/Taipei');
    expect(zoneLabel(Date.UTC(2030, 4, 1))).toBe('Asia/Taipei, UTC+08:00');
  });

  it('writes negative and half-hour offsets, and the summer offset in summer', () => {
    inZone('America/St_Johns');
    expect(utcOffsetLabel(Date.UTC(2030, 0, 15))).toBe('UTC-03:30');
    expect(utcOffsetLabel(Date.UTC(2030, 6, 15))).toBe('UTC-02:30');
    inZone('UTC');
    expect(zoneLabel(0)).toBe('UTC, UTC+00:00');
  });

  it('shows a date and time for people with the zone', () => {
    inZone('Asia/Taipei');
    // ICU versions differ in the space before PM.
    expect(formatLocalDateTime(Date.UTC(2030, 4, 1, 10, 0), 'en')).toMatch(
      /^May 1, 2030, 6:00\sPM \(Asia\/Taipei, UTC\+08:00\)$/,
    );
  });

  it('stamps reports to the second with the zone, the same in every locale', () => {
    inZone('Asia/Taipei');
    expect(reportStamp(Date.UTC(2030, 4, 1, 10, 0, 5, 999))).toBe(
      '2030-05-01 18:00:05 (Asia/Taipei, UTC+08:00)',
    );
    inZone('America/St_Johns');
    expect(reportStamp(Date.UTC(2030, 0, 2, 1, 2, 3))).toBe(
      '2030-01-01 21:32:03 (America/St_Johns, UTC-03:30)',
    );
  });
});

describe('countdowns', () => {
  it('counts days and a clock, rounding up to the second', () => {
    const end = Date.UTC(2030, 4, 3, 12, 0, 0);
    expect(countdown(end, end - (2 * 86_400 + 3 * 3_600 + 4 * 60 + 5) * 1000)).toEqual({
      days: 2,
      clock: '03:04:05',
    });
    expect(countdown(end, end - 1)).toEqual({ days: 0, clock: '00:00:01' });
    expect(countdown(end, end)).toEqual({ days: 0, clock: '00:00:00' });
    expect(countdown(end, end + 5_000)).toEqual({ days: 0, clock: '00:00:00' });
  });
});
