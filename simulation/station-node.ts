/**
 * One station machine of a simulated cluster: the real `Station` and the real
 * `ReplicationManager`, composed as core/runtime/station-runtime.ts composes
 * them (station opened, listener up, manager started, peer address given),
 * on the machine's simulated disk, clock and timers, reachable through the
 * simulated network; with a witness, the manager dials it through the same
 * network and times its leases on the machine's clock. It can crash (the
 * process, or the whole machine), stop cleanly and start again on what its
 * disk kept (member.ts).
 */
import type { StationRole } from '../core/replication/messages.ts';
import { ReplicationManager, type ReplicationStatus } from '../core/replication/replication-manager.ts';
import { Station } from '../core/station/station.ts';
import type { DirectoryLock } from '../core/store/directory-lock.ts';
import { SimMember, type MachineOptions } from './member.ts';
import type { Random } from './random.ts';

export type { NodeState } from './member.ts';

/** Where each station keeps its data on its simulated disk; nothing is ever created there on the real disk. */
export const dataDir = '/evote-simulated/data';

export interface StationNodeOptions extends MachineOptions {
  readonly preferredRole: StationRole;
  readonly address: string;
  readonly peerAddress: string;
  /** The witness's address (`--witness`), or null to run without one. */
  readonly witnessAddress: string | null;
  /** The station's random bytes (identity, challenges, token nonces). */
  readonly random: Random;
  readonly failoverMs: number;
  readonly snapshotAfterBytes: number;
  /** A start that failed: the station refused what its disk kept. */
  readonly onStartFailed: (node: StationNode, error: unknown) => void;
}

/** The simulator gives each station a directory of its own: there is nothing to lock. */
async function noLock(dir: string): Promise<DirectoryLock> {
  return Promise.resolve({ dir, release: () => Promise.resolve() });
}

export class StationNode extends SimMember {
  readonly preferredRole: StationRole;
  station: Station | null = null;
  manager: ReplicationManager | null = null;
  /** Counts replacements of the station's state (full copies, undone writes) since this start. */
  resets = 0;
  private lastStatus = '';

  constructor(private readonly options: StationNodeOptions) {
    super(options);
    this.preferredRole = options.preferredRole;
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
    const begun = this.beginStart();
    if (begun === null) return;
    const { incarnation, timers } = begun;
    const options = this.options;
    this.resets = 0;
    this.lastStatus = '';
    const logger = this.logger();
    const dial = (address: string) => options.network.dial(this.name, address);
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
        dial,
        clock: options.clock,
        timers,
        logger,
        onChange: (status) => {
          if (incarnation === this.incarnation) this.noteStatus(status);
        },
        ...(options.witnessAddress === null
          ? {}
          : { witness: { address: options.witnessAddress, dial, leaseClock: options.clock } }),
      });
      this.station = station;
      this.manager = manager;
      // As in the runtime, the listener is up before the manager has started.
      this.listen({
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

  protected async shutDown(): Promise<void> {
    // The peer is told, the log is flushed and compacted.
    const { manager, station } = this;
    await manager?.stop();
    await station?.close();
  }

  protected forget(): void {
    this.station = null;
    this.manager = null;
  }

  private noteStatus(status: ReplicationStatus): void {
    const witness = status.witness.configured
      ? ` witness=${status.witness.connected ? 'connected' : 'none'}`
      : '';
    const line = `${status.role} epoch=${status.epoch} writable=${status.writable} peer=${status.peer.connected ? 'connected' : 'none'}${status.peer.inSync ? '/in-sync' : ''}${witness}`;
    if (line === this.lastStatus) return;
    this.lastStatus = line;
    this.options.trace.add(`${this.name} status ${line}`);
  }
}
