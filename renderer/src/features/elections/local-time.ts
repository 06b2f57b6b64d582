/**
 * Wall-clock time on this screen: officials type an end date and time in the
 * screen's time zone, and every time shown names that zone, so nobody has to
 * guess whether "18:00" meant local time or the station's.
 */

/** The IANA name of this screen's time zone, for example `Asia/Taipei`. */
export function timeZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The zone's offset from UTC at `atMs` (daylight saving included), for example `UTC+08:00`. */
export function utcOffsetLabel(atMs: number): string {
  const offsetMinutes = -new Date(atMs).getTimezoneOffset();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMinutes);
  return `UTC${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The zone as shown next to every time, for example `Asia/Taipei, UTC+08:00`. */
export function zoneLabel(atMs: number): string {
  return `${timeZoneName()}, ${utcOffsetLabel(atMs)}`;
}

export type LocalTimeAnswer =
  | { readonly atMs: number }
  /** Empty or malformed input. */
  | { readonly problem: 'invalid' }
  /** A wall time the zone skips (clocks move forward for daylight saving). */
  | { readonly problem: 'nonexistent' };

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timePattern = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The instant of a wall-clock date (`YYYY-MM-DD`) and time (`HH:MM` or
 * `HH:MM:SS`, as date and time inputs give them) in this screen's zone. A
 * time repeated when clocks go back means its first occurrence.
 */
export function localDateTimeToMs(date: string, time: string): LocalTimeAnswer {
  const dateParts = datePattern.exec(date);
  const timeParts = timePattern.exec(time);
  if (dateParts === null || timeParts === null) return { problem: 'invalid' };
  const [year, month, day] = dateParts.slice(1, 4).map(Number) as [number, number, number];
  const [hour, minute] = timeParts.slice(1, 3).map(Number) as [number, number];
  const second = Number(timeParts[3] ?? '0');
  const instant = new Date(year, month - 1, day, hour, minute, second);
  const atMs = instant.getTime();
  if (Number.isNaN(atMs)) return { problem: 'invalid' };
  // Date rolls impossible fields over (31 April becomes 1 May, 02:30 in a skipped hour becomes 03:30):
  // the fields read back differ from those typed.
  const readBack = [
    instant.getFullYear(),
    instant.getMonth() + 1,
    instant.getDate(),
    instant.getHours(),
    instant.getMinutes(),
    instant.getSeconds(),
  ];
  const typed = [year, month, day, hour, minute, second];
  if (readBack.every((value, index) => value === typed[index])) return { atMs };
  const sameDay = readBack.slice(0, 3).every((value, index) => value === typed[index]);
  const validClock = hour < 24 && minute < 60 && second < 60;
  return { problem: sameDay && validClock ? 'nonexistent' : 'invalid' };
}

/** A date and time for people, in the given locale, with the zone named: `12 Mar 2030, 18:00 (Asia/Taipei, UTC+08:00)`. */
export function formatLocalDateTime(atMs: number, locale: string): string {
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(atMs);
  return `${text} (${zoneLabel(atMs)})`;
}

/**
 * The stamp on a printed report or an export: to the second, locale-free so
 * that every copy reads the same, for example `2030-03-12 18:00:05 (Asia/Taipei, UTC+08:00)`.
 */
export function reportStamp(atMs: number): string {
  const at = new Date(atMs);
  const date = `${pad(at.getFullYear(), 4)}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  return `${date} ${time} (${zoneLabel(atMs)})`;
}

export interface Countdown {
  readonly days: number;
  /** `HH:MM:SS` within the day. */
  readonly clock: string;
}

/** What is left until `endsAtMs`, rounded up to the second so that "00:00:00" means it has ended. */
export function countdown(endsAtMs: number, nowMs: number): Countdown {
  const totalSeconds = Math.max(0, Math.ceil((endsAtMs - nowMs) / 1000));
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  return { days, clock: `${pad(hours)}:${pad(minutes)}:${pad(totalSeconds % 60)}` };
}
