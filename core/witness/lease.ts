/**
 * Lease arithmetic shared by the stations and the witness, kept pure so that
 * it can be checked with an injected clock.
 *
 * A lease is a promise by a grantor (the witness, or the backup acknowledging
 * a heartbeat) not to help anyone else take writes for a while. The two sides
 * never compare clock readings, only durations, each on its own clock:
 *
 * - The holder counts the lease from the moment it SENT its request, which is
 *   before the grantor granted it, so network delay only shortens the lease,
 *   and takes off a drift margin, so a holder clock running slower than the
 *   grantor's by less than the margin still stops in time.
 * - The grantor counts from the moment it granted, and adds the margin.
 *
 * So the holder's lease always ends, in real time, before the grantor's does,
 * whatever the offset between the clocks, as long as their rates differ by
 * less than the margin. Quartz clocks differ by parts per million; the margin
 * is mostly for the readings themselves.
 *
 * Each side also needs a clock that errs in its safe direction: the holder
 * must never believe less time passed than did (a machine that slept, a wall
 * clock stepped back), the grantor never more. `holderClock` and
 * `grantorClock` combine the wall clock (which counts a machine's sleep and
 * can be stepped) with the monotonic clock (which cannot be stepped but may
 * stop while the machine sleeps) in those two directions.
 */
import { systemClock, type Clock } from '../station/environment.ts';

/** The share of every lease taken off by the holder and added by the grantor. */
export const leaseDriftMargin = 0.1;

/** The longest lease a witness grants, whatever a station asks for. */
export const leaseDurationMsMax = 60_000;

/** The shortest lease worth granting: below this, scheduling jitter alone would eat it. */
export const leaseDurationMsMin = 50;

/** The holder's end of a lease asked for at `requestSentAtMs` (holder clock) and granted for `durationMs`. */
export function holderLeaseEndMs(requestSentAtMs: number, durationMs: number): number {
  return requestSentAtMs + Math.floor(durationMs * (1 - leaseDriftMargin));
}

/** The grantor's end of a lease granted at `grantedAtMs` (grantor clock) for `durationMs`. */
export function grantorLeaseEndMs(grantedAtMs: number, durationMs: number): number {
  return grantedAtMs + Math.ceil(durationMs * (1 + leaseDriftMargin));
}

/**
 * How long a primary asks the witness for, given the fail-over time: three
 * quarters of it, so that a primary that dies just after a renewal has lost its
 * lease (with the grantor's margin) before its backup, silent for the whole
 * fail-over time, asks for a vote: the witness then adds no delay to a take-over.
 */
export function leaseDurationMsFor(failoverMs: number): number {
  return Math.min(leaseDurationMsMax, Math.max(leaseDurationMsMin, Math.floor((failoverMs * 3) / 4)));
}

/** How often a primary renews its lease: four times per fail-over time, so a renewal or two may be lost. */
export function leaseRenewalMsFor(failoverMs: number): number {
  return Math.max(10, Math.floor(failoverMs / 4));
}

/** The monotonic clock of this process (never stepped; on most systems it stops while the machine sleeps). */
export const systemMonotonicClock: Clock = { nowMs: () => performance.now() };

/**
 * A clock for a lease holder: it never runs slower than real time, as long as
 * either source keeps real time over each interval between two readings. It
 * advances by the larger of the two sources' progress (and never backwards).
 */
export function holderClock(wall: Clock = systemClock, monotonic: Clock = systemMonotonicClock): Clock {
  return combinedClock(wall, monotonic, Math.max);
}

/**
 * A clock for a lease grantor: it never runs faster than real time, as long as
 * neither source runs fast. It advances by the smaller of the two sources'
 * progress (and never backwards), so a wall clock stepped forward or a
 * machine that slept makes it wait longer, never shorter.
 */
export function grantorClock(wall: Clock = systemClock, monotonic: Clock = systemMonotonicClock): Clock {
  return combinedClock(wall, monotonic, Math.min);
}

function combinedClock(wall: Clock, monotonic: Clock, pick: (a: number, b: number) => number): Clock {
  let lastWallMs = wall.nowMs();
  let lastMonotonicMs = monotonic.nowMs();
  let nowMs = 0;
  return {
    nowMs() {
      const wallMs = wall.nowMs();
      const monotonicMs = monotonic.nowMs();
      nowMs += Math.max(0, pick(wallMs - lastWallMs, monotonicMs - lastMonotonicMs));
      lastWallMs = wallMs;
      lastMonotonicMs = monotonicMs;
      return nowMs;
    },
  };
}
