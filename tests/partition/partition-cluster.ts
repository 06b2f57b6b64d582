/**
 * Two real `evote station` processes (and optionally an `evote witness`),
 * each in its own namespace of a {@link PartitionNetwork}, paired with the
 * documented flags (`--peer` with fixed addresses, `--no-mdns`, `--witness`).
 * The test reaches each station over its client link: gRPC (voters) and the
 * interface API over HTTP (officials, with the session secret of the
 * station's `ui:` line), and GET /api/status.
 */
import path from 'node:path';
import { createHttpInterfaceClient } from '../../core/api/http-interface-client.ts';
import { isSessionRefused, type ConflictReport, type InterfaceApi } from '../../core/api/interface-api.ts';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import type { StationStatus } from '../../core/station/station-status.ts';
import { officialSession } from '../api/interface-fixtures.ts';
import { execInNamespace, type NamespaceProcess } from '../discovery/netns.ts';
import { fetchStatusAt } from '../replication/pair-harness.ts';
import { pollUntil } from '../support/polling.ts';
import {
  newVoter,
  removeDirectory,
  temporaryDirectory,
  type TestVoter,
} from '../support/station-fixtures.ts';
import { evoteCommand } from '../support/station-process.ts';
import { VotingClient } from '../support/voting-client.ts';
import { createPartitionNetwork, type MemberName, type PartitionNetwork } from './partition-network.ts';

export type StationName = 'a' | 'b';
export const stationNames: readonly StationName[] = ['a', 'b'];

/** Fixed ports: each namespace has its own addresses, so nothing else can hold them. */
const grpcPort = 50051;
const httpPort = 8080;
const syncPort = 50052;
const witnessPort = 50053;
const startTimeoutMs = 30_000;
/** A vote's call is given up after this long (its outcome is then unknown). */
const callDeadlineMs = 5_000;

export interface ClusterStation {
  readonly name: StationName;
  readonly process: NamespaceProcess;
  /** http://HOST:PORT of its interface and /api/status, on the client link. */
  readonly origin: string;
  /** The session secret from its `ui:` line. */
  readonly secret: string;
  readonly client: VotingClient;
  readonly api: InterfaceApi;
}

export interface Cluster {
  readonly network: PartitionNetwork;
  readonly stations: Readonly<Record<StationName, ClusterStation>>;
  readonly witness: NamespaceProcess | null;
  readonly failoverMs: number;
  status(name: StationName): Promise<StationStatus | null>;
  /** Every process's output, for the message of a failed check. */
  describe(): string;
  /** Stops the clients and processes, removes the namespaces and the data directories. */
  remove(): Promise<void>;
}

export interface ClusterOptions {
  readonly witness: boolean;
  readonly failoverMs: number;
}

/**
 * fetch on a connection of its own: a kept-alive connection may be closed by the station for
 * idling at the very moment it is reused (while the test's event loop was busy), failing the call.
 */
const fetchOnNewConnection: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('connection', 'close');
  return fetch(input, { ...init, headers });
};

/** Makes the network, starts the witness (if any) and both stations (a primary, b backup), and waits until they pair. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const members: MemberName[] = options.witness ? ['a', 'b', 'w'] : ['a', 'b'];
  const network = await createPartitionNetwork(members);
  const directory = await temporaryDirectory('evote-partition-');
  const clients: VotingClient[] = [];
  const remove = async (): Promise<void> => {
    for (const client of clients) client.close();
    await network.remove();
    await removeDirectory(directory);
  };
  let cluster: Cluster | null = null;
  try {
    const pairKey = generatePairingKey();
    let witness: NamespaceProcess | null = null;
    const witnessArgs: string[] = [];
    if (options.witness) {
      const member = network.member('w');
      const address = `${member.clusterAddress}:${witnessPort}`;
      witness = execInNamespace(member.ns, [
        evoteCommand(),
        'witness',
        '--sync',
        address,
        '--pair-key',
        pairKey,
        '--data',
        path.join(directory, 'witness'),
      ]);
      await witness.waitForLine((line) => line.startsWith('witness: '), startTimeoutMs);
      witnessArgs.push('--witness', address);
    }
    const start = async (name: StationName): Promise<ClusterStation> => {
      const member = network.member(name);
      const peer = network.member(name === 'a' ? 'b' : 'a');
      if (member.clientAddress === null) throw new Error(`station ${name} has no client link`);
      const started = execInNamespace(member.ns, [
        evoteCommand(),
        'station',
        '--data',
        path.join(directory, name),
        '--role',
        name === 'a' ? 'primary' : 'backup',
        '--grpc',
        `${member.clientAddress}:${grpcPort}`,
        '--http',
        `${member.clientAddress}:${httpPort}`,
        '--sync',
        `${member.clusterAddress}:${syncPort}`,
        '--peer',
        `${peer.clusterAddress}:${syncPort}`,
        '--pair-key',
        pairKey,
        '--no-mdns',
        '--failover-ms',
        String(options.failoverMs),
        ...witnessArgs,
      ]);
      const uiLine = await started.waitForLine((line) => line.startsWith('ui: '), startTimeoutMs);
      const secret = /#token=([A-Za-z0-9_-]+)$/.exec(uiLine)?.[1];
      if (secret === undefined) throw new Error(`no session secret in "${uiLine}"`);
      const origin = `http://${member.clientAddress}:${httpPort}`;
      const client = new VotingClient(`${member.clientAddress}:${grpcPort}`, { deadlineMs: callDeadlineMs });
      clients.push(client);
      await client.waitForReady(startTimeoutMs);
      return {
        name,
        process: started,
        origin,
        secret,
        client,
        api: createHttpInterfaceClient({ baseUrl: origin, secret, fetch: fetchOnNewConnection }),
      };
    };
    const [a, b] = await Promise.all([start('a'), start('b')]);
    const stations = { a, b };
    const started: Cluster = {
      network,
      stations,
      witness,
      failoverMs: options.failoverMs,
      status: (name) => fetchStatusAt(stations[name].origin),
      describe: () => describeCluster(started),
      remove,
    };
    cluster = started;
    await waitForConvergence(started);
    return started;
  } catch (error) {
    const context = cluster?.describe() ?? '';
    await remove();
    throw withContext(error, context);
  }
}

/** `error` (made an Error if it is not one) with `context` added to its message, e.g. the processes' logs. */
export function withContext(error: unknown, context: string): Error {
  const described = error instanceof Error ? error : new Error(String(error));
  described.message = `${described.message}\n${context}`;
  return described;
}

