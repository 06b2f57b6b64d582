/**
 * A station's side of the witness: whether it holds a majority (itself plus
 * the witness, or itself plus its backup) under a lease, the witness's vote
 * before it becomes primary in a new epoch, and the declarations that keep
 * the witness from ever voting for a station that lacks an acknowledged write.
 *
 * Leases (see lease.ts for the arithmetic):
 * - From the witness: the primary renews every failoverMs/4 and counts each
 *   lease from the moment it sent the request, less the drift margin.
 * - From the backup: the backup echoes the send time of the newest heartbeat
 *   it received in its acknowledgements, and promises not to seek promotion
 *   until failoverMs after the last word it heard from the primary (its
 *   fail-over timer). An echo therefore gives the primary a lease of
 *   failoverMs from that send time, less the margin. It counts only while the
 *   backup is live and in sync (a backup catching up cannot confirm writes).
 *
 * Writes: the primary takes a write only while one of the leases holds, and
 * acknowledges it only if the backup confirmed it (and a lease still holds),
 * or, for a write the backup does not have, once the witness has recorded
 * that this primary goes on without its backup (`synced: null`) and the
 * witness lease still holds. From that moment the witness votes for no one
 * else, so the write cannot be lost by a take-over.
 *
 * Without a witness none of this runs and the station behaves as before.
 */
import type { Logger } from '../logging/logger.ts';
import type { PeerChannel } from '../replication/peer-channel.ts';
import type { Clock, Timers } from '../station/environment.ts';
import type { QuorumStatus, WitnessStatus } from '../station/station-status.ts';
import { holderLeaseEndMs, leaseDurationMsFor, leaseRenewalMsFor } from './lease.ts';
import { WitnessClient } from './witness-client.ts';
import type { WitnessReply } from './witness-messages.ts';

export interface QuorumOptions {
  readonly stationId: string;
  /** HOST:PORT of the witness. */
  readonly witnessAddress: string;
  readonly failoverMs: number;
  /** Opens a secure channel to the witness. */
  readonly dial: (address: string) => Promise<PeerChannel>;
  /** The clock leases are timed on; it must never run slow (lease.ts `holderClock`). */
  readonly clock: Clock;
  /** Only to state in the status when the majority lapses (ms since 1970). */
  readonly wallClock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Something the status shows changed (a lease lapsed or came, the witness connected, ...). */
  readonly onChange: () => void;
  /** The witness voted for a newer epoch than the one this station serves in: stop writes at once. */
  readonly onNewerEpoch: (epoch: number) => void;
}

/** Why a write was not taken or not confirmed (an `Unavailable` of the station's API). */
export interface NoQuorum {
  readonly unavailable: 'no-quorum';
  readonly message: string;
}

export type EpochVote =
  { readonly granted: true; readonly epoch: number } | { readonly granted: false; readonly reason: string };

export class Quorum {
  private readonly client: WitnessClient;
  private readonly leaseDurationMs: number;
  private readonly renewalMs: number;
  /** The epoch this station serves writes in, or null while it does not. */
  private servingEpoch: number | null = null;
  /** The backup, while it is live and holds everything this station acknowledged; else null. */
  private peerSynced: string | null = null;
  /** The epoch of the witness lease and its end (lease clock). */
  private witnessLease = { epoch: -1, endMs: 0 };
  private peerLeaseEndMs = 0;
  /** What the witness confirmed as `synced` for an epoch. */
  private witnessSynced: { readonly epoch: number; readonly synced: string | null } | null = null;
  /** Bumped whenever leases asked for earlier must no longer count (a release, a new epoch). */
  private generation = 0;
  private renewing = false;
  private renewAgain = false;
  private cancelRenewal: (() => void) | null = null;
  private cancelLapse: (() => void) | null = null;
  private wasHeld = false;
  /** The newest epoch the witness said it voted for, and for whom. */
  private witnessEpoch = 0;
  private witnessHolder = '';
  /** Why the last vote was refused (for the status), cleared by a granted one. */
  private voteProblem: string | null = null;
  private lastLoggedProblem: string | null = null;
  private waiters: (() => void)[] = [];
  private stopped = false;
  /** A declaration for the witness that the station this one follows holds everything (see `vouch`). */
  private pendingVouch: { readonly epoch: number; readonly leader: string } | null = null;
  private vouching = false;

