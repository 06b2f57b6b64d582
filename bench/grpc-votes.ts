/**
 * Section 3: votes over gRPC against the real station process, next to the
 * baseline, a no-op grpc-js server (bench/noop-grpc-server.ts) in the same
 * kind of child process driven by the same clients with requests of the same
 * size. 64 concurrent clients (one call in flight each) in 2 worker
 * processes, for a fixed duration after a warm-up.
 */
import type { Scope } from './support/cleanup.ts';
import {
  clientsPerWorker,
  createElectionsOverGrpc,
  noteLoadProblems,
  loadWorkers,
} from './support/grpc-setup.ts';
import { runLoad, type LoadPlan } from './support/load-driver.ts';
import type { BenchOptions, Section } from './support/section.ts';
import { loggedProblems, startNoopServer, startStationProcess } from './support/server-process.ts';
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

const targetRatio = 0.5;

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const durationMs = quick ? 2_000 : 10_000;
  const warmupMs = quick ? 1_000 : 2_000;
  const votersPerClient = quick ? 20 : 50;
  const elections = Array.from({ length: quick ? 60 : 200 }, (_, index) => `election-${index}`);
  const plan = (address: string, serverPid: number, realStation: boolean): LoadPlan => ({
    address,
    serverPid,
    mode: 'vote',
    workers: loadWorkers,
    clientsPerWorker,
    votersPerClient,
    elections,
    realStation,
    warmupMs,
    durationMs,
  });

  const dir = await scope.temporaryDirectory();
  const station = await startStationProcess(scope, dir);
  await createElectionsOverGrpc(station.address, elections);
  const votes = await runLoad(scope, plan(station.address, station.pid, true));
  const stationProblems = loggedProblems(station.stderrLines);
  await station.stop();

  const noop = await startNoopServer(scope);
  const baseline = await runLoad(scope, plan(noop.address, noop.pid, false));
  await noop.stop();

  const ratio = votes.perSecond / baseline.perSecond;
  const figures: Figure[] = [
    {
      label: 'durable votes/s over gRPC',
      value: formatRate(votes.perSecond),
      target: `≥ ${formatPercent(targetRatio)} of no-op`,
      met: ratio >= targetRatio,
      ratio: `${formatPercent(ratio)} of no-op`,
    },
    { label: 'no-op CastVote calls/s (baseline)', value: formatRate(baseline.perSecond) },
    { label: 'vote latency p50 / p99', value: formatLatency(votes.latencies) },
    { label: 'no-op latency p50 / p99', value: formatLatency(baseline.latencies) },
    {
      label: 'station CPU per vote (server process)',
      value: formatMicroseconds(votes.serverCpuPerCallUs),
      ratio: `${(votes.serverCpuPerCallUs / baseline.serverCpuPerCallUs).toFixed(1)}× no-op`,
    },
    { label: 'no-op server CPU per call', value: formatMicroseconds(baseline.serverCpuPerCallUs) },
    {
      label: 'station votes/s per CPU-second (its own CPU)',
      value: formatRate(1e6 / votes.serverCpuPerCallUs),
      ratio: `${formatPercent(baseline.serverCpuPerCallUs / votes.serverCpuPerCallUs)} of no-op`,
    },
    {
      label: 'client CPU per call: station / no-op run',
      value: `${formatMicroseconds(votes.clientCpuPerCallUs)} / ${formatMicroseconds(baseline.clientCpuPerCallUs)}`,
    },
  ];
  printFigures(figures);
  const clients = loadWorkers * clientsPerWorker;
  printNote(
    `${clients} clients (${loadWorkers} worker processes × ${clientsPerWorker} grpc-js channels, one call in flight each), ` +
      `${formatMs(warmupMs)} warm-up then ${formatMs(durationMs)} measured; ${formatCount(votes.calls)} votes counted`,
  );
  noteLoadProblems([
    ['station', votes],
    ['no-op', baseline],
  ]);
  for (const problem of stationProblems) printNote(`station logged: ${problem}`);
}

export const grpcVotesSection: Section = {
  name: 'grpc',
  title: '3. gRPC: durable votes/s vs a no-op gRPC method, vote latency',
  run,
};