/** Both stations' status at (nearly) the same moment. */
export interface PairStatus {
  readonly a: StationStatus | null;
  readonly b: StationStatus | null;
}

export async function pairStatus(cluster: Cluster): Promise<PairStatus> {
  const [a, b] = await Promise.all([cluster.status('a'), cluster.status('b')]);
  return { a, b };
}

/** Whether the pair has converged: one primary that takes writes, the other its backup, both connected and in sync. */
export function converged({ a, b }: PairStatus): boolean {
  if (a === null || b === null) return false;
  const [primary, backup] = a.role === 'primary' ? [a, b] : [b, a];
  return (
    primary.role === 'primary' &&
    primary.writable &&
    !primary.unprotected &&
    primary.peer.connected &&
    primary.peer.inSync &&
    backup.role === 'backup' &&
    !backup.writable &&
    backup.peer.connected &&
    backup.peer.inSync
  );
}

/** Waits (generously) until the pair has converged; returns the statuses then. */
export function waitForConvergence(cluster: Cluster, timeoutMs = 45_000): Promise<PairStatus> {
  return pollUntil(
    'the stations converge (one primary, its backup in sync)',
    () => pairStatus(cluster),
    converged,
    {
      timeoutMs,
      intervalMs: 100,
      describeLast: (last) => `; last statuses: ${JSON.stringify(last)}`,
    },
  );
}

/** The station that is primary now, by its own status; null if none (or both) say so. */
export async function currentPrimary(cluster: Cluster): Promise<StationName | null> {
  const statuses = await pairStatus(cluster);
  const primaries = stationNames.filter((name) => statuses[name]?.role === 'primary');
  return primaries.length === 1 ? (primaries[0] ?? null) : null;
}

export function otherStation(name: StationName): StationName {
  return name === 'a' ? 'b' : 'a';
}

/** An official of the stations and their session on each (sessions are issued per station). */
export interface Official {
  readonly official: TestVoter;
  session(station: StationName): Promise<Uint8Array>;
}

/** Sets the stations up with a first official, through the interface of the primary `a`. */
export async function setUpOfficial(cluster: Cluster): Promise<Official> {
  const official = newVoter('chief');
  const answer = await cluster.stations.a.api.createFirstOfficial({
    name: official.name,
    publicKey: official.keyPair.publicKey,
  });
  if (!('code' in answer) || answer.code !== 0) {
    throw new Error(`the first official was refused: ${JSON.stringify(answer)}`);
  }
  return { official, session: (station) => officialSession(cluster.stations[station].api, official) };
}

/** The station's conflict report (core/engine/conflicts.ts), as an official reads it through the interface. */
export async function conflictReport(station: ClusterStation, session: Uint8Array): Promise<ConflictReport> {
  const report = await station.api.conflictReport({ session });
  if (isSessionRefused(report)) throw new Error(`conflictReport on ${station.name} was refused`);
  return report;
}

function describeCluster(cluster: Cluster): string {
  const tail = (lines: readonly string[]): string => lines.slice(-100).join('\n');
  const parts = stationNames.map(
    (name) =>
      `--- station ${name} stderr (last lines) ---\n${tail(cluster.stations[name].process.stderrLines)}`,
  );
  if (cluster.witness !== null) {
    parts.push(`--- witness stderr (last lines) ---\n${tail(cluster.witness.stderrLines)}`);
  }
  parts.push(
    `--- faults ---\n${cluster.network.timeline.map((fault) => `${new Date(fault.atMs).toISOString()} ${fault.what}`).join('\n')}`,
  );
  return parts.join('\n');
}
