/**
 * The leader's side of a link: brings the follower up to date (a snapshot if
 * its log cannot simply be continued, then the log tail, in bounded
 * messages), then streams every command as it commits and tells the station
 * when the follower has made it durable.
 */
import type { Logger } from '../logging/logger.ts';
import { systemTimers, type Scheduler } from '../station/environment.ts';
import type { Station } from '../station/station.ts';
import { decodeCommand } from '../codec/command-codec.ts';
import { DivergedHistory } from '../engine/merge.ts';
import { isUnavailable } from '../station/station-api.ts';
import { CompactedError } from '../store/store.ts';
import {
  commonSeqOf,
  lastKeptSeqOfEpoch,
  sameEpochStart,
  type EpochRecord,
  type EpochStart,
} from './epoch-record.ts';
import { encodeReplicationMessage, type ReplicatedRecord, type ReplicationMessage } from './messages.ts';
import type { PeerChannel } from './peer-channel.ts';

/** A records message carries at most this many bytes of payload. */
const recordsMessageBytesMax = 512 * 1024;

export interface FollowerState {
  readonly stationId: string;
  readonly epoch: number;
  readonly history: readonly EpochStart[];
  readonly lastSeq: number;
  readonly partialSnapshot: { readonly seq: number; readonly receivedChunks: number } | null;
}

interface AckWaiter {
  readonly seq: number;
  readonly resolve: (acknowledged: boolean) => void;
}

