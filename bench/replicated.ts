/**
 * Section 7: the cost of replication. Durable votes/s over gRPC with the
 * load of section 3 (64 concurrent clients in 2 worker processes) against
 * (a) a station alone (no pairing flags) and (b) the primary of an in-sync
 * pair whose backup runs on the same machine, so every vote is durable on
 * both before it is acknowledged. Both run for the whole section; after an
 * uncounted warm-up round on each, rounds alternate between them
 * (P A A P P A …) so that noise hits both alike. Every round registers and
 * signs in new voters; figures add up the counted rounds.
 */
import type { Scope } from './support/cleanup.ts';
import {
  clientsPerWorker,
  createElectionsOverGrpc,
  noteLoadProblems,
  loadWorkers,
} from './support/grpc-setup.ts';
import { runLoad, type LoadResult } from './support/load-driver.ts';
import type { BenchOptions, Section } from './support/section.ts';
import { problemsSince, startStationProcess } from './support/server-process.ts';
import { startInSyncPair, type StationStatus } from './support/station-pair.ts';
import {
  formatCount,
  formatMicroseconds,
  formatMs,
  formatPercent,
  formatRate,
  printFigures,
  printNote,
  type Figure,
  formatLatency,
} from './support/table.ts';
import { LatencySamples } from './support/timing.ts';

const targetRatio = 0.5;

type Kind = 'alone' | 'paired';

class Totals {
  calls = 0;
  measuredMs = 0;
  serverCpuUs = 0;
  clientCpuUs = 0;
  /** Paired rounds: the backup's CPU time in the measured windows. */
  backupCpuUs = 0;
  readonly latencies = new LatencySamples();
  readonly failures = new Map<string, number>();
  readonly perRound: number[] = [];
  exhaustedClients = 0;

  add(result: LoadResult, durationMs: number): void {
    this.calls += result.calls;
    this.measuredMs += durationMs;
    this.serverCpuUs += result.serverCpuPerCallUs * result.calls;
    this.clientCpuUs += result.clientCpuPerCallUs * result.calls;
    this.backupCpuUs += (result.watchedCpuPerCallUs[0] ?? 0) * result.calls;
    this.latencies.pushAll(result.latencies);
    this.perRound.push(result.perSecond);
    this.exhaustedClients += result.exhaustedClients;
    for (const [cause, count] of result.failures)
      this.failures.set(cause, (this.failures.get(cause) ?? 0) + count);
  }

  get perSecond(): number {
    return this.calls / (this.measuredMs / 1000);
  }
}

