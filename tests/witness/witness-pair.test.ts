/**
 * A primary, a backup and a witness as real processes on loopback, paired
 * with the documented flags (`--peer`, `--no-mdns`, `--witness`):
 *
 * - the pair serves and replicates, and /api/status shows the witness and
 *   the majority;
 * - SIGKILL of the primary: the backup takes over, and only with the
 *   witness's vote (with the witness down too it stays a backup and says why);
 * - the witness stopped: the pair goes on (majority via the backup);
 * - the witness killed and the backup frozen: the primary stops taking
 *   changes within its lease (measured), and says so;
 * - the primary frozen (SIGSTOP, the classic split brain) with a client
 *   writing to both stations: the backup is promoted, the old primary never
 *   acknowledges a write after that and refuses writes once running again,
 *   every acknowledged write survives, and the old primary takes its role
 *   back through the witness.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import type { StationStatus } from '../../core/station/station-status.ts';
import { newVoter } from '../support/station-fixtures.ts';
import type { LogEntry } from '../support/station-process.ts';
import { settle, VotingClient } from '../support/voting-client.ts';
import {
  killRunningWitnesses,
  startWitnessProcess,
  type WitnessProcess,
} from '../support/witness-process.ts';
import {
  connectedClient,
  fetchStatus,
  grpcAddressOf,
  logEntries,
  startNode,
  usePairNodes,
  waitForPair,
  waitForStatus,
  type NodeFactory,
  type PairNode,
} from '../replication/pair-harness.ts';

const pairKey = generatePairingKey();
const failoverMs = 1_500;
/** What a witness lease is worth to the primary: three quarters of the fail-over time, less 10 %. */
const leaseMs = Math.floor(failoverMs * 0.75 * 0.9);

interface Trio {
  readonly a: PairNode;
  readonly b: PairNode;
  readonly witnessDir: string;
  witness: WitnessProcess;
}

async function startTrio(factory: NodeFactory): Promise<Trio> {
  const witnessDir = (await factory.node('witness')).dataDir;
  const witness = await startWitnessProcess({ dataDir: witnessDir, pairKey });
  const a = await factory.node('a');
  const b = await factory.node('b');
  const extraArgs = ['--witness', witness.address];
  await startNode(a, { role: 'primary', peer: b, pairKey, failoverMs, extraArgs });
  await startNode(b, { role: 'backup', peer: a, pairKey, failoverMs, extraArgs });
  await waitForPair(a, b);
  return { a, b, witnessDir, witness };
}

/** Starts the witness again on its directory and port. */
async function restartWitness(trio: Trio): Promise<WitnessProcess> {
  const port = Number(trio.witness.address.split(':')[1]);
  trio.witness = await startWitnessProcess({ dataDir: trio.witnessDir, pairKey, port });
  return trio.witness;
}

function stationOf(node: PairNode) {
  if (node.process === null) throw new Error(`${node.name} was never started`);
  return node.process;
}

/** Registering a voter is the write these tests use: 0 means acknowledged, 1 that the name exists. */
function register(client: VotingClient, name: string) {
  return settle(client.registerVoter({ name, group: 'hall', publicKey: newVoter(name).keyPair.publicKey }));
}

interface WriteRecord {
  readonly station: string;
  readonly name: string;
  readonly sentAtMs: number;
  readonly answeredAtMs: number;
  /** 'ok' (acknowledged), 'unavailable' (gRPC UNAVAILABLE) or another outcome. */
  readonly outcome: string;
  readonly message: string;
}

