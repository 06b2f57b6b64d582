/**
 * The follower's side of a link: adopts the leader's epoch history and token
 * key, takes a full copy or continues its log, makes every record durable
 * before acknowledging it, and notices when the leader falls silent.
 */
import type { Logger } from '../logging/logger.ts';
import type { SnapshotInstall, Station } from '../station/station.ts';
import type { EpochRecord } from './epoch-record.ts';
import { encodeReplicationMessage, type ReplicatedRecord, type ReplicationMessage } from './messages.ts';
import type { PeerChannel } from './peer-channel.ts';

type Welcome = Extract<ReplicationMessage, { type: 'welcome' }>;

/** A batch of diverged records carries about this many bytes of payload (a merge command holds one). */
const divergedBatchBytesMax = 512 * 1024;

export interface FollowerCallbacks {
  /** This station's epoch now. */
  epoch(): number;
  /** Persists the leader's epoch history before anything from it is accepted. */
  adoptEpoch(record: EpochRecord): Promise<void>;
  /** The leader hands the primary role over in `newEpoch`. */
  takeOver(newEpoch: number): Promise<void>;
  /** This station holds everything the leader had durable. */
  caughtUp(): void;
  /** This station is about to discard its copy for a full one; resolves once that is durable news. */
  beginFullCopy(): Promise<void>;
}

export class FollowerSession {
  private install: SnapshotInstall | null = null;
  private welcomed = false;
  /** Messages are handled one at a time, in order, after those of the session before. */
  private queue: Promise<void>;
  private closed = false;
  /** The send time of the newest heartbeat that carried one, echoed in acknowledgements. */
  private heartbeatSentAtMs: number | null = null;
  /** While a batch of diverged records waits for the leader to merge it. */
  private awaitingMerge: {
    readonly upToSeq: number;
    readonly resolve: () => void;
    readonly reject: (error: Error) => void;
  } | null = null;

  /** `previous`: the work of the session before this one, which this one's waits for. */
  constructor(
    private readonly channel: PeerChannel,
    private readonly station: Station,
    private readonly callbacks: FollowerCallbacks,
    private readonly logger: Logger,
    private readonly onFailure: (reason: string) => void,
    previous: Promise<void> = Promise.resolve(),
  ) {
    this.queue = previous;
  }

  /** Settles once every message this session took on is handled (or given up). */
  get idle(): Promise<void> {
    return this.queue;
  }

  /** How far a snapshot transfer got, so a new link can resume it. */
  get partialSnapshot(): { seq: number; receivedChunks: number } | null {
    return this.install === null
      ? null
      : { seq: this.install.seq, receivedChunks: this.install.receivedChunks };
  }

