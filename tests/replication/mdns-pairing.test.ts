/**
 * Two real `evote station` processes that find each other by mDNS alone: no
 * --peer and no --no-mdns, only the same --pair-key. mDNS must never be sent
 * from this machine's own network namespace, so each station runs (through
 * `ip netns exec`) in a network namespace this test makes, linked to the
 * other by a veth pair; the namespaces are removed afterwards, also when the
 * test fails. The test process cannot reach the namespaces' addresses, so
 * /api/status is read by a one-line fetch run inside the namespace.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import type { StationStatus } from '../../core/station/station-status.ts';
import { pollUntil } from '../support/polling.ts';
import { evoteCommand, parseLogLines, type LogEntry } from '../support/station-process.ts';
import {
  createNetworkPair,
  execInNamespace,
  listNamespaces,
  namespacesSupported,
  removeAllNamespaces,
  uniquePrefix,
  type NamespaceProcess,
} from '../discovery/netns.ts';

/** Fixed ports: each namespace has its own, so nothing else can hold them. */
const grpcPort = 50051;
const httpPort = 8080;
const syncPort = 50052;
const pairTimeoutMs = 25_000;

const fetchScript = `fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
  .then((response) => response.text())
  .then((text) => { process.stdout.write(text + '\\n'); }, (error) => { process.stderr.write(String(error)); process.exitCode = 1; });`;

interface NamespaceStation {
  readonly ns: string;
  readonly address: string;
  readonly process: NamespaceProcess;
}

function startStationIn(
  ns: string,
  address: string,
  dataDir: string,
  role: 'primary' | 'backup',
  pairKey: string,
): NamespaceStation {
  const child = execInNamespace(ns, [
    evoteCommand(),
    'station',
    '--data',
    dataDir,
    '--grpc',
    `${address}:${grpcPort}`,
    '--http',
    `${address}:${httpPort}`,
    '--sync',
    `0.0.0.0:${syncPort}`,
    '--role',
    role,
    '--pair-key',
    pairKey,
    '--failover-ms',
    '1500',
  ]);
  return { ns, address, process: child };
}

/** GET /api/status from inside the station's namespace; null if it does not answer. */
async function statusOf(station: NamespaceStation): Promise<StationStatus | null> {
  const probe = execInNamespace(station.ns, [
    process.execPath,
    '-e',
    fetchScript,
    `http://${station.address}:${httpPort}/api/status`,
  ]);
  const exit = await probe.exit;
  const text = probe.stdoutLines.join('\n').trim();
  if (exit.code !== 0 || text === '') return null;
  return JSON.parse(text) as StationStatus;
}

function waitForStatus(
  station: NamespaceStation,
  what: string,
  predicate: (status: StationStatus) => boolean,
): Promise<StationStatus> {
  return pollUntil(`the station in ${station.ns} ${what}`, () => statusOf(station), predicate, {
    timeoutMs: pairTimeoutMs,
    intervalMs: 200,
    describeLast: (last) =>
      `; last status: ${JSON.stringify(last)}\nstderr:\n${station.process.stderrLines.join('\n')}`,
  });
}

function logOf(station: NamespaceStation): LogEntry[] {
  return parseLogLines(station.process.stderrLines);
}

const unsupported = namespacesSupported();
const ourPrefix = `evt-${process.pid}-`;

if (unsupported !== null) {
  it('two stations pair by mDNS in network namespaces', (context) => {
    context.skip(`skipped: ${unsupported}`);
  });
} else {
  describe('pairing found by mDNS', () => {
    const dirs: string[] = [];

    afterAll(async () => {
      await removeAllNamespaces();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    it('two stations with the same pairing key and no --peer find each other and pair', async () => {
      const pair = await createNetworkPair(uniquePrefix());
      try {
        const pairKey = generatePairingKey();
        const dataDirs: string[] = [];
        for (const name of ['a', 'b']) {
          const dir = await mkdtemp(path.join(os.tmpdir(), `evote-mdns-${name}-`));
          dirs.push(dir);
          dataDirs.push(path.join(dir, 'data'));
        }
        const a = startStationIn(pair.nsA, pair.addressA, dataDirs[0] ?? '', 'primary', pairKey);
        const b = startStationIn(pair.nsB, pair.addressB, dataDirs[1] ?? '', 'backup', pairKey);
        await Promise.all(
          [a, b].map((station) => station.process.waitForLine((line) => line.startsWith('grpc: '), 30_000)),
        );
        expect(a.process.stdoutLines).toContain(`grpc: ${pair.addressA}:${grpcPort}`);
        expect(b.process.stdoutLines).toContain(`grpc: ${pair.addressB}:${grpcPort}`);

        const [first, second] = await Promise.all([statusOf(a), statusOf(b)]);
        if (first === null || second === null) throw new Error('a station does not answer /api/status');
        const stationIdA = first.stationId;
        const stationIdB = second.stationId;
        expect(stationIdA).not.toBe(stationIdB);

        const primary = await waitForStatus(
          a,
          'serves as primary with its backup in sync',
          (status) => status.role === 'primary' && status.writable && status.peer.inSync,
        );
        expect(primary).toMatchObject({
          unprotected: false,
          peer: {
            connected: true,
            inSync: true,
            address: pair.addressB,
            stationId: stationIdB,
            lagRecords: 0,
          },
        });
        const backup = await waitForStatus(
          b,
          'follows as backup',
          (status) => status.role === 'backup' && status.peer.connected && status.peer.inSync,
        );
        expect(backup).toMatchObject({
          writable: false,
          epoch: primary.epoch,
          peer: { address: pair.addressA, stationId: stationIdA },
        });

        // They found each other by mDNS: each logged the other, over the veth link, on its sync port.
        for (const [station, peerId, peerAddress] of [
          [a, stationIdB, pair.addressB],
          [b, stationIdA, pair.addressA],
        ] as const) {
          expect(logOf(station)).toContainEqual(
            expect.objectContaining({
              event: 'discovery-peer-found',
              stationId: peerId,
              address: peerAddress,
              syncPort,
            }),
          );
          expect(logOf(station).filter((entry) => entry.event === 'replication-peer-rejected')).toEqual([]);
        }
      } finally {
        await pair.remove();
      }
      expect(listNamespaces()).not.toContain(pair.nsA);
      expect(listNamespaces()).not.toContain(pair.nsB);
    }, 45_000);

    it("leaves none of this run's network namespaces behind", () => {
      expect(listNamespaces().filter((name) => name.startsWith(ourPrefix))).toEqual([]);
    });
  });
}
