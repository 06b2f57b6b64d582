/**
 * Shared helpers for tests that run a primary/backup pair as real
 * `evote station` processes on loopback: nodes with their own data directory
 * and ports, starting them with the documented pairing flags, reading
 * GET /api/status, waiting on a condition, reading the JSON log on stderr,
 * and voters who register, sign in and vote over gRPC.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import type { StationStatus } from '../../core/station/station-status.ts';
import { pollUntil } from '../support/polling.ts';
import {
  newVoter,
  removeDirectory,
  temporaryDirectory,
  type TestVoter,
} from '../support/station-fixtures.ts';
import {
  freePort,
  killRunningStations,
  parseLogLines,
  startStation,
  type LogEntry,
  type StationProcess,
} from '../support/station-process.ts';
import { VotingClient, type CallResult, type GrpcCallError } from '../support/voting-client.ts';

/** One station of a pair: a data directory and fixed loopback ports that survive restarts. */
export interface PairNode {
  readonly name: string;
  readonly dataDir: string;
  readonly grpcPort: number;
  readonly syncPort: number;
  readonly httpPort: number;
  /** The running (or last started) process; null before the first start. */
  process: StationProcess | null;
}

/** What both stations of a pair are started with. */
export interface PairOptions {
  readonly pairKey: string;
  /** --failover-ms; default the station's own default. */
  readonly failoverMs?: number;
}

export interface StartNodeOptions extends PairOptions {
  readonly role: 'primary' | 'backup';
  /** The other node, given with --peer; null for none. */
  readonly peer: PairNode | null;
  /** More flags, e.g. ['--require-backup']. */
  readonly extraArgs?: readonly string[];
}

/** A pair started by `NodeFactory.startPair`, paired and in sync. */
export interface StartedPair {
  /** Started as primary. */
  readonly a: PairNode;
  /** Started as backup. */
  readonly b: PairNode;
  readonly primaryProcess: StationProcess;
  readonly backupProcess: StationProcess;
}

/** Both stations' GET /api/status read at the same moment (null where one did not answer). */
export interface StatusSample {
  readonly atMs: number;
  readonly a: StationStatus | null;
  readonly b: StationStatus | null;
}

/** Makes nodes on temporary directories and removes those directories at the end. */
export class NodeFactory {
  private readonly dirs: string[] = [];

  async node(name: string): Promise<PairNode> {
    const dir = await temporaryDirectory(`evote-${name}-`);
    this.dirs.push(dir);
    return {
      name,
      dataDir: path.join(dir, 'data'),
      grpcPort: await freePort(),
      syncPort: await freePort(),
      httpPort: await freePort(),
      process: null,
    };
  }

  /** Nodes `a` and `b`, each the other's --peer, started as primary and backup; resolves once they are in sync. */
  async startPair(options: PairOptions): Promise<StartedPair> {
    const a = await this.node('a');
    const b = await this.node('b');
    const primaryProcess = await startNode(a, { role: 'primary', peer: b, ...options });
    const backupProcess = await startNode(b, { role: 'backup', peer: a, ...options });
    await waitForPair(a, b);
    return { a, b, primaryProcess, backupProcess };
  }

  async removeAll(): Promise<void> {
    for (const dir of this.dirs.splice(0)) await removeDirectory(dir);
  }
}

/**
 * For a `describe` whose tests run stations: kills every station still running after each
 * test and removes the nodes' directories after the last. Returns the factory for the nodes.
 */
export function usePairNodes(): NodeFactory {
  const factory = new NodeFactory();
  afterEach(async () => {
    await killRunningStations();
  });
  afterAll(async () => {
    await factory.removeAll();
  });
  return factory;
}

export function grpcAddressOf(node: PairNode): string {
  return `127.0.0.1:${node.grpcPort}`;
}

/** The arguments after `station --data DIR --grpc ADDRESS` for a paired station on loopback. */
function pairArgs(node: PairNode, options: StartNodeOptions): string[] {
  return [
    '--role',
    options.role,
    '--sync',
    `127.0.0.1:${node.syncPort}`,
    ...(options.peer === null ? [] : ['--peer', `127.0.0.1:${options.peer.syncPort}`]),
    '--pair-key',
    options.pairKey,
    '--no-mdns',
    '--http',
    `127.0.0.1:${node.httpPort}`,
    ...(options.failoverMs === undefined ? [] : ['--failover-ms', String(options.failoverMs)]),
    ...(options.extraArgs ?? []),
  ];
}

/** Starts `evote station` for `node` and resolves once it serves gRPC. */
export async function startNode(node: PairNode, options: StartNodeOptions): Promise<StationProcess> {
  node.process = await startStation({
    dataDir: node.dataDir,
    grpcAddress: grpcAddressOf(node),
    extraArgs: pairArgs(node, options),
  });
  return node.process;
}

/** The node's GET /api/status, or null if it does not answer (not running, not listening yet). */
export function fetchStatus(node: PairNode): Promise<StationStatus | null> {
  return fetchStatusAt(`http://127.0.0.1:${node.httpPort}`);
}

