/**
 * Paired stations (primary and backup) as real `evote station` processes on
 * loopback, started with the documented flags (`--role`, `--sync`, `--peer`,
 * `--pair-key`, `--no-mdns`, `--http`), and their `GET /api/status`.
 */
import net from 'node:net';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import type { Scope } from './cleanup.ts';
import { startStationProcess, type ServerProcess } from './server-process.ts';
import { delay, nowMs } from './timing.ts';

export type Role = 'primary' | 'backup';

/** What `GET /api/status` answers (the fields the bench reads). */
export interface StationStatus {
  readonly role: Role;
  readonly epoch: number;
  readonly writable: boolean;
  readonly unprotected: boolean;
  readonly peer: {
    readonly connected: boolean;
    readonly inSync: boolean;
    readonly lagRecords: number;
  };
}

export interface PairedStation {
  readonly server: ServerProcess;
  readonly dataDir: string;
  readonly syncPort: number;
  /** HOST:PORT of its HTTP status endpoint. */
  readonly httpAddress: string;
  /** Its current status, or null if it does not answer (e.g. it was killed). */
  status(): Promise<StationStatus | null>;
}

export interface PairedStationOptions {
  readonly dataDir: string;
  readonly role: Role;
  readonly syncPort: number;
  readonly peerSyncPort: number;
  readonly pairKey: string;
  /** `--failover-ms`; the station's default (1500) when omitted. */
  readonly failoverMs?: number;
}

/** A fresh pairing key, as `evote pair-key` prints it. */
export function newPairKey(): string {
  return generatePairingKey();
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the sync ports must be known before both start). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

export async function startPairedStation(
  scope: Scope,
  options: PairedStationOptions,
): Promise<PairedStation> {
  const args = [
    '--role',
    options.role,
    '--sync',
    `127.0.0.1:${options.syncPort}`,
    '--peer',
    `127.0.0.1:${options.peerSyncPort}`,
    '--pair-key',
    options.pairKey,
    '--no-mdns',
    '--http',
    '127.0.0.1:0',
    ...(options.failoverMs === undefined ? [] : ['--failover-ms', String(options.failoverMs)]),
  ];
  const server = await startStationProcess(scope, options.dataDir, args, options.role);
  const httpLine = await server.stdoutLine(/^http: http:\/\/(\S+)\/api\/status$/);
  const httpAddress = httpLine[1] ?? '';
  return {
    server,
    dataDir: options.dataDir,
    syncPort: options.syncPort,
    httpAddress,
    status: () => fetchStatus(httpAddress),
  };
}

async function fetchStatus(httpAddress: string): Promise<StationStatus | null> {
  try {
    const response = await fetch(`http://${httpAddress}/api/status`, { signal: AbortSignal.timeout(2_000) });
    return parseStatus(await response.json());
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseStatus(value: unknown): StationStatus | null {
  if (!isRecord(value) || !isRecord(value['peer'])) return null;
  const peer = value['peer'];
  const role = value['role'];
  if (role !== 'primary' && role !== 'backup') return null;
  return {
    role,
    epoch: Number(value['epoch']),
    writable: value['writable'] === true,
    unprotected: value['unprotected'] === true,
    peer: {
      connected: peer['connected'] === true,
      inSync: peer['inSync'] === true,
      lagRecords: Number(peer['lagRecords']),
    },
  };
}

/**
 * Polls a station's status every `pollMs` until `check` holds; resolves with
 * that status and the time (`nowMs()`) it was seen. Throws after `timeoutMs`.
 */
export async function waitForStatus(
  station: PairedStation,
  what: string,
  check: (status: StationStatus) => boolean,
  timeoutMs = 30_000,
  pollMs = 20,
): Promise<{ readonly status: StationStatus; readonly atMs: number }> {
  const deadline = nowMs() + timeoutMs;
  let last: StationStatus | null = null;
  while (nowMs() < deadline) {
    const status = await station.status();
    const atMs = nowMs();
    if (status !== null && check(status)) return { status, atMs };
    last = status ?? last;
    await delay(pollMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting until ${what}; last status ${JSON.stringify(last)}`,
  );
}

export function primaryWithBackupInSync(status: StationStatus): boolean {
  return status.role === 'primary' && status.writable && status.peer.inSync;
}

export interface Pair {
  readonly primary: PairedStation;
  readonly backup: PairedStation;
}

/** Starts a primary and a backup on fresh directories and waits until the primary reports its backup in sync. */
export async function startInSyncPair(scope: Scope, failoverMs?: number): Promise<Pair> {
  const pairKey = newPairKey();
  const primaryDir = await scope.temporaryDirectory('evote-bench-primary-');
  const backupDir = await scope.temporaryDirectory('evote-bench-backup-');
  const primarySync = await freeLoopbackPort();
  const backupSync = await freeLoopbackPort();
  const common = { pairKey, ...(failoverMs === undefined ? {} : { failoverMs }) };
  const primary = await startPairedStation(scope, {
    ...common,
    dataDir: primaryDir,
    role: 'primary',
    syncPort: primarySync,
    peerSyncPort: backupSync,
  });
  const backup = await startPairedStation(scope, {
    ...common,
    dataDir: backupDir,
    role: 'backup',
    syncPort: backupSync,
    peerSyncPort: primarySync,
  });
  await waitForStatus(primary, 'the primary reports its backup in sync', primaryWithBackupInSync);
  await waitForStatus(
    backup,
    'the backup follows',
    (status) => status.role === 'backup' && status.peer.inSync,
  );
  return { primary, backup };
}
