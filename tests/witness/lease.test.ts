/**
 * Lease arithmetic with injected clocks: the holder's lease (counted from the
 * request's send time, less the margin) always ends before the grantor's
 * (counted from the grant, plus the margin), whatever the network delay and
 * the offset between clocks, as long as the rates differ by less than the
 * margin; and the combined clocks err in each side's safe direction when the
 * wall clock is stepped or the machine sleeps.
 */
import { fc, test as propertyTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../core/station/environment.ts';
import {
  grantorClock,
  grantorLeaseEndMs,
  holderClock,
  holderLeaseEndMs,
  leaseDriftMargin,
  leaseDurationMsFor,
  leaseRenewalMsFor,
} from '../../core/witness/lease.ts';

/** A clock source a test sets by hand. */
function settableClock(startMs: number): Clock & { set(ms: number): void; add(ms: number): void } {
  let nowMs = startMs;
  return {
    nowMs: () => nowMs,
    set(ms) {
      nowMs = ms;
    },
    add(ms) {
      nowMs += ms;
    },
  };
}

describe('lease ends', () => {
  it('the holder takes the margin off from its send time; the grantor adds it to its grant time', () => {
    expect(leaseDriftMargin).toBe(0.1);
    expect(holderLeaseEndMs(1_000, 1_000)).toBe(1_900);
    expect(grantorLeaseEndMs(5_000, 1_000)).toBe(6_100);
  });

  it('asks for three quarters of the fail-over time and renews four times per fail-over time', () => {
    expect(leaseDurationMsFor(1_500)).toBe(1_125);
    expect(leaseRenewalMsFor(1_500)).toBe(375);
    // The witness lease (with its margin) is over before a backup silent for the fail-over time asks.
    expect(grantorLeaseEndMs(0, leaseDurationMsFor(1_500))).toBeLessThan(1_500);
  });

  propertyTest.prop([
    fc.integer({ min: 0, max: 1_000_000 }),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.integer({ min: 0, max: 5_000 }),
    fc.integer({ min: 50, max: 60_000 }),
    // Rates within ±4.5 % of real time for each side: less than the margin between them.
    fc.double({ min: 0.955, max: 1.045, noNaN: true }),
    fc.double({ min: 0.955, max: 1.045, noNaN: true }),
  ])(
    'in real time the holder stops before the grantor would let anyone else in',
    (sendRealMs, grantorOffsetMs, delayMs, durationMs, holderRate, grantorRate) => {
      // Real time r; the holder reads r * holderRate, the grantor r * grantorRate + offset.
      const holderSentAtMs = sendRealMs * holderRate;
      const grantRealMs = sendRealMs + delayMs;
      const grantorGrantedAtMs = grantRealMs * grantorRate + grantorOffsetMs;
      const holderEndRealMs = holderLeaseEndMs(holderSentAtMs, durationMs) / holderRate;
      const grantorEndRealMs =
        (grantorLeaseEndMs(grantorGrantedAtMs, durationMs) - grantorOffsetMs) / grantorRate;
      expect(holderEndRealMs).toBeLessThan(grantorEndRealMs);
    },
  );
});

describe('lease clocks', () => {
  it('the holder clock counts a wall clock step forward and a sleep, and ignores a step back', () => {
    const wall = settableClock(1_800_000_000_000);
    const monotonic = settableClock(5_000);
    const clock = holderClock(wall, monotonic);
    const startMs = clock.nowMs();
    wall.add(100);
    monotonic.add(100);
    expect(clock.nowMs() - startMs).toBe(100);
    // The wall clock is stepped back an hour: time still runs on the monotonic clock.
    wall.add(-3_600_000);
    monotonic.add(50);
    expect(clock.nowMs() - startMs).toBe(150);
    // The machine slept for a minute: the monotonic clock stood still, the wall clock did not.
    wall.add(60_000);
    expect(clock.nowMs() - startMs).toBe(60_150);
  });

  it('the grantor clock counts neither a wall clock step forward nor a sleep', () => {
    const wall = settableClock(1_800_000_000_000);
    const monotonic = settableClock(5_000);
    const clock = grantorClock(wall, monotonic);
    const startMs = clock.nowMs();
    wall.add(100);
    monotonic.add(100);
    expect(clock.nowMs() - startMs).toBe(100);
    wall.add(3_600_000);
    monotonic.add(50);
    expect(clock.nowMs() - startMs).toBe(150);
    // A sleep: the wall clock moves, the monotonic one does not, so the grantor waits longer.
    wall.add(60_000);
    expect(clock.nowMs() - startMs).toBe(150);
    wall.add(-10_000);
    monotonic.add(10);
    expect(clock.nowMs() - startMs).toBe(150);
  });

  it('neither clock ever runs backwards', () => {
    const wall = settableClock(0);
    const monotonic = settableClock(0);
    const holder = holderClock(wall, monotonic);
    const grantor = grantorClock(wall, monotonic);
    let lastHolderMs = holder.nowMs();
    let lastGrantorMs = grantor.nowMs();
    for (const [wallStepMs, monotonicStepMs] of [
      [-500, 10],
      [20, -5],
      [0, 0],
      [1_000, 1],
    ] as const) {
      wall.add(wallStepMs);
      monotonic.add(monotonicStepMs);
      expect(holder.nowMs()).toBeGreaterThanOrEqual(lastHolderMs);
      expect(grantor.nowMs()).toBeGreaterThanOrEqual(lastGrantorMs);
      lastHolderMs = holder.nowMs();
      lastGrantorMs = grantor.nowMs();
    }
  });
});
