/**
 * Section 4: sign-ins (PreAuth + Auth with an Ed25519 signature) per second
 * over gRPC against the real station process, 64 concurrent clients, each
 * signing its own voter in again and again; next to it, the same clients
 * against the no-op server (constant challenge and token of the real sizes;
 * the clients still sign), which is the ceiling this client set-up allows.
 */
import type { Scope } from './support/cleanup.ts';
import { clientsPerWorker, noteLoadProblems, loadWorkers } from './support/grpc-setup.ts';
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
  formatLatency,
} from './support/table.ts';

const targetPerSecond = 3_000;

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const durationMs = quick ? 2_000 : 10_000;
  const warmupMs = quick ? 1_000 : 2_000;
  const plan = (address: string, serverPid: number, realStation: boolean): LoadPlan => ({
    address,
    serverPid,
    mode: 'login',
    workers: loadWorkers,
    clientsPerWorker,
    votersPerClient: 1,
    elections: [],
    realStation,
    warmupMs,
    durationMs,
  });

  const dir = await scope.temporaryDirectory();
  const station = await startStationProcess(scope, dir);
  const logins = await runLoad(scope, plan(station.address, station.pid, true));
  const problems = loggedProblems(station.stderrLines);
  await station.stop();

  const noop = await startNoopServer(scope);
  const baseline = await runLoad(scope, plan(noop.address, noop.pid, false));
  await noop.stop();

  const ratio = logins.perSecond / baseline.perSecond;
  printFigures([
    {
      label: 'PreAuth+Auth pairs/s over gRPC',
      value: formatRate(logins.perSecond),
      target: `≥ ${formatRate(targetPerSecond)}`,
      met: logins.perSecond >= targetPerSecond,
      ratio: `${formatPercent(ratio)} of no-op pairs`,
    },
    { label: 'no-op PreAuth+Auth pairs/s (baseline)', value: formatRate(baseline.perSecond) },
    { label: 'sign-in latency p50 / p99 (both calls)', value: formatLatency(logins.latencies) },
    { label: 'no-op pair latency p50 / p99', value: formatLatency(baseline.latencies) },
    {
      label: 'station CPU per sign-in (server process)',
      value: formatMicroseconds(logins.serverCpuPerCallUs),
      ratio: `${(logins.serverCpuPerCallUs / baseline.serverCpuPerCallUs).toFixed(1)}× no-op`,
    },
    { label: 'no-op server CPU per pair', value: formatMicroseconds(baseline.serverCpuPerCallUs) },
    {
      label: 'station sign-ins/s per CPU-second (its own CPU)',
      value: formatRate(1e6 / logins.serverCpuPerCallUs),
      target: `≥ ${formatRate(targetPerSecond)}`,
      met: 1e6 / logins.serverCpuPerCallUs >= targetPerSecond,
    },
    {
      label: 'client CPU per pair: station / no-op run',
      value: `${formatMicroseconds(logins.clientCpuPerCallUs)} / ${formatMicroseconds(baseline.clientCpuPerCallUs)}`,
    },
  ]);
  printNote(
    `${loadWorkers * clientsPerWorker} clients (${loadWorkers} worker processes × ${clientsPerWorker} channels, each signing with Ed25519), ` +
      `${formatMs(warmupMs)} warm-up then ${formatMs(durationMs)} measured; ${formatCount(logins.calls)} sign-ins counted`,
  );
  noteLoadProblems([
    ['station', logins],
    ['no-op', baseline],
  ]);
  for (const problem of problems) printNote(`station logged: ${problem}`);
}

export const grpcLoginsSection: Section = {
  name: 'logins',
  title: '4. Logins: PreAuth+Auth pairs/s over gRPC',
  run,
};
