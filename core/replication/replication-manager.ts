/**
 * Primary/backup replication for one station: finds and keeps a link to the
 * paired station, decides who leads, streams or follows, promotes the backup
 * when the primary falls silent, and hands the primary role back to the
 * station the officials chose as primary once it is caught up.
 *
 * Safety rules: a station serves writes only as primary, with its epoch
 * written durably first; it never accepts replication messages from a lower
 * epoch; on seeing a higher epoch it stops taking writes at once. While a
 * backup is live, a write is acknowledged only once it is durable on both.
 *
 * With a witness (`witness` option, core/witness/quorum.ts): writes only while
 * a majority holds under a lease, a new epoch only with the witness's vote
 * (take-over and hand-over alike), and a hand-over first gives the lease up.
 */
import path from 'node:path';
import type { Logger } from '../logging/logger.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';
import { systemTimers, type Clock, type Scheduler } from '../station/environment.ts';
import type { Unavailable } from '../station/station-api.ts';
import type { StationStatus } from '../station/station-status.ts';
import type { CommitReplicator, Station } from '../station/station.ts';
import { holderClock } from '../witness/lease.ts';
import { Quorum } from '../witness/quorum.ts';
import {
  ownEpochFrom,
  readEpochRecord,
  startEpoch,
  writeEpochRecord,
  type EpochRecord,
} from './epoch-record.ts';
import { FollowerSession } from './follower-session.ts';
import { leads } from './leader-choice.ts';
import { LeaderSession } from './leader-session.ts';
import {
  decodeReplicationMessage,
  encodeReplicationMessage,
  replicationProtocolVersion,
  type ReplicationMessage,
  type StationRole,
} from './messages.ts';
import type { PeerChannel } from './peer-channel.ts';

export interface ReplicationOptions {
  readonly station: Station;
  readonly preferredRole: StationRole;
  /** The gRPC address clients use for this station; the peer names it when it refuses writes. */
  readonly grpcAddress: string;
  readonly failoverMs: number;
  readonly requireBackup: boolean;
  /** Whether a peer may exist at all (a fixed address or discovery); without one a primary serves at once. */
  readonly peerExpected: boolean;
  /** Opens a channel to the peer's sync address. */
  readonly dial: (address: string) => Promise<PeerChannel>;
  readonly clock: Clock;
  /** Node's timers by default; the simulator (simulation/) passes its virtual ones. */
  readonly timers?: Scheduler;
  readonly logger: Logger;
  readonly onChange: (status: ReplicationStatus) => void;
  /** A witness (--witness); without one the station behaves as it always did. */
  readonly witness?: WitnessOptions;
}

export interface WitnessOptions {
  /** HOST:PORT of the witness. */
  readonly address: string;
  /** Opens a secure channel to the witness. */
  readonly dial: (address: string) => Promise<PeerChannel>;
  /** The clock leases are timed on; by default one that never runs slow (core/witness/lease.ts). */
  readonly leaseClock?: Clock;
}

/** Present in the data directory while a full copy from the primary is incomplete. */
const fullCopyMarker = 'full-copy.pending';

const noWitness = { configured: false, connected: false, address: '' } as const;

/** The station's status as replication sees it (the station adds its id). */
export type ReplicationStatus = Omit<StationStatus, 'stationId'>;

type Hello = Extract<ReplicationMessage, { type: 'hello' }>;

interface Link {
  readonly channel: PeerChannel;
  readonly peer: Hello;
  /** True if this station opened the connection. */
  readonly outgoing: boolean;
  session: LeaderSession | FollowerSession;
  lastHeardMs: number;
}