  constructor(private readonly options: QuorumOptions) {
    this.leaseDurationMs = leaseDurationMsFor(options.failoverMs);
    this.renewalMs = leaseRenewalMsFor(options.failoverMs);
    this.client = new WitnessClient({
      address: options.witnessAddress,
      dial: options.dial,
      timers: options.timers,
      logger: options.logger,
      retryMs: Math.max(100, Math.floor(options.failoverMs / 4)),
      requestTimeoutMs: Math.max(1_000, options.failoverMs),
      onConnectionChange: (connected) => {
        if (connected && this.servingEpoch !== null) this.renew();
        if (connected) this.sendVouch();
        this.changed();
      },
    });
  }

  start(): void {
    this.client.start();
  }

  stop(): void {
    this.stopped = true;
    this.servingEpoch = null;
    this.cancelRenewal?.();
    this.cancelLapse?.();
    this.client.stop();
    this.wake();
  }

  /** A reading of the lease clock in whole ms (rounded down: earlier is safe), e.g. for a heartbeat. */
  nowMs(): number {
    return Math.floor(this.options.clock.nowMs());
  }

  /**
   * What the station is doing now: the epoch it serves writes in (null while it does not), and
   * its backup if that is live and holds everything acknowledged. Called on every change of
   * either; never calls `onChange` itself.
   */
  update(servingEpoch: number | null, peerSynced: string | null): void {
    if (this.stopped) return;
    let renewNow = false;
    if (servingEpoch !== this.servingEpoch) {
      // The backup's promises were made to the station as it served before.
      this.peerLeaseEndMs = 0;
      this.invalidateRequests();
      this.servingEpoch = servingEpoch;
      if (servingEpoch === null) {
        this.cancelRenewal?.();
        this.cancelRenewal = null;
      } else {
        renewNow = true;
        this.pendingVouch = null;
      }
    }
    if (peerSynced !== this.peerSynced) {
      this.peerSynced = peerSynced;
      if (this.servingEpoch !== null) renewNow = true;
    }
    if (renewNow) this.renew();
    this.noteHeld();
    this.wake();
  }

  /** The backup acknowledged a heartbeat sent at `sentAtMs` (lease clock). */
  peerAcknowledged(sentAtMs: number): void {
    if (this.servingEpoch === null) return;
    const endMs = holderLeaseEndMs(sentAtMs, this.options.failoverMs);
    if (endMs <= this.peerLeaseEndMs) return;
    const before = this.held();
    this.peerLeaseEndMs = endMs;
    if (before !== this.held()) this.changed();
    else this.scheduleLapse();
  }

  /** True while this station serves and a lease from the witness or from its in-sync backup holds. */
  held(): boolean {
    const epoch = this.servingEpoch;
    if (epoch === null) return false;
    const nowMs = this.options.clock.nowMs();
    return this.witnessLeaseHolds(epoch, nowMs) || (this.peerSynced !== null && nowMs < this.peerLeaseEndMs);
  }

  /** The answer to a write refused for want of a majority. */
  refusal(): NoQuorum {
    return {
      unavailable: 'no-quorum',
      message:
        `this station holds no majority: neither the witness (${this.options.witnessAddress}) ` +
        'nor the backup confirmed it in time, so another station may be taking over; nothing was changed',
    };
  }

  /** The answer to a write that is durable here but could not be confirmed under a majority. */
  lostRefusal(onBackup: boolean): NoQuorum {
    return {
      unavailable: 'no-quorum',
      message:
        `the change is recorded on this station${onBackup ? ' and its backup' : ''}, but this station ` +
        'lost its majority before it could confirm it; check the result before trying again',
    };
  }

