/**
 * Outstanding PreAuth challenges: single use, valid for a minute, one per
 * voter (a newer PreAuth replaces the older challenge). They live in memory
 * only: after a restart or a take-over a voter simply asks again.
 */
import { challengeLifetimeMs, limits } from '../protocol/limits.ts';

interface Outstanding {
  readonly challenge: Uint8Array;
  readonly expiresAtMs: number;
}

/** Bounds memory even if a client floods PreAuth for registered names. */
const outstandingMax = 200_000;

export class ChallengeBook {
  private readonly outstanding = new Map<string, Outstanding>();

  constructor(private readonly randomBytes: (count: number) => Uint8Array) {}

  /** A fresh challenge; remembered only when `remember` (the voter exists), so unknown names cannot be probed. */
  issue(voter: string, nowMs: number, remember: boolean): Uint8Array {
    const challenge = this.randomBytes(limits.challengeBytes);
    if (!remember) return challenge;
    this.outstanding.delete(voter);
    if (this.outstanding.size >= outstandingMax) this.dropExpired(nowMs);
    if (this.outstanding.size >= outstandingMax) {
      // Still full of live challenges: forget the oldest; that voter just asks again.
      const oldest = this.outstanding.keys().next();
      if (oldest.done !== true) this.outstanding.delete(oldest.value);
    }
    this.outstanding.set(voter, { challenge, expiresAtMs: nowMs + challengeLifetimeMs });
    return challenge;
  }

  /** Removes and returns the voter's live challenge: every Auth attempt uses it up. */
  take(voter: string, nowMs: number): Uint8Array | null {
    const entry = this.outstanding.get(voter);
    if (entry === undefined) return null;
    this.outstanding.delete(voter);
    return nowMs < entry.expiresAtMs ? entry.challenge : null;
  }

  private dropExpired(nowMs: number): void {
    for (const [voter, entry] of this.outstanding) {
      if (entry.expiresAtMs <= nowMs) this.outstanding.delete(voter);
    }
  }
}