/** GET /api/status of the station whose interface is at `origin` (http://HOST:PORT), or null if it does not answer. */
export async function fetchStatusAt(origin: string): Promise<StationStatus | null> {
  try {
    const response = await fetch(`${origin}/api/status`, {
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return null;
    return (await response.json()) as StationStatus;
  } catch {
    return null;
  }
}

/** Polls the node's status until `predicate` holds and returns that status. */
export function waitForStatus(
  node: PairNode,
  what: string,
  predicate: (status: StationStatus) => boolean,
  timeoutMs = 20_000,
): Promise<StationStatus> {
  return pollUntil(`${node.name} ${what}`, () => fetchStatus(node), predicate, {
    timeoutMs,
    describeLast: (last) => `; last status: ${JSON.stringify(last)}`,
  });
}

/** Waits until the primary sees its backup connected and in sync, and the backup sees itself caught up. */
export async function waitForPair(primary: PairNode, backup: PairNode, timeoutMs = 20_000): Promise<void> {
  await waitForStatus(
    primary,
    'serves as primary with its backup in sync',
    (status) =>
      status.role === 'primary' &&
      status.writable &&
      status.peer.connected &&
      status.peer.inSync &&
      !status.unprotected,
    timeoutMs,
  );
  // The backup's own view: it holds everything the primary had (it only takes over once it does).
  await waitForStatus(
    backup,
    'follows as backup and is caught up',
    (status) => status.role === 'backup' && !status.writable && status.peer.connected && status.peer.inSync,
    timeoutMs,
  );
}

/** Reads both stations' status every `pollMs` (both at once) until stopped; returns every reading. */
export function watchStatuses(a: PairNode, b: PairNode, pollMs: number): { stop(): Promise<StatusSample[]> } {
  return watchStatusesAt(`http://127.0.0.1:${a.httpPort}`, `http://127.0.0.1:${b.httpPort}`, pollMs);
}

/** As {@link watchStatuses}, for the stations whose interfaces are at `originA` and `originB`. */
export function watchStatusesAt(
  originA: string,
  originB: string,
  pollMs: number,
): { stop(): Promise<StatusSample[]> } {
  const samples: StatusSample[] = [];
  const state = { watching: true };
  const loop = (async () => {
    while (state.watching) {
      const [statusA, statusB] = await Promise.all([fetchStatusAt(originA), fetchStatusAt(originB)]);
      samples.push({ atMs: Date.now(), a: statusA, b: statusB });
      await sleep(pollMs);
    }
  })();
  return {
    async stop() {
      state.watching = false;
      await loop;
      return samples;
    },
  };
}

/** The station's JSON log lines (stderr) parsed; lines that are not JSON are left out. */
export function logEntries(station: StationProcess): LogEntry[] {
  return parseLogLines(station.logs().split('\n'));
}

export function logEvents(station: StationProcess, event: string): LogEntry[] {
  return logEntries(station).filter((entry) => entry.event === event);
}

/** Waits until the station has logged `event` at least `count` times; returns those entries. */
export function waitForLogEvent(
  station: StationProcess,
  event: string,
  timeoutMs = 10_000,
  count = 1,
): Promise<LogEntry[]> {
  return pollUntil(
    `the station logged "${event}"`,
    () => logEvents(station, event),
    (found) => found.length >= count,
    { timeoutMs, describeLast: () => `; log:\n${station.logs()}` },
  );
}

/** A client for the node's gRPC address that is connected (a restarted station may take a moment). */
export async function connectedClient(node: PairNode): Promise<VotingClient> {
  const client = new VotingClient(grpcAddressOf(node));
  await client.waitForReady(15_000);
  return client;
}

/** Voters `${prefix}-0` … with their own key pairs. */
export function newVoters(prefix: string, count: number): TestVoter[] {
  return Array.from({ length: count }, (_, index) => newVoter(`${prefix}-${index}`));
}

/** Voters who registered through a client and signed in there, with their tokens by name. */
export interface SignedInVoters {
  readonly voters: TestVoter[];
  readonly tokens: Map<string, Uint8Array>;
}

/**
 * `count` new voters `voter-0` … registered in `group` through `client` (each must answer 0),
 * then signed in (PreAuth + Auth with their own key).
 */
export async function signUpVoters(
  client: VotingClient,
  count: number,
  group = 'hall',
): Promise<SignedInVoters> {
  const voters = newVoters('voter', count);
  for (const voter of voters) {
    expect(
      await client.registerVoter({ name: voter.name, group, publicKey: voter.keyPair.publicKey }),
      voter.name,
    ).toBe(0);
  }
  const tokens = new Map<string, Uint8Array>();
  for (const voter of voters)
    tokens.set(voter.name, await client.signIn(voter.name, voter.keyPair.secretKey));
  return { voters, tokens };
}

export function tokenOf(tokens: ReadonlyMap<string, Uint8Array>, voter: TestVoter): Uint8Array {
  const token = tokens.get(voter.name);
  if (token === undefined) throw new Error(`no token for ${voter.name}`);
  return token;
}

/** Creates each [name, endsAtMs] election, open to `group`, with `choices`; each must answer 0. */
export async function createElections(
  client: VotingClient,
  token: Uint8Array,
  elections: readonly (readonly [name: string, endsAtMs: number])[],
  choices: readonly string[],
  group = 'hall',
): Promise<void> {
  for (const [name, endsAtMs] of elections) {
    expect(await client.createElection({ token, name, groups: [group], choices, endsAtMs }), name).toBe(0);
  }
}

/** Asserts that a call was refused with gRPC UNAVAILABLE; returns the error, for checks on what it says. */
export function expectUnavailable(result: CallResult<unknown>, what: string): GrpcCallError {
  expect(result.ok, `${what} should have been refused: ${JSON.stringify(result)}`).toBe(false);
  if (result.ok) throw new Error(`${what} was not refused`);
  expect(result.error.code, what).toBe(14); // UNAVAILABLE
  return result.error;
}