export class ReplicationManager implements CommitReplicator {
  private epochRecord: EpochRecord = { epoch: 0, history: [] };
  private role: StationRole = 'backup';
  private writable = false;
  private handingOver = false;
  /** The epoch offered to the returning primary in a hand-over not yet confirmed. */
  private offeredEpoch: number | null = null;
  private link: Link | null = null;
  private peerAddress: string | null = null;
  private dialing = false;
  private cancelTick: (() => void) | null = null;
  private readonly timers: Scheduler;
  private startedAtMs = 0;
  private stopped = false;
  private promoting: Promise<boolean> | null = null;
  private wasUnprotected = false;
  /** When this station last heard from a primary it followed; only such a station takes over on silence. */
  private leaderLastHeardMs: number | null = null;
  /**
   * True once this station has held everything its primary had (and not discarded it since):
   * a backup still taking its first copy must not take over with part of the state.
   */
  private caughtUp = false;
  /** A snapshot transfer that broke off, and the epoch it belongs to. */
  private partialSnapshot: {
    readonly epoch: number;
    readonly seq: number;
    readonly receivedChunks: number;
  } | null = null;

  /** With a witness: the majority this station holds, and the witness's votes. */
  private readonly quorum: Quorum | null;
  /** With a witness: the link this station leads without the vote for a new epoch yet (tried again). */
  private awaitingVoteFor: Link | null = null;
  /** With a witness: the lease was given up for a hand-over in progress. */
  private leaseReleased = false;
  /** Epoch changes in progress, one at a time (see changeEpoch). */
  private epochChanges: Promise<unknown> = Promise.resolve();
  /** The highest epoch heard of (fencing): this station never begins one at or below it. */
  private highestEpochSeen = 0;
  /** This station began its epoch to lead a follower that has not confirmed it yet. */
  private unconfirmedEpoch = false;
  /** When this station last vouched for the primary it follows (with a witness). */
  private lastVouchMs = 0;
  /** A full copy is under way (or was, when this station stopped): see beginFullCopy. */
  private copyPending = false;
  /** The newest follower session: the next one starts once its work is done. */
  private lastFollower: FollowerSession | null = null;
  /** The link whose follower has yet to confirm the epoch this station began to lead it. */
  private confirmingLink: Link | null = null;
  /** Names this run of the station in its hellos, so the peer can tell a restart from a second connection. */
  private readonly incarnation: string;

  constructor(private readonly options: ReplicationOptions) {
    this.timers = options.timers ?? systemTimers;
    this.incarnation = Buffer.from(options.station.randomBytes(8)).toString('hex');
    const witness = options.witness;
    this.quorum =
      witness === undefined
        ? null
        : new Quorum({
            stationId: options.station.stationId,
            witnessAddress: witness.address,
            failoverMs: options.failoverMs,
            dial: witness.dial,
            clock: witness.leaseClock ?? holderClock(),
            wallClock: options.clock,
            timers: this.timers,
            logger: options.logger,
            onChange: () => {
              if (!this.stopped) this.publish();
            },
            onNewerEpoch: (epoch) => {
              this.fence(epoch);
            },
          });
  }

  async start(): Promise<void> {
    this.epochRecord = await readEpochRecord(this.options.station.dataDir, this.options.station.fileSystem);
    this.copyPending = (await this.options.station.fileSystem.readdir(this.options.station.dataDir)).includes(
      fullCopyMarker,
    );
    this.startedAtMs = this.options.clock.nowMs();
    // With a peer, what it has not confirmed may have to be merged into it after a split.
    if (this.options.peerExpected) await this.options.station.keepUnconfirmedRecords();
    this.options.station.setReplicator(this);
    this.quorum?.start();
    if (this.options.preferredRole === 'primary' && !this.options.peerExpected)
      await this.promote('no peer configured');
    const tickMs = Math.max(50, Math.floor(this.options.failoverMs / 5));
    const scheduleTick = (): void => {
      this.cancelTick = this.timers.schedule(() => {
        if (this.stopped) return;
        scheduleTick();
        this.tick();
      }, tickMs);
    };
    if (!this.stopped) scheduleTick();
    this.publish();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.writable = false;
    this.cancelTick?.();
    this.quorum?.stop();
    this.dropLink('this station is stopping');
    await this.promoting;
  }

  /** A peer address learned from --peer or discovery. */
  setPeerAddress(address: string): void {
    this.peerAddress = address;
    this.tryDial();
  }