/** Sends a new write to each client every `intervalMs` (without waiting for answers) until stopped. */
function hammer(clients: ReadonlyMap<string, VotingClient>, intervalMs: number) {
  const records: WriteRecord[] = [];
  const pending: Promise<void>[] = [];
  const state = { running: true, count: 0 };
  const loop = (async () => {
    while (state.running) {
      for (const [station, client] of clients) {
        const name = `w-${station}-${state.count}`;
        const sentAtMs = Date.now();
        pending.push(
          register(client, name).then((result) => {
            records.push({
              station,
              name,
              sentAtMs,
              answeredAtMs: Date.now(),
              outcome: result.ok
                ? result.value === 0
                  ? 'ok'
                  : `code ${result.value}`
                : result.error.code === grpc.status.UNAVAILABLE
                  ? 'unavailable'
                  : `grpc ${result.error.code}`,
              message: result.ok ? '' : result.error.message,
            });
          }),
        );
      }
      state.count += 1;
      await sleep(intervalMs);
    }
  })();
  return {
    records,
    async stop(): Promise<WriteRecord[]> {
      state.running = false;
      await loop;
      await Promise.all(pending);
      return records;
    },
  };
}

function firstEvent(entries: readonly LogEntry[], event: string): LogEntry | undefined {
  return entries.find((entry) => entry.event === event);
}

function timeOf(entry: LogEntry | undefined): number {
  if (typeof entry?.['time'] !== 'string') throw new Error(`no log entry: ${JSON.stringify(entry)}`);
  return Date.parse(entry['time']);
}

function describeStatus(status: StationStatus | null): string {
  return JSON.stringify(status);
}