  /**
   * For a write durable here that the backup does not hold: resolves true once the witness has
   * recorded that this station goes on without its backup, under a lease that still holds;
   * false if that cannot happen while the lease holds.
   */
  async confirmAlone(): Promise<boolean> {
    for (;;) {
      const epoch = this.servingEpoch;
      if (epoch === null || !this.client.connected) return false;
      if (!this.witnessLeaseHolds(epoch, this.options.clock.nowMs())) return false;
      if (this.witnessSynced?.epoch === epoch && this.witnessSynced.synced === null) return true;
      if (this.peerSynced === null) this.renew();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Asks the witness to vote for this station as primary in an epoch of at least `minEpoch`
   * (exactly `minEpoch` if `exact`, as a hand-over names it). A granted vote comes with a lease.
   */
  async acquireEpoch(minEpoch: number, fromEpoch: number, exact: boolean): Promise<EpochVote> {
    const epoch = exact ? minEpoch : Math.max(minEpoch, this.witnessEpoch + 1);
    if (!this.client.connected) {
      return this.voteRefused(
        `the witness at ${this.options.witnessAddress} cannot be reached: without its vote ` +
          'this station does not become primary',
      );
    }
    const sentAtMs = this.options.clock.nowMs();
    const reply = await this.client.request((requestId) => ({
      type: 'vote-request',
      requestId,
      epoch,
      stationId: this.options.stationId,
      fromEpoch,
      durationMs: this.leaseDurationMs,
    }));
    if (reply?.type === 'vote-granted' && reply.epoch === epoch) {
      this.invalidateRequests();
      this.witnessLease = { epoch, endMs: holderLeaseEndMs(sentAtMs, reply.durationMs) };
      this.witnessSynced = { epoch, synced: null };
      this.witnessEpoch = epoch;
      this.witnessHolder = this.options.stationId;
      this.voteProblem = null;
      this.lastLoggedProblem = null;
      this.options.logger.log('info', 'quorum-vote-granted', 'the witness voted for this station', {
        epoch,
        witness: this.options.witnessAddress,
      });
      this.changed();
      return { granted: true, epoch };
    }
    if (reply?.type === 'refused') {
      this.learn(reply);
      return this.voteRefused(describeRefusal(reply, this.options.stationId));
    }
    return this.voteRefused(
      reply === null
        ? `the witness at ${this.options.witnessAddress} did not answer: without its vote ` +
            'this station does not become primary'
        : `the witness answered a vote request with ${reply.type}`,
    );
  }

  /**
   * Gives up this station's lease in `epoch` at once (it stopped taking writes to hand the
   * primary role to `synced`, which holds everything). Renewals stop until the next `update`
   * with a serving epoch. True once the witness confirmed.
   */
  async release(epoch: number, synced: string | null): Promise<boolean> {
    this.servingEpoch = null;
    this.invalidateRequests();
    this.cancelRenewal?.();
    this.cancelRenewal = null;
    // Whatever the answer, the lease no longer counts here: the witness may have voided it.
    this.witnessLease = { epoch: -1, endMs: 0 };
    this.peerLeaseEndMs = 0;
    this.noteHeld();
    if (!this.client.connected) {
      this.logProblem('the hand-over waits for the witness, which cannot be reached');
      return false;
    }
    const reply = await this.client.request((requestId) => ({
      type: 'release',
      requestId,
      epoch,
      stationId: this.options.stationId,
      synced,
    }));
    if (reply?.type === 'released' && reply.epoch === epoch) {
      this.witnessSynced = { epoch, synced: reply.synced };
      return true;
    }
    if (reply?.type === 'refused') this.learn(reply);
    this.logProblem('the witness did not confirm the hand-over');
    return false;
  }

  /**
   * This station follows `leader` in `epoch` and holds everything the leader holds, and the leader
   * continued this station's own log (so it holds everything this station ever acknowledged). If
   * this station is the witness's holder of `epoch` (it served in it, then restarted), it tells the
   * witness so (a release naming `leader`): otherwise a leader that caught up while this station
   * had told the witness it went on alone could never be voted for, and neither would serve. A
   * station that is not the holder is refused, which changes nothing.
   */
  vouch(epoch: number, leader: string): void {
    // Epoch 0 too: the witness may have voted for this station in an epoch it never began.
    // Sent even if the witness last named another holder: it may since have voted for this
    // station (an answer lost on the way), and only asking tells.
    if (this.servingEpoch !== null) return;
    this.pendingVouch = { epoch, leader };
    this.sendVouch();
  }

  witnessStatus(): WitnessStatus {
    return { configured: true, connected: this.client.connected, address: this.options.witnessAddress };
  }

  quorumStatus(): QuorumStatus {
    const epoch = this.servingEpoch;
    const nowMs = this.options.clock.nowMs();
    if (epoch !== null) {
      const ends: number[] = [];
      if (this.witnessLeaseHolds(epoch, nowMs)) ends.push(this.witnessLease.endMs);
      if (this.peerSynced !== null && nowMs < this.peerLeaseEndMs) ends.push(this.peerLeaseEndMs);
      if (ends.length > 0) {
        return { held: true, untilMs: this.options.wallClock.nowMs() + (Math.max(...ends) - nowMs) };
      }
      return {
        held: false,
        reason: this.client.connected
          ? 'neither the witness nor the backup confirmed this station in time'
          : `the witness at ${this.options.witnessAddress} cannot be reached and the backup is not in sync`,
      };
    }
    if (this.voteProblem !== null) return { held: false, reason: this.voteProblem };
    return { held: false };
  }

  /** Answers to lease requests sent so far no longer count. */
  private invalidateRequests(): void {
    this.generation += 1;
    this.renewing = false;
    this.renewAgain = false;
  }

  private witnessLeaseHolds(epoch: number, nowMs: number): boolean {
    return this.witnessLease.epoch === epoch && nowMs < this.witnessLease.endMs;
  }

  /** Asks the witness for a lease (and declares the backup) now, then every renewal period. */
  private renew(): void {
    const epoch = this.servingEpoch;
    if (epoch === null || this.stopped) return;
    if (this.renewing) {
      this.renewAgain = true;
      return;
    }
    this.cancelRenewal?.();
    this.cancelRenewal = this.options.timers.schedule(() => {
      this.cancelRenewal = null;
      this.renew();
    }, this.renewalMs);
    if (!this.client.connected) return;
    this.renewing = true;
    const generation = this.generation;
    const synced = this.peerSynced;
    const sentAtMs = this.options.clock.nowMs();
    void this.client
      .request((requestId) => ({
        type: 'lease-request',
        requestId,
        epoch,
        stationId: this.options.stationId,
        synced,
        durationMs: this.leaseDurationMs,
      }))
      .then((reply) => {
        if (generation !== this.generation) return;
        this.renewing = false;
        this.leaseAnswered(epoch, sentAtMs, reply);
        if (this.renewAgain) {
          this.renewAgain = false;
          this.renew();
        }
      });
  }

  private leaseAnswered(epoch: number, sentAtMs: number, reply: WitnessReply | null): void {
    if (this.servingEpoch !== epoch) return;
    if (reply?.type === 'lease-granted' && reply.epoch === epoch) {
      const endMs = holderLeaseEndMs(sentAtMs, reply.durationMs);
      if (this.witnessLease.epoch !== epoch || endMs > this.witnessLease.endMs) {
        this.witnessLease = { epoch, endMs };
      }
      this.witnessSynced = { epoch, synced: reply.synced };
      this.lastLoggedProblem = null;
    } else if (reply?.type === 'refused') {
      this.learn(reply);
      this.logProblem(
        `the witness refused this station a lease: ${describeRefusal(reply, this.options.stationId)}`,
      );
      if (reply.epoch > epoch || reply.reason === 'stale-epoch') {
        this.options.onNewerEpoch(reply.epoch);
      }
    }
    this.changed();
  }

  private sendVouch(): void {
    const vouch = this.pendingVouch;
    if (vouch === null || this.vouching || !this.client.connected) return;
    this.vouching = true;
    void this.client
      .request((requestId) => ({
        type: 'release',
        requestId,
        epoch: vouch.epoch,
        stationId: this.options.stationId,
        synced: vouch.leader,
      }))
      .then((reply) => {
        this.vouching = false;
        // Unanswered: sent again once the witness is connected again.
        if (reply === null) return;
        if (this.pendingVouch === vouch) this.pendingVouch = null;
        if (reply.type === 'refused') {
          this.learn(reply);
          // The witness voted for this station in a newer epoch (a request this station gave up
          // on was granted late): this station never served in it, and holds what its leader
          // holds, so it gives that epoch up too. Otherwise neither station could ever serve.
          if (reply.holder === this.options.stationId && reply.epoch > vouch.epoch) {
            this.pendingVouch ??= { epoch: reply.epoch, leader: vouch.leader };
            this.sendVouch();
          }
        }
        if (reply.type === 'released') {
          this.options.logger.log(
            'info',
            'quorum-vouched',
            'told the witness that the primary this station follows holds everything it acknowledged',
            { epoch: vouch.epoch, primary: vouch.leader },
          );
        }
      });
  }

  private learn(reply: Extract<WitnessReply, { type: 'refused' }>): void {
    if (reply.epoch >= this.witnessEpoch) {
      this.witnessEpoch = reply.epoch;
      this.witnessHolder = reply.holder;
    }
  }

  private voteRefused(reason: string): EpochVote {
    this.voteProblem = reason;
    this.logProblem(reason);
    this.options.onChange();
    return { granted: false, reason };
  }

  /** Logs a problem once until another one (or a success) comes. */
  private logProblem(problem: string): void {
    if (problem === this.lastLoggedProblem) return;
    this.lastLoggedProblem = problem;
    this.options.logger.log('warn', 'quorum-refused', problem, {
      witness: this.options.witnessAddress,
      witnessEpoch: this.witnessEpoch,
      witnessHolder: this.witnessHolder,
    });
  }

  /** Something changed: log a gained or lost majority, time its lapse, wake waiters, tell the station. */
  private changed(): void {
    if (this.stopped) return;
    this.noteHeld();
    this.scheduleLapse();
    this.wake();
    this.options.onChange();
  }

  private noteHeld(): void {
    const held = this.held();
    if (held === this.wasHeld) return;
    this.wasHeld = held;
    if (this.servingEpoch === null) return;
    if (held) {
      this.options.logger.log('info', 'quorum-held', 'this station holds a majority and takes changes', {
        epoch: this.servingEpoch,
      });
    } else {
      this.options.logger.log(
        'warn',
        'quorum-lost',
        'this station lost its majority (neither the witness nor the backup confirmed it in time) ' +
          'and stops taking changes',
        { epoch: this.servingEpoch, witnessConnected: this.client.connected },
      );
    }
  }

  /** Checks again when the next lease runs out, so the status and the log follow at once. */
  private scheduleLapse(): void {
    this.cancelLapse?.();
    this.cancelLapse = null;
    if (this.servingEpoch === null || this.stopped) return;
    const nowMs = this.options.clock.nowMs();
    const ends = [this.witnessLease.endMs, this.peerLeaseEndMs].filter((endMs) => endMs > nowMs);
    if (ends.length === 0) return;
    this.cancelLapse = this.options.timers.schedule(
      () => {
        this.cancelLapse = null;
        this.changed();
      },
      Math.min(...ends) - nowMs,
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function describeRefusal(reply: Extract<WitnessReply, { type: 'refused' }>, self: string): string {
  const holder = reply.holder === self ? 'this station' : `station ${reply.holder}`;
  switch (reply.reason) {
    case 'lease-running':
      return `the witness waits until the primary's lease has run out (about ${reply.retryAfterMs} ms)`;
    case 'not-current':
      return (
        `the witness knows that the primary of epoch ${reply.epoch} (${holder}) acknowledged changes ` +
        'this station may not hold; it votes for no other station'
      );
    case 'epoch-taken':
    case 'stale-epoch':
      return `the witness voted for ${holder} in epoch ${reply.epoch}`;
  }
}