  status(): ReplicationStatus {
    const session = this.link?.session;
    const leader = session instanceof LeaderSession ? session : null;
    // A station that just took over is still on the link it followed: that is no protection.
    const inSync = leader !== null ? leader.inSync : !this.writable && session !== undefined && this.caughtUp;
    return {
      role: this.role,
      epoch: this.epochRecord.epoch,
      writable: this.writable && !this.handingOver && (this.quorum?.held() ?? true),
      peer: {
        connected: this.link !== null,
        inSync: this.link !== null && inSync,
        address: this.link?.channel.remoteAddress ?? this.peerAddress ?? '',
        stationId: this.link?.peer.stationId ?? '',
        lagRecords: leader?.lagRecords ?? 0,
      },
      unprotected: this.writable && !(leader?.inSync ?? false),
      witness: this.quorum?.witnessStatus() ?? noWitness,
      quorum: this.quorum?.quorumStatus() ?? { held: false },
    };
  }

  writeRefusal(): Unavailable | null {
    if (this.writable && !this.handingOver) {
      if (this.quorum !== null && !this.quorum.held()) return this.quorum.refusal();
      if (
        this.options.requireBackup &&
        !(this.link?.session instanceof LeaderSession && this.link.session.inSync)
      ) {
        return {
          unavailable: 'backup-unavailable',
          message:
            'no backup station is in sync and this station requires one (--require-backup); nothing was changed',
        };
      }
      return null;
    }
    const primary =
      this.link !== null && this.link.session instanceof FollowerSession ? this.link.peer.grpcAddress : '';
    return {
      unavailable: 'not-primary',
      message:
        primary !== ''
          ? `this station is the backup; send changes to the primary at ${primary}`
          : this.copyPending
            ? 'this station holds only part of the records until its copy from the other station ' +
              'is complete; start the other station so the copy can finish; nothing was changed'
            : 'this station is not the primary right now; nothing was changed',
    };
  }

  mergeRefusal(): Unavailable | null {
    if (this.role === 'primary' && !this.handingOver && this.link?.session instanceof LeaderSession)
      return null;
    return {
      unavailable: 'not-primary',
      message: 'this station does not lead its peer now; nothing was merged',
    };
  }

  async replicate(seq: number, payload: Uint8Array): Promise<Unavailable | null> {
    const session = this.link?.session;
    const replicated = session instanceof LeaderSession ? await session.replicate(seq, payload) : false;
    if (this.quorum !== null) {
      // Acknowledged only while the majority still holds; a write the backup lacks only once the
      // witness knows this station goes on alone (so it votes for no one else).
      const kept = replicated ? this.quorum.held() : await this.quorum.confirmAlone();
      if (!kept) return this.quorum.lostRefusal(replicated);
    }
    if (replicated || !this.options.requireBackup) return null;
    return {
      unavailable: 'backup-unavailable',
      message:
        'the change is recorded on this station but the backup could not confirm it; ' +
        'check the result before trying again',
    };
  }

  /** A connection from the peer (this station listens on its sync address). */
  accept(channel: PeerChannel): void {
    this.handshake(channel, false);
  }

  private tryDial(): void {
    if (this.stopped || this.dialing || this.link !== null || this.peerAddress === null) return;
    this.dialing = true;
    const address = this.peerAddress;
    this.options.dial(address).then(
      (channel) => {
        this.dialing = false;
        this.handshake(channel, true);
      },
      () => {
        this.dialing = false;
      },
    );
  }

  private handshake(channel: PeerChannel, outgoing: boolean): void {
    let link: Link | null = null;
    const hello = this.hello();
    channel.onClose((reason) => {
      if (link !== null && this.link === link) this.dropLink(reason);
    });
    channel.onMessage((bytes) => {
      let message: ReplicationMessage;
      try {
        message = decodeReplicationMessage(bytes);
      } catch (error) {
        this.options.logger.log('warn', 'replication-channel-error', 'malformed message from the peer', {
          peer: channel.remoteAddress,
          error: (error as Error).message,
        });
        channel.close();
        return;
      }
      if (link === null) {
        if (message.type !== 'hello') {
          channel.close();
          return;
        }
        link = this.establish(channel, hello, message, outgoing);
        return;
      }
      this.receive(link, message);
    });
    channel.send(encodeReplicationMessage(hello));
  }