describe('a pair with a witness', () => {
  const factory = usePairNodes();
  afterEach(async () => {
    await killRunningWitnesses();
  });

  it('serves and replicates, and shows the witness and its majority in /api/status', async () => {
    const { a, b, witness } = await startTrio(factory);
    const primaryStatus = await fetchStatus(a);
    expect(primaryStatus?.witness).toEqual({ configured: true, connected: true, address: witness.address });
    expect(primaryStatus?.quorum.held).toBe(true);
    expect(primaryStatus?.quorum.untilMs).toBeGreaterThan(Date.now() - 1_000);
    await waitForStatus(b, 'sees the witness', (status) => status.witness.connected);
    expect((await fetchStatus(b))?.quorum.held).toBe(false);

    const primary = await connectedClient(a);
    const voters = Array.from({ length: 10 }, (_, index) => newVoter(`voter-${index}`));
    for (const voter of voters) {
      expect(
        await primary.registerVoter({ name: voter.name, group: 'hall', publicKey: voter.keyPair.publicKey }),
      ).toBe(0);
    }
    // The backup holds them: a voter signs in there.
    const backup = await connectedClient(b);
    const [first] = voters;
    if (first === undefined) throw new Error('no voters');
    expect((await backup.signIn(first.name, first.keyPair.secretKey)).length).toBeGreaterThan(0);
    const primaryId = (await fetchStatus(a))?.stationId ?? '';
    expect(witness.logs()).toContain(`"event":"witness-vote-granted"`);
    expect(witness.logs()).toContain(`"stationId":"${primaryId}"`);
    primary.close();
    backup.close();
  });

  it('takes over on SIGKILL of the primary only after the witness voted', async () => {
    const { a, b, witness } = await startTrio(factory);
    const backupId = (await fetchStatus(b))?.stationId ?? '';
    stationOf(a).process.kill('SIGKILL');
    const killedAtMs = Date.now();
    const promoted = await waitForStatus(
      b,
      'becomes primary',
      (status) => status.role === 'primary' && status.writable,
    );
    const takeOverMs = Date.now() - killedAtMs;
    expect(takeOverMs).toBeLessThan(failoverMs * 4);
    const entries = logEntries(stationOf(b));
    const vote = entries.findIndex((entry) => entry.event === 'quorum-vote-granted');
    const promotion = entries.findIndex((entry) => entry.event === 'replication-promoted');
    expect(vote).toBeGreaterThanOrEqual(0);
    expect(promotion).toBeGreaterThan(vote);
    expect(entries[promotion]?.['epoch']).toBe(promoted.epoch);
    expect(witness.logs()).toContain(`"stationId":"${backupId}"`);
    const client = await connectedClient(b);
    expect(await register(client, 'after-take-over')).toEqual({ ok: true, value: 0 });
    client.close();
  });

  it('does not take over without the witness, says why, and does once the witness is back', async () => {
    const trio = await startTrio(factory);
    const { a, b } = trio;
    await trio.witness.stop('SIGKILL');
    stationOf(a).process.kill('SIGKILL');
    await sleep(failoverMs * 3);
    const waiting = await fetchStatus(b);
    expect(waiting, describeStatus(waiting)).toMatchObject({
      role: 'backup',
      writable: false,
      witness: { configured: true, connected: false },
      quorum: { held: false },
    });
    expect(waiting?.quorum.reason).toMatch(/witness .* cannot be reached/);
    const refused = logEntries(stationOf(b)).filter((entry) => entry.event === 'quorum-refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(logEntries(stationOf(b)).some((entry) => entry.event === 'replication-promoted')).toBe(false);

    const witness = await restartWitness(trio);
    await waitForStatus(b, 'becomes primary with the witness back', (status) => status.role === 'primary');
    expect(witness.logs()).toContain('"event":"witness-vote-granted"');
  });

  it('goes on with the witness stopped: the backup gives the majority', async () => {
    const trio = await startTrio(factory);
    const { a } = trio;
    const client = await connectedClient(a);
    await trio.witness.stop('SIGTERM');
    await waitForStatus(a, 'sees the witness gone', (status) => !status.witness.connected);
    // Well past any witness lease, every write is still acknowledged (and on both stations).
    const endMs = Date.now() + failoverMs * 4;
    for (let index = 0; Date.now() < endMs; index += 1) {
      expect(await register(client, `alone-${index}`), `write ${index}`).toEqual({ ok: true, value: 0 });
      await sleep(50);
    }
    const status = await fetchStatus(a);
    expect(status, describeStatus(status)).toMatchObject({
      role: 'primary',
      writable: true,
      unprotected: false,
      quorum: { held: true },
    });
    await restartWitness(trio);
    await waitForStatus(a, 'sees the witness again', (current) => current.witness.connected);
    client.close();
  });

  it('stops taking changes within its lease once the witness and the backup are both gone', async () => {
    const trio = await startTrio(factory);
    const { a, b } = trio;
    const client = new VotingClient(grpcAddressOf(a), { deadlineMs: 15_000 });
    await client.waitForReady(15_000);
    await trio.witness.stop('SIGKILL');
    // Past the witness lease: the majority now rests on the backup alone.
    await sleep(leaseMs + 200);
    expect(await register(client, 'with-backup')).toEqual({ ok: true, value: 0 });

    // The backup freezes: its last acknowledged heartbeat is a lease of failoverMs less the margin.
    stationOf(b).process.kill('SIGSTOP');
    const frozenAtMs = Date.now();
    const writes = hammer(new Map([['a', client]]), 50);
    await sleep(failoverMs * 2);
    const records = await writes.stop();

    // Nothing sent after the freeze was acknowledged: the backup could not confirm it.
    const acknowledged = records.filter((record) => record.outcome === 'ok');
    for (const record of acknowledged) expect(record.sentAtMs).toBeLessThan(frozenAtMs + 100);
    // New writes are refused at once, no later than the lease (plus a heartbeat period and slack).
    const refusedAtOnce = records.filter(
      (record) => record.outcome === 'unavailable' && /holds no majority/.test(record.message),
    );
    expect(refusedAtOnce.length, JSON.stringify(records.slice(0, 5))).toBeGreaterThan(0);
    const firstRefusalMs = Math.min(...refusedAtOnce.map((record) => record.sentAtMs)) - frozenAtMs;
    expect(firstRefusalMs).toBeLessThanOrEqual(failoverMs * 0.9 + failoverMs / 5 + 300);
    expect(records.every((record) => record.outcome === 'ok' || record.outcome === 'unavailable')).toBe(true);
    const status = await fetchStatus(a);
    expect(status, describeStatus(status)).toMatchObject({ writable: false, quorum: { held: false } });
    expect(logEntries(stationOf(a)).some((entry) => entry.event === 'quorum-lost')).toBe(true);

    // Killed for good: still no writes, reads go on.
    stationOf(b).process.kill('SIGKILL');
    await sleep(failoverMs);
    expect((await register(client, 'after-both')).ok).toBe(false);
    expect((await client.preAuth('with-backup')).length).toBeGreaterThan(0);
    client.close();
  });

  it('with the primary frozen (SIGSTOP), promotes the backup and never has two stations take writes', async () => {
    const { a, b, witness } = await startTrio(factory);
    const clients = new Map([
      ['a', new VotingClient(grpcAddressOf(a), { deadlineMs: 20_000 })],
      ['b', new VotingClient(grpcAddressOf(b), { deadlineMs: 20_000 })],
    ]);
    for (const client of clients.values()) await client.waitForReady(15_000);
    const writes = hammer(clients, 40);
    await sleep(800);

    stationOf(a).process.kill('SIGSTOP');
    const frozenAtMs = Date.now();
    await waitForStatus(b, 'is promoted', (status) => status.role === 'primary' && status.writable);
    await sleep(failoverMs);
    stationOf(a).process.kill('SIGCONT');
    const resumedAtMs = Date.now();
    await sleep(failoverMs * 2);
    const records = await writes.stop();

    const voteAtMs = timeOf(firstEvent(logEntries(stationOf(b)), 'quorum-vote-granted'));
    // Once running again, the old primary rejoins as backup and may take its role back in a newer
    // epoch (through the witness) while the client still writes: that is not the old epoch.
    const backAsPrimary = logEntries(stationOf(a)).filter(
      (entry) => entry.event === 'replication-promoted' && timeOf(entry) > resumedAtMs,
    );
    const oldEpochEndMs = backAsPrimary.length === 0 ? Infinity : timeOf(backAsPrimary[0]) - 500;
    const fromA = records.filter((record) => record.station === 'a' && record.sentAtMs < oldEpochEndMs);
    const fromB = records.filter((record) => record.station === 'b');
    expect(fromA.some((record) => record.outcome === 'ok')).toBe(true);
    // The old primary acknowledged nothing once the witness had voted for the backup.
    const lateAcks = fromA.filter((record) => record.outcome === 'ok' && record.answeredAtMs >= voteAtMs);
    expect(lateAcks, JSON.stringify(lateAcks.slice(0, 3))).toEqual([]);
    // Every write sent to it from the freeze on (it reads them once running again) is refused.
    const sinceFreeze = fromA.filter((record) => record.sentAtMs > frozenAtMs + 50);
    expect(sinceFreeze.length).toBeGreaterThan(10);
    expect(sinceFreeze.filter((record) => record.outcome !== 'unavailable')).toEqual([]);
    // The two never acknowledged writes in overlapping spells.
    const lastAckOfA = Math.max(...fromA.filter((r) => r.outcome === 'ok').map((r) => r.answeredAtMs));
    const firstAckOfB = Math.min(...fromB.filter((r) => r.outcome === 'ok').map((r) => r.sentAtMs));
    expect(Number.isFinite(firstAckOfB)).toBe(true);
    expect(lastAckOfA).toBeLessThan(firstAckOfB);

    // The old primary rejoins, catches up and takes its role back through the witness.
    await waitForPair(a, b, 30_000);
    expect(witness.logs()).toContain('"event":"witness-lease-released"');
    // Every acknowledged write survived: registering the name again finds it.
    const primary = await connectedClient(a);
    for (const record of records.filter((candidate) => candidate.outcome === 'ok')) {
      expect(await register(primary, record.name), record.name).toEqual({ ok: true, value: 1 });
    }
    primary.close();
    for (const client of clients.values()) client.close();
  });
});
