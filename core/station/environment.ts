/** What a station takes from the outside world, injected so tests and replays control it. */
import { randomBytes, randomFillSync } from 'node:crypto';

export interface Clock {
  nowMs(): number;
}

export type RandomBytes = (count: number) => Uint8Array;

export const systemClock: Clock = { nowMs: () => Date.now() };

// Small requests (challenges, nonces) are served from a pool refilled by the CSPRNG in one
// call, since a system call per 32 bytes dominated the cost of a sign-in.
const pool = Buffer.alloc(16 * 1024);
let poolOffset = pool.length;

export const systemRandomBytes: RandomBytes = (count) => {
  if (count > 1024) return new Uint8Array(randomBytes(count));
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Uint8Array.from(pool.subarray(poolOffset, poolOffset + count));
  poolOffset += count;
  return bytes;
};

/** Runs `callback` once after `delayMs`; the returned function cancels it if it has not run yet. */
export interface Timers {
  schedule(callback: () => void, delayMs: number): () => void;
}

/**
 * Timers that can also put work off to the end of the current turn of the
 * event loop (Node's setImmediate), e.g. to gather what one turn produced
 * into one message. Replication takes these, so that the simulator
 * (simulation/) runs it on virtual time.
 */
export interface Scheduler extends Timers {
  /** Runs `callback` once, after the current turn and the I/O callbacks already due. */
  afterTurn(callback: () => void): void;
}

export const systemTimers: Scheduler = {
  schedule(callback, delayMs) {
    // Timers never keep a stopping process alive.
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return () => {
      clearTimeout(timer);
    };
  },
  afterTurn(callback) {
    setImmediate(callback);
  },
};