  private hello(): Hello {
    return {
      type: 'hello',
      epoch: this.epochRecord.epoch,
      stationId: this.options.station.stationId,
      role: this.role,
      preferredRole: this.options.preferredRole,
      lastSeq: this.options.station.lastSeq,
      history: this.epochRecord.history,
      grpcAddress: this.options.grpcAddress,
      protocolVersion: replicationProtocolVersion,
      incarnation: this.incarnation,
      partialSnapshot:
        this.partialSnapshot?.epoch === this.epochRecord.epoch
          ? { seq: this.partialSnapshot.seq, receivedChunks: this.partialSnapshot.receivedChunks }
          : null,
      fullCopyPending: this.copyPending,
    };
  }

  /** `sent`: this station's hello on this connection, which is what the peer decides on. */
  private establish(channel: PeerChannel, sent: Hello, peer: Hello, outgoing: boolean): Link | null {
    const logger = this.options.logger;
    if (
      peer.protocolVersion !== replicationProtocolVersion ||
      peer.stationId === this.options.station.stationId
    ) {
      logger.log('warn', 'replication-peer-rejected', 'incompatible or identical peer', {
        peer: channel.remoteAddress,
      });
      channel.close();
      return null;
    }
    if (this.link?.peer.stationId === peer.stationId && this.link.peer.incarnation !== peer.incarnation) {
      // The peer restarted: its old connection is dead, even if no reset has reached us yet.
      logger.log(
        'info',
        'replication-peer-restarted',
        'the peer restarted; its new connection replaces the old',
        {
          peer: channel.remoteAddress,
        },
      );
      this.dropLink('the peer restarted');
    }
    if (this.link !== null) {
      // Both stations dialled at once: keep the connection opened by the smaller station id.
      const keepNew = outgoing === this.options.station.stationId < peer.stationId;
      if (!keepNew || this.link.peer.stationId !== peer.stationId) {
        channel.close();
        return null;
      }
      this.dropLink('replaced by a simultaneous connection');
    }
    if (this.epochRecord.epoch !== sent.epoch || this.role !== sent.role) {
      // This station changed while the hellos crossed: the peer would choose the leader on an
      // outdated hello. Both say hello again, on a new connection.
      logger.log('info', 'replication-hello-outdated', 'this station changed since its hello; reconnecting', {
        peer: channel.remoteAddress,
      });
      channel.close();
      return null;
    }
    if (peer.epoch > this.epochRecord.epoch) this.fence(peer.epoch);
    // Both sides decide on the same two hellos, so they always agree on who leads.
    const iLead = leads(sent, peer);
    const link: Link = {
      channel,
      peer,
      outgoing,
      session: iLead
        ? new LeaderSession(channel, this.options.station, () => this.epochRecord, logger, this.timers)
        : new FollowerSession(
            channel,
            this.options.station,
            this.followerCallbacks(),
            logger,
            (reason) => {
              logger.log('error', 'replication-channel-error', 'following the primary failed', { reason });
              channel.close();
            },
            // A closed link's session may still be storing what it received: one at a time.
            this.lastFollower?.idle,
          ),
      lastHeardMs: this.options.clock.nowMs(),
    };
    this.link = link;
    if (link.session instanceof FollowerSession) this.lastFollower = link.session;
    logger.log(
      'info',
      'replication-peer-connected',
      iLead ? 'the backup is connected' : 'following the primary',
      {
        peer: channel.remoteAddress,
        peerStationId: peer.stationId,
      },
    );
    if (iLead) {
      void this.lead(link);
    } else {
      this.leaderLastHeardMs = link.lastHeardMs;
      this.writable = false;
      this.role = 'backup';
    }
    this.publish();
    return link;
  }

