/**
 * Two in-process stations, each with its own ReplicationManager, linked by
 * in-memory channels (one new pair per dial): nodes on temporary
 * directories, starting, killing and cutting off managers, and waiting on
 * their status. Shared by the replication tests and the interface's tests
 * on a backup.
 */
import { createMemoryLogger } from '../../core/logging/logger.ts';
import type { StationRole } from '../../core/replication/messages.ts';
import { ReplicationManager, type ReplicationStatus } from '../../core/replication/replication-manager.ts';
import { systemClock } from '../../core/station/environment.ts';
import type { Station } from '../../core/station/station.ts';
import { createChannelPair, type MemoryChannel } from './memory-channel.ts';
import { pollUntil } from './polling.ts';
import { openStation, removeDirectory, temporaryDirectory } from './station-fixtures.ts';

export type MemoryLogger = ReturnType<typeof createMemoryLogger>;

export interface Node {
  readonly name: string;
  readonly dir: string;
  readonly logger: MemoryLogger;
  readonly station: Station;
  manager: ReplicationManager | null;
  /** False while the node is down or cut off: dialling it, or from it, fails. */
  reachable: boolean;
}

/** One connection between the two stations: a channel pair made by one dial. */
export interface Link {
  readonly dialer: Node;
  readonly acceptor: Node;
  readonly ends: ReadonlyMap<string, MemoryChannel>;
}

export interface ManagerOptions {
  readonly failoverMs?: number;
  /** Whether this station dials its peer (both do in a real deployment with --peer on each). */
  readonly dials?: boolean;
}

/** The nodes of a pair, named after the role each prefers. */
export interface NodePair {
  readonly primary: Node;
  readonly backup: Node;
}

/**
 * Both stations share this process's event loop, so a long synchronous step in one (decoding a
 * snapshot chunk on a loaded machine) delays the other's heartbeats too: short enough to keep
 * the tests quick, long enough that such a step is not taken for a dead peer.
 */
export const defaultFailoverMs = 1_000;

export function endOf(link: Link, node: Node): MemoryChannel {
  const end = link.ends.get(node.name);
  if (end === undefined) throw new Error(`${node.name} holds no end of this link`);
  return end;
}

export function managerOf(node: Node): ReplicationManager {
  if (node.manager === null) throw new Error(`${node.name} has no running manager`);
  return node.manager;
}

export function statusOf(node: Node): ReplicationStatus {
  return managerOf(node).status();
}

/**
 * Serving as primary with a backup in sync as its follower. (`peer.inSync` alone is not
 * enough: right after a hand-over the new primary is writable while still on the link it
 * followed, where inSync means that it was caught up itself.)
 */
export function servesWithBackup(node: Node): boolean {
  const status = statusOf(node);
  return status.writable && status.peer.inSync && !status.unprotected;
}

/** Two stations on temporary directories and the links between them. */
export class Harness {
  readonly nodes: Node[] = [];
  readonly links: Link[] = [];
  private readonly managers: ReplicationManager[] = [];
  /** Called with each new link before its first message is sent. */
  onLink: ((link: Link) => void) | null = null;
  /** Called on every status change of a running manager. */
  onStatus: (() => void) | null = null;

  async node(name: string, snapshotAfterBytes?: number): Promise<Node> {
    const dir = await temporaryDirectory(`evote-catch-up-${name}-`);
    const logger = createMemoryLogger();
    const station = await openStation(dir, systemClock, {
      logger,
      ...(snapshotAfterBytes === undefined ? {} : { snapshotAfterBytes }),
    });
    const node: Node = { name, dir, logger, station, manager: null, reachable: true };
    this.nodes.push(node);
    return node;
  }

  /** Nodes named `primary` and `backup` (taking snapshots after `snapshotAfterBytes` of log, if given). */
  async nodePair(snapshotAfterBytes?: number): Promise<NodePair> {
    return {
      primary: await this.node('primary', snapshotAfterBytes),
      backup: await this.node('backup', snapshotAfterBytes),
    };
  }

  /** Starts managers for both nodes, each preferring the role it is named after, and waits until they are in sync. */
  async startPair(
    { primary, backup }: NodePair,
    options: { readonly primary?: ManagerOptions; readonly backup?: ManagerOptions } = {},
  ): Promise<void> {
    await this.startManager(primary, backup, 'primary', options.primary);
    await this.startManager(backup, primary, 'backup', options.backup);
    await waitUntil('the pair is in sync', () => servesWithBackup(primary));
  }

  /** Starts a manager for `node` (replacing a stopped one), as the station runtime does. */
  async startManager(
    node: Node,
    peer: Node,
    preferredRole: StationRole,
    options: ManagerOptions = {},
  ): Promise<ReplicationManager> {
    const manager: ReplicationManager = new ReplicationManager({
      station: node.station,
      preferredRole,
      grpcAddress: `grpc:${node.name}`,
      failoverMs: options.failoverMs ?? defaultFailoverMs,
      requireBackup: false,
      peerExpected: true,
      dial: (address) => this.dial(node, peer, address),
      clock: systemClock,
      logger: node.logger,
      onChange: () => {
        if (node.manager === manager) this.onStatus?.();
      },
    });
    node.manager = manager;
    node.reachable = true;
    this.managers.push(manager);
    await manager.start();
    if (options.dials ?? true) manager.setPeerAddress(`sync:${peer.name}`);
    return manager;
  }

  /** The station's process dies: its links break and it answers no dial (its Station stays open). */
  async kill(node: Node): Promise<void> {
    const manager = node.manager;
    node.manager = null;
    this.cutOff(node);
    await manager?.stop();
  }

  /** The node's network fails: its links break, and no dial reaches it or leaves it until it is `reachable` again. */
  cutOff(node: Node): void {
    node.reachable = false;
    for (const link of this.links) link.ends.get(node.name)?.cut();
  }

  /** Calls `action` with the next new link only, before its first message is sent. */
  onNextLink(action: (link: Link) => void): void {
    this.onLink = (link) => {
      this.onLink = null;
      action(link);
    };
  }

  /** The links created since `index`, in order. */
  linksSince(index: number): Link[] {
    return this.links.slice(index);
  }

  async close(): Promise<void> {
    for (const manager of this.managers) await manager.stop();
    for (const node of this.nodes) await node.station.close().catch(() => undefined);
    for (const node of this.nodes) await removeDirectory(node.dir);
  }

  private dial(from: Node, to: Node, address: string): Promise<MemoryChannel> {
    const target = to.manager;
    if (target === null || !to.reachable || !from.reachable || address !== `sync:${to.name}`) {
      return Promise.reject(new Error(`connect ECONNREFUSED ${address}`));
    }
    const [mine, theirs] = createChannelPair({ remoteAddresses: [address, `sync:${from.name}`] });
    const link: Link = {
      dialer: from,
      acceptor: to,
      ends: new Map([
        [from.name, mine],
        [to.name, theirs],
      ]),
    };
    this.links.push(link);
    this.onLink?.(link);
    target.accept(theirs);
    return Promise.resolve(mine);
  }
}

/** Polls `check` often (the managers run on this event loop) until it is true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  await pollUntil(what, check, (done) => done, { timeoutMs, intervalMs: 5 });
}
