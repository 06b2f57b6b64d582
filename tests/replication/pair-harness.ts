/**
 * Shared helpers for tests that run a primary/backup pair as real
 * `evote station` processes on loopback: nodes with their own data directory
 * and ports, starting them with the documented pairing flags, reading
 * GET /api/status, waiting on a condition, reading the JSON log on stderr,
 * and voters who register, sign in and vote over gRPC.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import nacl from 'tweetnacl';
import { expect } from 'vitest';
import { removeDirectory, temporaryDirectory } from '../support/station-fixtures.ts';
import { freePort, startStation, type StationProcess } from '../support/station-process.ts';
import { VotingClient } from '../support/voting-client.ts';

/** GET /api/status, as documented for `evote station --http`. */
export interface StationStatus {
  readonly role: 'primary' | 'backup';
  readonly epoch: number;
  readonly stationId: string;
  readonly writable: boolean;
  readonly unprotected: boolean;
  readonly peer: {
    readonly connected: boolean;
    readonly inSync: boolean;
    readonly address: string;
    readonly stationId: string;
    readonly lagRecords: number;
  };
}

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

export interface StartNodeOptions {
  readonly role: 'primary' | 'backup';
  /** The other node, given with --peer; null for none. */
  readonly peer: PairNode | null;
  readonly pairKey: string;
  /** --failover-ms; default the station's own default. */
  readonly failoverMs?: number;
  /** More flags, e.g. ['--require-backup']. */
  readonly extraArgs?: readonly string[];
}

export interface LogEntry {
  readonly level?: string;
  readonly event?: string;
  readonly message?: string;
  readonly [field: string]: unknown;
}

export interface TestVoter {
  readonly name: string;
  readonly keyPair: nacl.SignKeyPair;
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

  async removeAll(): Promise<void> {
    for (const dir of this.dirs.splice(0)) await removeDirectory(dir);
  }
}

export function grpcAddressOf(node: PairNode): string {
  return `127.0.0.1:${node.grpcPort}`;
}

/** The arguments after `station --data DIR --grpc ADDRESS` for a paired station on loopback. */
export function pairArgs(node: PairNode, options: StartNodeOptions): string[] {
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
export async function fetchStatus(node: PairNode): Promise<StationStatus | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.httpPort}/api/status`, {
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return null;
    return (await response.json()) as StationStatus;
  } catch {
    return null;
  }
}

/** Polls `check` every 50 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

/** Polls the node's status until `predicate` holds and returns that status. */
export async function waitForStatus(
  node: PairNode,
  what: string,
  predicate: (status: StationStatus) => boolean,
  timeoutMs = 20_000,
): Promise<StationStatus> {
  let last: StationStatus | null = null;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    last = await fetchStatus(node);
    if (last !== null && predicate(last)) return last;
    await sleep(50);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting until ${node.name} ${what}; last status: ${JSON.stringify(last)}`,
  );
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

/** The station's JSON log lines (stderr) parsed; lines that are not JSON are left out. */
export function logEntries(station: StationProcess): LogEntry[] {
  return station
    .logs()
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as LogEntry];
      } catch {
        return [];
      }
    });
}

export function logEvents(station: StationProcess, event: string): LogEntry[] {
  return logEntries(station).filter((entry) => entry.event === event);
}

/** Waits until the station has logged `event` at least `count` times; returns those entries. */
export async function waitForLogEvent(
  station: StationProcess,
  event: string,
  timeoutMs = 10_000,
  count = 1,
): Promise<LogEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logEvents(station, event);
    if (found.length >= count) return found;
    if (Date.now() > deadline)
      throw new Error(`no "${event}" log event within ${timeoutMs} ms; log:\n${station.logs()}`);
    await sleep(50);
  }
}

/** A client for the node's gRPC address that is connected (a restarted station may take a moment). */
export async function connectedClient(node: PairNode): Promise<VotingClient> {
  const client = new VotingClient(grpcAddressOf(node));
  await client.waitForReady(15_000);
  return client;
}

export function newVoters(prefix: string, count: number): TestVoter[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `${prefix}-${index}`,
    keyPair: nacl.sign.keyPair(),
  }));
}

/** Registers every voter in `group`; each must answer 0. */
export async function registerAll(
  client: VotingClient,
  voters: readonly TestVoter[],
  group: string,
): Promise<void> {
  for (const voter of voters) {
    expect(
      await client.registerVoter({ name: voter.name, group, publicKey: voter.keyPair.publicKey }),
      voter.name,
    ).toBe(0);
  }
}

/** Signs every voter in (PreAuth + Auth with their own key); returns their tokens by name. */
export async function signInAll(
  client: VotingClient,
  voters: readonly TestVoter[],
): Promise<Map<string, Uint8Array>> {
  const tokens = new Map<string, Uint8Array>();
  for (const voter of voters)
    tokens.set(voter.name, await client.signIn(voter.name, voter.keyPair.secretKey));
  return tokens;
}

export function tokenOf(tokens: ReadonlyMap<string, Uint8Array>, voter: TestVoter): Uint8Array {
  const token = tokens.get(voter.name);
  if (token === undefined) throw new Error(`no token for ${voter.name}`);
  return token;
}