  private async lead(link: Link): Promise<void> {
    if (this.unconfirmedEpoch && this.role === 'primary' && !this.writable) {
      // An epoch begun for a follower that left before confirming it: this one's welcome carries it.
      this.confirmingLink = link;
    } else if (this.role !== 'primary' || !this.writable) {
      const begun = await this.promote('leading the pair', undefined, false, link);
      // Without the witness's vote yet: lead anyway (no writes are taken) and ask again on every tick.
      if (this.quorum !== null && !begun) this.awaitingVoteFor = link;
    }
    const session = link.session as LeaderSession;
    try {
      await session.start({
        stationId: link.peer.stationId,
        epoch: link.peer.epoch,
        history: link.peer.history,
        lastSeq: link.peer.lastSeq,
        partialSnapshot: link.peer.partialSnapshot,
      });
    } catch (error) {
      this.options.logger.log('warn', 'replication-channel-error', 'catching the backup up failed', {
        error: (error as Error).message,
      });
      link.channel.close();
    }
    this.publish();
  }

  private receive(link: Link, message: ReplicationMessage): void {
    link.lastHeardMs = this.options.clock.nowMs();
    if (link.session instanceof FollowerSession) this.leaderLastHeardMs = link.lastHeardMs;
    if (message.type === 'diverged' && link.session instanceof LeaderSession) {
      link.session.mergeDiverged(message).catch((error: unknown) => {
        this.options.logger.log(
          'warn',
          'replication-channel-error',
          "merging the other station's records failed",
          {
            error: error instanceof Error ? error.message : String(error),
          },
        );
        link.channel.close();
      });
      return;
    }
    if (message.type === 'handover-done' && link.session instanceof LeaderSession) {
      void this.completeHandOver(link, message.epoch);
      return;
    }
    if (message.epoch < this.epochRecord.epoch) {
      this.options.logger.log('warn', 'replication-stale-epoch', 'message from an older epoch refused', {
        peer: link.channel.remoteAddress,
        epoch: message.epoch,
        ownEpoch: this.epochRecord.epoch,
      });
      link.channel.close();
      return;
    }
    if (message.epoch > this.epochRecord.epoch && link.session instanceof LeaderSession) {
      this.fence(message.epoch);
      link.channel.close();
      return;
    }
    const session = link.session;
    if (session instanceof FollowerSession) {
      session.handle(message);
      return;
    }
    if (message.type === 'ack') {
      if (this.confirmingLink === link && message.epoch === this.epochRecord.epoch) this.confirmed(link);
      session.acknowledge(message.seq);
      this.options.station.confirmReplicated(message.seq);
      if (message.heartbeatSentAtMs !== undefined) this.quorum?.peerAcknowledged(message.heartbeatSentAtMs);
      this.maybeHandOver(link, session);
      this.publish();
    }
  }

  /** Seeing a higher epoch: stop taking writes at once. */
  private fence(epoch: number): void {
    this.highestEpochSeen = Math.max(this.highestEpochSeen, epoch);
    if (this.writable) {
      this.options.logger.log(
        'warn',
        'replication-fenced',
        'a newer primary exists; this station stops taking writes',
        {
          epoch,
        },
      );
    }
    this.writable = false;
    this.role = 'backup';
    this.unconfirmedEpoch = false;
    // A fenced station leads no more: its follower would otherwise follow a station that never
    // serves again. Both say hello afresh, and the leader is chosen again.
    if (this.link?.session instanceof LeaderSession) this.dropLink('a newer epoch exists');
    this.publish();
  }

