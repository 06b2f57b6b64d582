/** What a station takes from the outside world, injected so tests and replays control it. */
import { randomBytes } from 'node:crypto';

export interface Clock {
  nowMs(): number;
}

export type RandomBytes = (count: number) => Uint8Array;

export const systemClock: Clock = { nowMs: () => Date.now() };

export const systemRandomBytes: RandomBytes = (count) => randomBytes(count);