export class LeaderSession {
  /** Highest seq sent to the follower. */
  private sentSeq = 0;
  /** Highest seq the follower reported durable. */
  private ackedSeq = 0;
  /** True once catch-up is over and commits stream as they happen. */
  private live = false;
  private liveFromSeq = Number.POSITIVE_INFINITY;
  private waiters: AckWaiter[] = [];
  /** Live commands waiting for the end of the turn, to travel in one message. */
  private outbox: ReplicatedRecord[] = [];
  private closed = false;
  private welcomeSent = false;
  /** While the follower sends its diverged records: their history, and the end of the wait for them. */
  private diverged: {
    readonly history: DivergedHistory;
    readonly sourceStationId: string;
    readonly done: () => void;
  } | null = null;
  private divergedDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly channel: PeerChannel,
    private readonly station: Station,
    private readonly epochRecord: () => EpochRecord,
    private readonly logger: Logger,
    private readonly timers: Scheduler = systemTimers,
  ) {}

  /** True once the welcome was sent: it names the epoch the follower adopts. */
  get welcomed(): boolean {
    return this.welcomeSent;
  }

  get inSync(): boolean {
    return this.live && this.ackedSeq >= Math.min(this.liveFromSeq, this.station.lastSeq);
  }

  get lagRecords(): number {
    return Math.max(0, this.station.lastSeq - this.ackedSeq);
  }

  /** Sends the welcome and the catch-up; resolves once the follower is live (or the link closed). */
  async start(follower: FollowerState): Promise<void> {
    const record = this.epochRecord();
    const continueAfterSeq = this.canContinue(follower, record) ? follower.lastSeq : 0;
    const commonSeq =
      continueAfterSeq !== 0
        ? continueAfterSeq
        : commonSeqOf(follower, { history: record.history, lastSeq: this.station.lastSeq });
    if (follower.lastSeq > commonSeq) {
      // The follower's own records come first: merged here, then it takes the full copy with them.
      this.divergedDone = new Promise((resolve) => {
        this.diverged = {
          history: new DivergedHistory(commonSeq, this.station.stationId),
          sourceStationId: follower.stationId,
          done: resolve,
        };
      });
    }
    this.welcomeSent = true;
    this.send({
      type: 'welcome',
      epoch: record.epoch,
      history: record.history,
      tokenKey: this.station.tokenKey,
      continueAfterSeq,
      commonSeq,
      followerLastSeq: follower.lastSeq,
    });
    await this.divergedDone;
    this.sentSeq = continueAfterSeq;
    let nextSeq = continueAfterSeq + 1;
    if (continueAfterSeq === 0) nextSeq = (await this.sendSnapshot(follower)) + 1;
    // Catch up from the log until nothing durable is left unsent, then go live in the same turn.
    for (;;) {
      if (this.closed) return;
      try {
        await this.sendLog(nextSeq);
      } catch (error) {
        if (!(error instanceof CompactedError)) throw error;
        // The log moved on into a new snapshot while we were reading: start over from it.
        nextSeq = (await this.sendSnapshot(follower)) + 1;
        continue;
      }
      nextSeq = this.sentSeq + 1;
      if (this.station.lastSeq < nextSeq) break;
    }
    this.live = true;
    this.liveFromSeq = this.sentSeq + 1;
    // Tell the follower at once that it holds everything: only then may it take over.
    this.heartbeat();
    this.logger.log(
      'info',
      'replication-follower-live',
      'the backup is caught up and receives every change',
      {
        follower: follower.stationId,
        seq: this.sentSeq,
      },
    );
  }

  /** A command became durable here: send it (if live) and wait until the follower has it too. */
  async replicate(seq: number, payload: Uint8Array): Promise<boolean> {
    if (!this.live || this.closed) return false;
    if (seq > this.sentSeq) this.queueLive({ seq, payload });
    if (this.ackedSeq >= seq) return true;
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /**
   * Commands become durable here in groups (one flush each) and are handed to
   * `replicate` one by one within the same turn: send each group as one message.
   */
  private queueLive(record: ReplicatedRecord): void {
    this.outbox.push(record);
    this.sentSeq = record.seq;
    if (this.outbox.length > 1) return;
    this.timers.afterTurn(() => {
      const records = this.outbox;
      this.outbox = [];
      let start = 0;
      let bytes = 0;
      records.forEach((queued, index) => {
        bytes += queued.payload.length;
        if (bytes >= recordsMessageBytesMax || index === records.length - 1) {
          this.sendRecords(records.slice(start, index + 1));
          start = index + 1;
          bytes = 0;
        }
      });
    });
  }

  /** `sentAtMs` (with a witness): the lease clock's reading now, which the follower echoes. */
  heartbeat(sentAtMs?: number): void {
    const epoch = this.epochRecord().epoch;
    const lastSeq = this.station.lastSeq;
    this.send(
      sentAtMs === undefined
        ? { type: 'heartbeat', epoch, lastSeq }
        : { type: 'heartbeat', epoch, lastSeq, sentAtMs },
    );
  }

  /**
   * A batch of the follower's diverged records: replays them here (a merge), then tells the
   * follower they are durable. Rejects if they cannot be merged (the link is then dropped and
   * the follower, which still holds them, sends them again on the next one).
   */
  async mergeDiverged(message: Extract<ReplicationMessage, { type: 'diverged' }>): Promise<void> {
    const diverged = this.diverged;
    if (diverged === null || message.commonSeq !== diverged.history.commonSeq) {
      throw new Error('diverged records the leader did not ask for');
    }
    const commands = message.records.flatMap(
      (record) => diverged.history.describe(record.seq, decodeCommand(record.payload)) ?? [],
    );
    if (commands.length > 0) {
      const answer = await this.station.mergeDiverged(diverged.sourceStationId, message.commonSeq, commands);
      if (isUnavailable(answer)) throw new Error(`the merge was refused: ${answer.message}`);
    }
    const upToSeq = message.records.at(-1)?.seq ?? message.commonSeq;
    this.send({ type: 'merged', epoch: this.epochRecord().epoch, upToSeq });
    this.logger.log('info', 'replication-merged', "the other station's records from the split are merged", {
      from: diverged.sourceStationId,
      commands: commands.length,
      upToSeq,
    });
    if (message.final) {
      this.diverged = null;
      diverged.done();
    }
  }

  acknowledge(seq: number): void {
    if (seq <= this.ackedSeq) return;
    this.ackedSeq = seq;
    const ready = this.waiters.filter((waiter) => waiter.seq <= seq);
    this.waiters = this.waiters.filter((waiter) => waiter.seq > seq);
    for (const waiter of ready) waiter.resolve(true);
  }

  get acknowledgedSeq(): number {
    return this.ackedSeq;
  }

  /** The link is gone: every write waiting for the follower learns it was not replicated. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters = [];
    // start() stops at its next step: the link is gone.
    this.diverged?.done();
    this.diverged = null;
  }

  private canContinue(follower: FollowerState, record: EpochRecord): boolean {
    if (follower.lastSeq === 0 || follower.lastSeq > this.station.lastSeq) return false;
    // The follower's epoch must be the very one in our history, not another begun under the same number.
    if (follower.epoch > 0 && !sameEpochStart(follower.history, record.history, follower.epoch)) return false;
    // Records the follower wrote in an epoch that later ended before them were never acknowledged.
    const keptUpTo = lastKeptSeqOfEpoch(record.history, follower.epoch);
    return keptUpTo === null ? follower.epoch === record.epoch : follower.lastSeq <= keptUpTo;
  }

  /** Streams the newest snapshot (resuming a partial transfer of the same one); returns its seq. */
  private async sendSnapshot(follower: FollowerState): Promise<number> {
    const store = this.station.storage;
    for (;;) {
      const snapshot = store.latestSnapshot();
      if (snapshot === null) return 0;
      const partial = follower.partialSnapshot;
      const fromChunk = partial !== null && partial.seq === snapshot.seq ? partial.receivedChunks : 0;
      try {
        await store.readSnapshotChunks(snapshot.seq, fromChunk, async (index, count, chunk) => {
          if (this.closed) throw new LinkClosedError();
          const epoch = this.epochRecord().epoch;
          if (!this.send({ type: 'snapshot-chunk', epoch, seq: snapshot.seq, index, count, chunk })) {
            await this.channel.drained();
          }
        });
        this.sentSeq = snapshot.seq;
        return snapshot.seq;
      } catch (error) {
        if (!(error instanceof CompactedError)) throw error;
      }
    }
  }

  private async sendLog(fromSeq: number): Promise<void> {
    let batch: ReplicatedRecord[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const full = !this.sendRecords(batch);
      batch = [];
      batchBytes = 0;
      if (full) await this.channel.drained();
    };
    await this.station.storage.readRecords(fromSeq, async (seq, payload) => {
      if (this.closed) throw new LinkClosedError();
      batch.push({ seq, payload });
      batchBytes += payload.length;
      if (batchBytes >= recordsMessageBytesMax) await flush();
    });
    await flush();
  }

  private sendRecords(records: readonly ReplicatedRecord[]): boolean {
    const last = records[records.length - 1];
    if (last !== undefined) this.sentSeq = Math.max(this.sentSeq, last.seq);
    return this.send({ type: 'records', epoch: this.epochRecord().epoch, records });
  }

  private send(message: ReplicationMessage): boolean {
    if (this.closed) return true;
    return this.channel.send(encodeReplicationMessage(message));
  }
}

/** Thrown inside a read loop to stop it when the link has gone. */
export class LinkClosedError extends Error {
  constructor() {
    super('the link to the backup closed');
  }
}