  private followerCallbacks() {
    return {
      epoch: () => this.epochRecord.epoch,
      adoptEpoch: (record: EpochRecord) =>
        this.changeEpoch(async () => {
          if (record.epoch < this.epochRecord.epoch) throw new Error('the primary is in an older epoch');
          await this.writeEpoch(record);
          this.epochRecord = record;
          this.publish();
        }),
      takeOver: async (newEpoch: number) => {
        await this.promote('hand-over from the serving station', newEpoch, true);
        if (this.role !== 'primary' || this.epochRecord.epoch !== newEpoch)
          throw new Error(
            `this station could not begin epoch ${newEpoch} (no vote, or a newer epoch is known)`,
          );
      },
      caughtUp: () => {
        if (this.copyPending) {
          this.copyPending = false;
          this.options.station.fileSystem
            .unlink(path.join(this.options.station.dataDir, fullCopyMarker))
            .catch(() => undefined);
        }
        if (this.caughtUp) return;
        this.caughtUp = true;
        // A restarted holder of the witness's vote tells it that the station it follows has it all.
        const leader = this.link?.peer.stationId;
        if (leader !== undefined) this.quorum?.vouch(this.epochRecord.epoch, leader);
        this.publish();
      },
      beginFullCopy: async () => {
        this.caughtUp = false;
        // Until the copy is complete this station holds part of the state: it never serves on
        // its own, not even after a restart.
        this.copyPending = true;
        await writeFileAtomic(path.join(this.options.station.dataDir, fullCopyMarker), '', {
          fileSystem: this.options.station.fileSystem,
        });
        this.publish();
      },
    };
  }

  /**
   * Becomes primary in a new epoch, written durably before any write is taken; resolves with
   * whether the epoch was begun. Leading `confirmBy`, writes wait until its follower confirms
   * the epoch: until then the follower may still take over from the station it followed.
   */
  private promote(
    reason: string,
    epoch = this.epochRecord.epoch + 1,
    exact = false,
    confirmBy: Link | null = null,
  ): Promise<boolean> {
    this.promoting ??= this.becomePrimary(reason, epoch, exact, confirmBy).finally(() => {
      this.promoting = null;
    });
    return this.promoting;
  }

  private async becomePrimary(
    reason: string,
    requestedEpoch: number,
    exact: boolean,
    confirmBy: Link | null,
  ): Promise<boolean> {
    // Never reuse an epoch offered in a hand-over: the other station may be serving in it.
    let epoch = Math.max(requestedEpoch, (this.offeredEpoch ?? 0) + 1);
    if (!exact) epoch = ownEpochFrom(epoch, this.options.preferredRole);
    if (this.quorum !== null) {
      // No new epoch without the witness's vote; refused, this station stays as it is (and says why).
      const vote = await this.quorum.acquireEpoch(epoch, this.epochRecord.epoch, exact);
      if (!vote.granted || this.stopped) {
        this.publish();
        return false;
      }
      epoch = vote.epoch;
      this.awaitingVoteFor = null;
    }
    return this.changeEpoch(async () => {
      // Things may have moved on while the vote or an earlier epoch change was under way.
      if (!exact && this.following()) return false;
      // Part of a full copy is not a history to serve or lead from.
      if (this.copyPending) return false;
      // With a witness its vote is the word on epochs: an epoch it granted this station is this
      // station's, even if this station heard of it before (a refusal naming it).
      const floor =
        this.quorum !== null
          ? this.epochRecord.epoch
          : Math.max(this.epochRecord.epoch, this.highestEpochSeen);
      if (epoch <= floor) {
        // An agreed or voted epoch is taken as it is, or not at all.
        if (exact || this.quorum !== null) return false;
        epoch = ownEpochFrom(floor + 1, this.options.preferredRole);
      }
      return this.beginEpoch(epoch, reason, exact, confirmBy);
    });
  }

  /** True while this station follows a primary. */
  private following(): boolean {
    return this.link?.session instanceof FollowerSession;
  }

