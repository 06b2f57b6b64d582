/**
 * One station machine of a simulated cluster: the real `Station` and the real
 * `ReplicationManager`, composed as core/runtime/station-runtime.ts composes
 * them (station opened, listener up, manager started, peer address given),
 * on the machine's simulated disk, clock and timers, reachable through the
 * simulated network. It can crash (the process, or the whole machine), stop
 * cleanly and start again on what its disk kept.
 */
import type { Logger, LogLevel } from '../core/logging/logger.ts';
import type { StationRole } from '../core/replication/messages.ts';
import { ReplicationManager, type ReplicationStatus } from '../core/replication/replication-manager.ts';
import { Station } from '../core/station/station.ts';
import type { DirectoryLock } from '../core/store/directory-lock.ts';
import type { SimDisk } from './disk.ts';
import { ProcessTimers, type EventLoop, type NodeClock } from './event-loop.ts';
import type { SimNetwork } from './network.ts';
import type { Random } from './random.ts';
import type { Trace } from './trace.ts';

/** Where each station keeps its data on its simulated disk; nothing is ever created there on the real disk. */
export const dataDir = '/evote-simulated/data';

export interface StationNodeOptions {
  readonly name: string;
  readonly preferredRole: StationRole;
  readonly address: string;
  readonly peerAddress: string;
  readonly loop: EventLoop;
  readonly network: SimNetwork;
  readonly disk: SimDisk;
  readonly clock: NodeClock;
  /** The station's random bytes (identity, challenges, token nonces). */
  readonly random: Random;
  readonly failoverMs: number;
  readonly snapshotAfterBytes: number;
  readonly trace: Trace;
  /** A start that failed: the station refused what its disk kept. */
  readonly onStartFailed: (node: StationNode, error: unknown) => void;
  /** What the stations logged, by level and event name (`error replication-channel-error`). */
  readonly logCounts: Map<string, number>;
}

export type NodeState = 'down' | 'starting' | 'up' | 'stopping';

/** The simulator gives each station a directory of its own: there is nothing to lock. */
async function noLock(dir: string): Promise<DirectoryLock> {
  return Promise.resolve({ dir, release: () => Promise.resolve() });
}

export class StationNode {
  readonly name: string;
  readonly preferredRole: StationRole;
  state: NodeState = 'down';
  station: Station | null = null;
  manager: ReplicationManager | null = null;
  /** Changes whenever a process starts or ends: what belongs to an older one is dead. */
  incarnation = 0;
  /** Counts process starts. */
  private starts = 0;
  /** Counts replacements of the station's state (full copies, undone writes) since this start. */
  resets = 0;
  private timers: ProcessTimers | null = null;
  private lastStatus = '';

  constructor(private readonly options: StationNodeOptions) {
    this.name = options.name;
    this.preferredRole = options.preferredRole;
  }

  get disk(): SimDisk {
    return this.options.disk;
  }

  /** The replication status of a running station; null while it is down or starting. */
  status(): ReplicationStatus | null {
    return this.state === 'up' || this.state === 'stopping' ? (this.manager?.status() ?? null) : null;
  }

  /** Whether the station takes writes now. */
  get writable(): boolean {
    return this.status()?.writable ?? false;
  }

  start(): void {
    if (this.state !== 'down') return;
    const options = this.options;
    this.incarnation += 1;
    this.starts += 1;
    const incarnation = this.incarnation;
    this.state = 'starting';
    this.resets = 0;
    this.lastStatus = '';
    const timers = new ProcessTimers(options.loop, options.clock.rate);
    this.timers = timers;
    const logger = this.logger();
    options.trace.add(`${this.name} start #${this.starts}`);
    const starting = async (): Promise<void> => {
      const station = await Station.open({
        dataDir,
        clock: options.clock,
        randomBytes: (count) => options.random.bytes(count),
        logger,
        snapshotAfterBytes: options.snapshotAfterBytes,
        fileSystem: options.disk.mount(),
        lockDirectory: noLock,
      });
      if (incarnation !== this.incarnation) return;
      station.onApplied((change) => {
        if (change.type === 'reset') this.resets += 1;
      });
      const manager = new ReplicationManager({
        station,
        preferredRole: this.preferredRole,
        grpcAddress: `grpc:${this.name}`,
        failoverMs: options.failoverMs,
        requireBackup: false,
        peerExpected: true,
        dial: (address) => options.network.dial(this.name, address),
        clock: options.clock,
        timers,
        logger,
        onChange: (status) => {
          if (incarnation === this.incarnation) this.noteStatus(status);
        },
      });
      this.station = station;
      this.manager = manager;
      // As in the runtime, the listener is up before the manager has started.
      options.network.processUp(this.name, {
        accept: (channel) => {
          manager.accept(channel);
        },
      });
      await manager.start();
      if (incarnation !== this.incarnation) return;
      manager.setPeerAddress(options.peerAddress);
      this.state = 'up';
      options.trace.add(`${this.name} up lastSeq=${station.lastSeq}`);
    };
    starting().catch((error: unknown) => {
      if (incarnation !== this.incarnation) return;
      options.trace.add(
        `${this.name} start failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      options.onStartFailed(this, error);
    });
  }

  /** The process dies (`machine`: and the power goes, taking what the disk had not flushed). */
  crash(machine: boolean, torn: boolean): { readonly tornWrites: number } {
    this.incarnation += 1;
    this.timers?.stopAll();
    this.timers = null;
    const effect = this.options.disk.crash(machine, torn);
    this.options.network.processDown(this.name, machine ? 'machine' : 'process');
    this.station = null;
    this.manager = null;
    this.state = 'down';
    this.options.trace.add(
      `${this.name} crash (${machine ? 'machine' : 'process'}${torn ? ', torn' : ''}) dropped=${effect.droppedChanges} torn=${effect.tornWrites}`,
    );
    return effect;
  }

  /** Stops cleanly, as on SIGTERM: the peer is told, the log is flushed and compacted. */
  stop(): Promise<void> {
    const manager = this.manager;
    const station = this.station;
    if (this.state !== 'up' || manager === null || station === null) return Promise.resolve();
    const incarnation = this.incarnation;
    this.state = 'stopping';
    this.options.trace.add(`${this.name} stopping`);
    const stopping = async (): Promise<void> => {
      await manager.stop();
      await station.close();
      if (incarnation !== this.incarnation) return;
      this.incarnation += 1;
      this.timers?.stopAll();
      this.timers = null;
      this.options.disk.crash(false, false);
      this.options.network.processDown(this.name, 'stopped');
      this.station = null;
      this.manager = null;
      this.state = 'down';
      this.options.trace.add(`${this.name} stopped`);
    };
    return stopping();
  }

  private noteStatus(status: ReplicationStatus): void {
    const line = `${status.role} epoch=${status.epoch} writable=${status.writable} peer=${status.peer.connected ? 'connected' : 'none'}${status.peer.inSync ? '/in-sync' : ''}`;
    if (line === this.lastStatus) return;
    this.lastStatus = line;
    this.options.trace.add(`${this.name} status ${line}`);
  }

  private logger(): Logger {
    const { trace, logCounts } = this.options;
    const name = this.name;
    return {
      log(level: LogLevel, event, message, fields = {}) {
        // Durations are measured on the real clock: they would make the trace differ between replays.
        const detail = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== 'durationMs'));
        const details =
          level === 'info' || Object.keys(detail).length === 0 ? '' : ` ${JSON.stringify(detail)}`;
        trace.add(`${name} log ${level} ${event}: ${message}${details}`);
        const key = `${level} ${event}`;
        logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
      },
    };
  }
}
