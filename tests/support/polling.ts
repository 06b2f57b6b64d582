/** Waiting by polling, for tests that wait on another process or on work running on the event loop. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long; default 20 s. */
  readonly timeoutMs?: number;
  /** The pause between two tries; default 50 ms. */
  readonly intervalMs?: number;
}

export interface PollUntilOptions<T> extends PollOptions {
  /** More for the error thrown on a time-out, given the last value read (null if none was). */
  readonly describeLast?: (last: T | null) => string;
}

/**
 * Reads a value every `intervalMs` until `accept` holds for it and returns that value; a read
 * of null means "nothing to look at yet". Throws after `timeoutMs`, saying it waited until `what`.
 */
export async function pollUntil<T>(
  what: string,
  read: () => T | null | Promise<T | null>,
  accept: (value: T) => boolean,
  options: PollUntilOptions<T> = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let last: T | null;
  for (;;) {
    last = await read();
    if (last !== null && accept(last)) return last;
    if (Date.now() > deadline) break;
    await sleep(options.intervalMs ?? 50);
  }
  const details = options.describeLast?.(last) ?? '';
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${details}`);
}

/** Checks every `intervalMs` until `check` is true; throws after `timeoutMs`, saying it waited until `what`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: PollOptions = {},
): Promise<void> {
  await pollUntil(what, check, (done) => done, options);
}