  /**
   * Writes `epoch` durably as this station's, then serves in it (once `confirmBy` follows, if
   * given); not if it began to follow a primary during the write (its next hello says the epoch).
   */
  private async beginEpoch(
    epoch: number,
    reason: string,
    exact: boolean,
    confirmBy: Link | null,
  ): Promise<boolean> {
    this.leaderLastHeardMs = null;
    this.offeredEpoch = null;
    const record = startEpoch(
      this.epochRecord,
      epoch,
      this.options.station.lastSeq + 1,
      this.options.station.stationId,
    );
    await this.writeEpoch(record);
    this.epochRecord = record;
    if (!exact && this.following()) return false;
    this.role = 'primary';
    this.handingOver = false;
    if (confirmBy !== null && this.link === confirmBy) {
      this.unconfirmedEpoch = true;
      this.confirmingLink = confirmBy;
      // Its welcome went out in the older epoch (the vote came later): the follower would never
      // adopt this one's history. It says hello again and is welcomed in this epoch.
      if (confirmBy.session instanceof LeaderSession && confirmBy.session.welcomed) confirmBy.channel.close();
      this.options.logger.log(
        'info',
        'replication-promoting',
        `leading the pair in epoch ${epoch} once the backup follows`,
        {
          epoch,
        },
      );
    } else {
      this.writable = true;
      this.logPromoted(reason);
    }
    this.publish();
    return true;
  }

  /** Runs epoch changes one at a time, each on the record the previous one left. */
  private changeEpoch<T>(change: () => Promise<T>): Promise<T> {
    const result = this.epochChanges.then(change);
    this.epochChanges = result.catch(() => undefined);
    return result;
  }

  /** The follower took the epoch this station began to lead it: writes may start. */
  private confirmed(link: Link): void {
    this.confirmingLink = null;
    this.unconfirmedEpoch = false;
    if (this.role !== 'primary' || link !== this.link) return;
    this.writable = true;
    this.logPromoted('leading the pair');
  }

  private logPromoted(reason: string): void {
    this.options.logger.log('info', 'replication-promoted', `this station is now the primary (${reason})`, {
      epoch: this.epochRecord.epoch,
      lastSeq: this.options.station.lastSeq,
    });
  }

  /** The officials' primary is back and caught up: stop writes, let it catch the last ones, hand over. */
  private maybeHandOver(link: Link, session: LeaderSession): void {
    if (this.handingOver || this.options.preferredRole === 'primary' || link.peer.preferredRole !== 'primary')
      return;
    if (!session.inSync) return;
    // With a witness, the hand-over goes through it: not while it cannot be reached.
    if (this.quorum !== null && !this.quorum.witnessStatus().connected) return;
    this.handingOver = true;
    void (async () => {
      await this.options.station.settle();
      const lastSeq = this.options.station.lastSeq;
      while (session.acknowledgedSeq < lastSeq && this.link === link) await this.delay(10);
      if (this.link !== link) {
        this.handingOver = false;
        return;
      }
      if (this.quorum !== null) {
        // Give the lease up first (the returning station holds everything), so the witness votes
        // for it at once; no write is taken meanwhile.
        const released = await this.quorum.release(this.epochRecord.epoch, link.peer.stationId);
        this.leaseReleased = released;
        if (!released || this.link !== link) {
          this.handingOver = false;
          this.publish();
          return;
        }
      }
      this.options.logger.log('info', 'replication-handover-init', 'handing the primary role back', {
        lastSeq,
      });
      const newEpoch = this.epochRecord.epoch + 1;
      this.offeredEpoch = newEpoch;
      link.channel.send(
        encodeReplicationMessage({ type: 'handover', epoch: this.epochRecord.epoch, newEpoch, lastSeq }),
      );
    })();
  }

  private async completeHandOver(link: Link, newEpoch: number): Promise<void> {
    await this.changeEpoch(async () => {
      const record = startEpoch(
        this.epochRecord,
        newEpoch,
        this.options.station.lastSeq + 1,
        link.peer.stationId,
      );
      await this.writeEpoch(record);
      this.epochRecord = record;
    });
    this.role = 'backup';
    this.writable = false;
    this.handingOver = false;
    this.offeredEpoch = null;
    this.options.logger.log('info', 'replication-handover-complete', 'the primary role was handed back', {
      epoch: newEpoch,
    });
    // Reconnect so that the new primary leads the link.
    link.channel.close();
    this.publish();
  }

