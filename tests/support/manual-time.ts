/** A clock and timers that move only when the test says so: `advance` runs every timer that falls due, in order. */
import type { Clock, Timers } from '../../core/station/environment.ts';

export interface ManualTime {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Timers scheduled and not yet run or cancelled. */
  pending(): number;
  /** Moves time forward by `ms`, running each timer due on the way at its own time. */
  advance(ms: number): void;
}

export function manualTime(startMs = 1_800_000_000_000): ManualTime {
  let nowMs = startMs;
  let nextId = 0;
  const scheduled = new Map<number, { readonly atMs: number; readonly callback: () => void }>();
  const nextDue = (untilMs: number) => {
    let due: [number, { readonly atMs: number; readonly callback: () => void }] | null = null;
    for (const entry of scheduled) {
      if (entry[1].atMs <= untilMs && (due === null || entry[1].atMs < due[1].atMs)) due = entry;
    }
    return due;
  };
  return {
    clock: { nowMs: () => nowMs },
    timers: {
      schedule(callback, delayMs) {
        const id = nextId;
        nextId += 1;
        scheduled.set(id, { atMs: nowMs + delayMs, callback });
        return () => {
          scheduled.delete(id);
        };
      },
    },
    pending: () => scheduled.size,
    advance(ms) {
      const untilMs = nowMs + ms;
      for (let due = nextDue(untilMs); due !== null; due = nextDue(untilMs)) {
        scheduled.delete(due[0]);
        nowMs = Math.max(nowMs, due[1].atMs);
        due[1].callback();
      }
      nowMs = untilMs;
    },
  };
}