  handle(message: ReplicationMessage): void {
    if (message.type === 'merged') {
      // Answers a batch that the welcome's step is waiting for: not queued behind it.
      const awaiting = this.awaitingMerge;
      if (awaiting !== null && message.upToSeq >= awaiting.upToSeq) {
        this.awaitingMerge = null;
        awaiting.resolve();
      }
      return;
    }
    if (message.type === 'heartbeat' && message.sentAtMs !== undefined)
      this.heartbeatSentAtMs = Math.max(this.heartbeatSentAtMs ?? 0, message.sentAtMs);
    if (message.type === 'heartbeat' && this.welcomed) {
      // Liveness must not wait behind a long step (installing a snapshot of a million voters
      // takes seconds): answer at once with what is durable here, which after the welcome is
      // a prefix of the leader's log. Whether we are caught up is still decided in order.
      this.ack(message.epoch);
      this.queue = this.queue.then(() => {
        if (!this.closed) this.noteCaughtUp(message.lastSeq);
      });
      return;
    }
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await this.process(message);
      } catch (error) {
        this.onFailure(error instanceof Error ? error.message : String(error));
      }
    });
  }

  close(): void {
    this.closed = true;
    this.awaitingMerge?.reject(new Error('the link closed before the merge was confirmed'));
    this.awaitingMerge = null;
  }

  private async process(message: ReplicationMessage): Promise<void> {
    switch (message.type) {
      case 'welcome':
        await this.welcome(message);
        return;
      case 'snapshot-chunk': {
        this.requireWelcome();
        if (this.install?.seq !== message.seq) {
          this.install = await this.station.beginSnapshotInstall(message.seq, message.count, message.index);
        }
        await this.install.write(message.index, message.chunk);
        if (this.install.receivedChunks === message.count) {
          await this.station.commitSnapshotInstall(this.install);
          this.install = null;
          this.ack(message.epoch);
        }
        return;
      }
      case 'records': {
        this.requireWelcome();
        // Not awaited: the next message is applied while this one is being made durable, so
        // the backup's log commits many messages with one flush, as the primary's does.
        // Records are applied in order as they arrive; acknowledgements follow durability.
        const epoch = message.epoch;
        this.station.appendReplicated(message.records).then(
          () => {
            this.ack(epoch);
          },
          (error: unknown) => {
            this.onFailure(error instanceof Error ? error.message : String(error));
          },
        );
        return;
      }
      case 'heartbeat':
        // Arrived before the welcome was processed: answered here, in order.
        this.noteCaughtUp(message.lastSeq);
        this.ack(message.epoch);
        return;
      case 'handover':
        this.requireWelcome();
        await this.station.settle();
        if (message.lastSeq !== this.station.lastSeq) {
          throw new Error(
            `hand-over at seq ${message.lastSeq} but this station holds ${this.station.lastSeq}`,
          );
        }
        await this.callbacks.takeOver(message.newEpoch);
        this.send({ type: 'handover-done', epoch: message.newEpoch });
        return;
      case 'hello':
      case 'ack':
      case 'handover-done':
      case 'diverged':
      case 'merged':
        throw new Error(`unexpected ${message.type} from the primary`);
    }
  }

  private async welcome(message: Welcome): Promise<void> {
    if (message.epoch < this.callbacks.epoch()) throw new Error('the primary is in an older epoch');
    // Writes this station took while it served may still be on their way to its disk: they are
    // acknowledged once there, so they belong to what it sends to be merged.
    await this.station.settle();
    const lastSeq = this.station.lastSeq;
    if (message.followerLastSeq !== lastSeq) {
      // The log changed after the hello (this station was still serving, or finishing a full
      // copy for the link before): the leader's plan does not fit it. Say hello again.
      throw new Error(`the hello said ${message.followerLastSeq} but this log now holds ${lastSeq}`);
    }
    if (message.continueAfterSeq === 0 && lastSeq > 0) {
      // Our own records go to the leader first: it takes writes only once they are merged.
      if (lastSeq > message.commonSeq) await this.sendDiverged(message);
      // Our log cannot be continued (it is behind the leader's snapshot, or its records after the
      // common ones are now merged into the leader's): take a full copy.
      this.logger.log('warn', 'replication-full-copy', 'this station takes a full copy from the primary', {
        localLastSeq: lastSeq,
      });
      await this.callbacks.beginFullCopy();
      await this.station.resetForFullCopy();
    }
    // Only now that the log is a prefix of the leader's may the leader's history describe it:
    // a station that stops before this says its old history, and its records are merged again.
    await this.callbacks.adoptEpoch({ epoch: message.epoch, history: message.history });
    await this.station.adoptTokenKey(message.tokenKey);
    this.welcomed = true;
    this.ack(message.epoch);
  }

  /** Sends the records after the common ones, a bounded batch at a time, each once merged. */
  private async sendDiverged(message: Welcome): Promise<void> {
    this.logger.log(
      'warn',
      'replication-diverged',
      "this station's records from the split go to the primary",
      {
        commonSeq: message.commonSeq,
        localLastSeq: this.station.lastSeq,
      },
    );
    let batch: ReplicatedRecord[] = [];
    let bytes = 0;
    await this.station.storage.readRecords(message.commonSeq + 1, async (seq, payload) => {
      batch.push({ seq, payload });
      bytes += payload.length;
      if (bytes < divergedBatchBytesMax) return;
      await this.sendDivergedBatch(message, batch, false);
      batch = [];
      bytes = 0;
    });
    await this.sendDivergedBatch(message, batch, true);
  }

  private sendDivergedBatch(message: Welcome, records: ReplicatedRecord[], final: boolean): Promise<void> {
    // Closed meanwhile: no answer would ever come (and the next session waits for this one).
    if (this.closed) return Promise.reject(new Error('the link closed before the merge'));
    const upToSeq = records.at(-1)?.seq ?? message.commonSeq;
    const merged = new Promise<void>((resolve, reject) => {
      this.awaitingMerge = { upToSeq, resolve, reject };
    });
    this.send({ type: 'diverged', epoch: message.epoch, commonSeq: message.commonSeq, records, final });
    return merged;
  }

  private noteCaughtUp(leaderLastSeq: number): void {
    if (this.install === null && this.station.lastSeq >= leaderLastSeq) this.callbacks.caughtUp();
  }

  private requireWelcome(): void {
    if (!this.welcomed) throw new Error('the primary sent data before its welcome');
  }

  private ack(epoch: number): void {
    const seq = this.station.lastSeq;
    // Everything here came from the leader (after the welcome): the pair holds it twice.
    this.station.confirmReplicated(seq);
    const heartbeatSentAtMs = this.heartbeatSentAtMs;
    this.send(
      heartbeatSentAtMs === null
        ? { type: 'ack', epoch, seq }
        : { type: 'ack', epoch, seq, heartbeatSentAtMs },
    );
  }

  private send(message: ReplicationMessage): void {
    if (!this.closed) this.channel.send(encodeReplicationMessage(message));
  }
}