  private tick(): void {
    if (this.stopped) return;
    const nowMs = this.options.clock.nowMs();
    const link = this.link;
    if (link !== null) {
      if (link.session instanceof LeaderSession) link.session.heartbeat(this.quorum?.nowMs());
      if (
        this.quorum !== null &&
        link.session instanceof FollowerSession &&
        this.caughtUp &&
        nowMs - this.lastVouchMs > this.options.failoverMs
      ) {
        // Again now and then: the witness may since have voted for this station in an epoch it
        // never began (a request it gave up on), and then it votes for no one else until told.
        this.lastVouchMs = nowMs;
        this.quorum.vouch(this.epochRecord.epoch, link.peer.stationId);
      }
      if (this.awaitingVoteFor === link && !this.writable && !this.handingOver)
        void this.promote('leading the pair', undefined, false, link);
      if (nowMs - link.lastHeardMs > this.options.failoverMs) {
        this.options.logger.log('warn', 'replication-peer-silent', 'no word from the peer', {
          peer: link.channel.remoteAddress,
          silentMs: nowMs - link.lastHeardMs,
        });
        this.dropLink('peer silent');
      }
    } else {
      this.tryDial();
      if (this.writable || this.handingOver) return;
      if (this.leaderLastHeardMs !== null && this.caughtUp) {
        // The primary we followed fell silent for the fail-over time: take over, so voting goes on.
        if (nowMs - this.leaderLastHeardMs > this.options.failoverMs)
          void this.promote('the primary fell silent');
      } else if (
        this.options.preferredRole === 'primary' &&
        this.leaderLastHeardMs === null &&
        !this.copyPending &&
        nowMs - this.startedAtMs > this.options.failoverMs
      ) {
        // The officials' primary heard from no peer since it started: it serves alone.
        void this.promote('no peer answered');
      }
    }
  }

  private dropLink(reason: string): void {
    const link = this.link;
    if (link === null) return;
    this.link = null;
    if (this.confirmingLink === link) this.confirmingLink = null;
    if (link.session instanceof FollowerSession) {
      const partial = link.session.partialSnapshot;
      this.partialSnapshot = partial === null ? null : { epoch: this.epochRecord.epoch, ...partial };
    }
    link.session.close();
    link.channel.close();
    if (this.handingOver) {
      this.handingOver = false;
      if (this.offeredEpoch !== null) {
        // The returning station may already serve in the offered epoch: from now on this
        // station is a backup that lost its primary (it takes over again only after silence).
        this.writable = false;
        this.role = 'backup';
        this.leaderLastHeardMs = this.options.clock.nowMs();
        this.caughtUp = true;
      }
    }
    this.options.logger.log('warn', 'replication-peer-lost', 'the link to the peer is gone', {
      peer: link.channel.remoteAddress,
      reason,
    });
    this.publish();
  }

  private writeEpoch(record: EpochRecord): Promise<void> {
    return writeEpochRecord(this.options.station.dataDir, record, this.options.station.fileSystem);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.schedule(resolve, ms));
  }

  private publish(): void {
    if (this.quorum !== null) {
      if (!this.handingOver) this.leaseReleased = false;
      const leader = this.link?.session instanceof LeaderSession ? this.link.session : null;
      this.quorum.update(
        this.role === 'primary' && this.writable && !this.leaseReleased ? this.epochRecord.epoch : null,
        leader?.inSync === true ? (this.link?.peer.stationId ?? null) : null,
      );
    }
    const status = this.status();
    if (status.unprotected !== this.wasUnprotected) {
      this.wasUnprotected = status.unprotected;
      if (status.unprotected) {
        this.options.logger.log(
          'warn',
          'replication-unprotected',
          'no backup is in sync: changes are kept on this station only',
          {
            epoch: status.epoch,
          },
        );
      } else if (status.writable) {
        this.options.logger.log(
          'info',
          'replication-protected',
          'the backup is in sync: changes are kept on both stations',
          {
            epoch: status.epoch,
          },
        );
      }
    }
    this.options.onChange(status);
  }
}