function describeStatus(status: StationStatus | null): string {
  return status === null
    ? 'no answer'
    : `${status.role}${status.writable ? ', writable' : ''}, backup ${status.peer.inSync ? 'in sync' : 'NOT in sync'}, lag ${status.peer.lagRecords}`;
}

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const roundsEach = quick ? 2 : 3;
  const durationMs = quick ? 2_000 : 8_000;
  const warmupMs = quick ? 1_000 : 2_000;
  const warmupRoundMs = quick ? 1_000 : 3_000;
  const votersPerClient = quick ? 10 : 50;
  const elections = Array.from({ length: quick ? 60 : 200 }, (_, index) => `election-${index}`);

  const alone = await startStationProcess(scope, await scope.temporaryDirectory(), [], 'station alone');
  const pair = await startInSyncPair(scope);
  await createElectionsOverGrpc(alone.address, elections);
  await createElectionsOverGrpc(pair.primary.server.address, elections);

  const totals: Record<Kind, Totals> = { alone: new Totals(), paired: new Totals() };
  // A first, uncounted round on each warms both up (a fresh station's first round is much slower).
  const rounds: { readonly kind: Kind; readonly counted: boolean }[] = [
    { kind: 'alone', counted: false },
    { kind: 'paired', counted: false },
  ];
  const order: Kind[] = [];
  for (let index = 0; index < roundsEach; index += 1) {
    order.push(...(index % 2 === 0 ? (['paired', 'alone'] as const) : (['alone', 'paired'] as const)));
  }
  rounds.push(...order.map((kind) => ({ kind, counted: true })));
  const statusNotes: string[] = [];
  // Warnings before this (the primary serving unprotected until its backup caught up) belong to the set-up.
  const roundsStartEpochMs = Date.now();
  for (const [round, { kind, counted }] of rounds.entries()) {
    const server = kind === 'alone' ? alone : pair.primary.server;
    if (kind === 'paired') {
      const status = await pair.primary.status();
      if (status === null || !status.peer.inSync || !status.writable) {
        statusNotes.push(`before round ${round + 1}: primary ${describeStatus(status)}`);
      }
    }
    const result = await runLoad(scope, {
      address: server.address,
      serverPid: server.pid,
      watchPids: kind === 'paired' ? [pair.backup.server.pid] : [],
      mode: 'vote',
      workers: loadWorkers,
      clientsPerWorker,
      votersPerClient,
      voterPrefix: `r${round}-`,
      elections,
      realStation: true,
      warmupMs,
      durationMs: counted ? durationMs : warmupRoundMs,
    });
    if (counted) totals[kind].add(result, durationMs);
    if (kind === 'paired') {
      const status = await pair.primary.status();
      if (status === null || !status.peer.inSync || !status.writable) {
        statusNotes.push(`after round ${round + 1}: primary ${describeStatus(status)}`);
      }
    }
  }

  const problems = (
    [
      ['station alone', alone.stderrLines],
      ['primary', pair.primary.server.stderrLines],
      ['backup', pair.backup.server.stderrLines],
    ] as const
  ).flatMap(([label, lines]) =>
    problemsSince(lines, roundsStartEpochMs).map((line) => `${label} logged: ${line}`),
  );
  await alone.stop();
  await pair.backup.server.stop();
  await pair.primary.server.stop();

  const a = totals.alone;
  const p = totals.paired;
  const ratio = p.perSecond / a.perSecond;
  const aloneLatencies = a.latencies.sorted();
  const pairedLatencies = p.latencies.sorted();
  const figures: Figure[] = [
    { label: 'votes/s: station alone (baseline)', value: formatRate(a.perSecond) },
    {
      label: 'votes/s: primary with its backup in sync',
      value: formatRate(p.perSecond),
      target: `≥ ${formatPercent(targetRatio)} of alone`,
      met: ratio >= targetRatio,
      ratio: `${formatPercent(ratio)} of alone`,
    },
    { label: 'vote latency p50 / p99: alone', value: formatLatency(aloneLatencies) },
    { label: 'vote latency p50 / p99: paired', value: formatLatency(pairedLatencies) },
    {
      label: 'server CPU per vote: alone / primary',
      value: `${formatMicroseconds(a.serverCpuUs / a.calls)} / ${formatMicroseconds(p.serverCpuUs / p.calls)}`,
    },
    { label: 'backup CPU per vote', value: formatMicroseconds(p.backupCpuUs / p.calls) },
    {
      label: 'load clients CPU per vote: alone / paired',
      value: `${formatMicroseconds(a.clientCpuUs / a.calls)} / ${formatMicroseconds(p.clientCpuUs / p.calls)}`,
    },
  ];
  printFigures(figures);
  const clients = loadWorkers * clientsPerWorker;
  printNote(
    `${clients} clients (${loadWorkers} worker processes × ${clientsPerWorker} grpc-js channels, one call in flight each); ` +
      `after an uncounted warm-up round on each, ${roundsEach} rounds each, order ${order.map((kind) => (kind === 'alone' ? 'A' : 'P')).join(' ')}, ` +
      `each ${formatMs(warmupMs)} warm-up then ${formatMs(durationMs)} measured; ` +
      `${formatCount(a.calls)} + ${formatCount(p.calls)} votes counted`,
  );
  printNote(
    `per round votes/s: alone ${a.perRound.map((value) => formatCount(value)).join(', ')}; ` +
      `paired ${p.perRound.map((value) => formatCount(value)).join(', ')}`,
  );
  for (const note of statusNotes) printNote(note);
  noteLoadProblems([
    ['alone', a],
    ['paired', p],
  ]);
  for (const problem of problems) printNote(problem);
}

export const replicatedSection: Section = {
  name: 'replicated',
  title: '7. Replication cost: votes/s on a primary with its backup in sync vs a station alone',
  run,
};
