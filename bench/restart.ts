/**
 * Section 5: restart of the real station process at scale. A data directory
 * with 1,000,000 voters who all voted in one election (the hard case for
 * snapshots: one election holding a million voter names) is built through an
 * in-process Station and stopped cleanly (snapshot). Then:
 * - clean restart: spawn `evote station` on it, time to its `grpc:` line, and
 *   its memory (VmRSS now, VmHWM peak) once it serves;
 * - crash restart: a builder process reopens it, registers and votes more
 *   until the log holds a large part (tens of MiB, below the 64 MiB
 *   compaction point), and is SIGKILLed; the station then restarts from the
 *   snapshot plus that log.
 * An empty station's start is measured too: the fixed cost of Node + tsx.
 */
import { runBuilder } from './support/builder-process.ts';
import type { Scope } from './support/cleanup.ts';
import { dataDirUsage } from './support/data-dir.ts';
import { readProcessMemory, type ProcessMemory } from './support/proc-status.ts';
import type { BenchOptions, Section } from './support/section.ts';
import {
  loggedInterval,
  loggedProblems,
  parseLogLines,
  startStationProcess,
  type ServerProcess,
} from './support/server-process.ts';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  printFigures,
  printNote,
  type Figure,
} from './support/table.ts';

const restartTargetMs = 5_000;
const rssTargetBytes = 1024 ** 3;

interface Restart {
  readonly readyMs: number;
  /** The station's own start-up, from its log: open (lock, identity, recovery) and gRPC bind. */
  readonly loggedStartMs: number;
  readonly memory: ProcessMemory | null;
  readonly stopMs: number;
  readonly recovery: string;
  readonly problems: readonly string[];
}

async function restart(scope: Scope, dir: string): Promise<Restart> {
  const station: ServerProcess = await startStationProcess(scope, dir);
  const memory = readProcessMemory(station.pid);
  const loggedStartMs = loggedInterval(station.stderrLines, 'station-start-init', 'station-start-complete');
  const recoveryEntry = parseLogLines(station.stderrLines).find(
    (entry) => entry['event'] === 'store-recovery-complete',
  );
  const problems = loggedProblems(station.stderrLines);
  const stopped = await station.stop();
  return {
    readyMs: station.readyMs,
    loggedStartMs,
    memory,
    stopMs: stopped.ms,
    recovery: recoveryEntry === undefined ? '' : JSON.stringify(recoveryEntry),
    problems,
  };
}

function restartFigures(label: string, result: Restart): Figure[] {
  const rss = result.memory?.rssBytes ?? NaN;
  return [
    {
      label: `${label}: spawn → serving`,
      value: formatMs(result.readyMs),
      target: `≤ ${formatMs(restartTargetMs)}`,
      met: result.readyMs <= restartTargetMs,
    },
    { label: `${label}: station's own start (from its log)`, value: formatMs(result.loggedStartMs) },
    {
      label: `${label}: VmRSS once serving`,
      value: formatBytes(rss),
      target: `≤ ${formatBytes(rssTargetBytes)}`,
      met: rss <= rssTargetBytes,
    },
    { label: `${label}: VmHWM (peak RSS)`, value: formatBytes(result.memory?.peakRssBytes ?? NaN) },
    { label: `${label}: clean stop (SIGTERM → exit)`, value: formatMs(result.stopMs) },
  ];
}

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const voters = quick ? 50_000 : 1_000_000;
  const extraVoters = voters / 10;
  const fillLogBytes = quick ? 4 * 2 ** 20 : 48 * 2 ** 20;

  const empty = await restart(scope, await scope.temporaryDirectory());

  const dir = await scope.temporaryDirectory();
  const built = await runBuilder(scope, { type: 'build', dir, voters });
  if (built.report.type !== 'built') throw new Error('unexpected builder report');
  const afterBuild = await dataDirUsage(dir);

  const clean = await restart(scope, dir);

  const filled = await runBuilder(scope, { type: 'fill', dir, voters, extraVoters, logBytes: fillLogBytes });
  await filled.kill();
  if (filled.report.type !== 'filled') throw new Error('unexpected builder report');
  const afterCrash = await dataDirUsage(dir);

  const crashed = await restart(scope, dir);

  const b = built.report;
  const f = filled.report;
  printFigures([
    {
      label: `build: register ${formatCount(voters)} voters in-process`,
      value: `${formatMs(b.registerMs)} (${formatRate((voters / b.registerMs) * 1000)})`,
    },
    {
      label: `build: ${formatCount(voters)} votes in one election`,
      value: `${formatMs(b.votesMs)} (${formatRate((voters / b.votesMs) * 1000)})`,
    },
    { label: 'build: clean stop (snapshot)', value: formatMs(b.closeMs) },
    { label: 'snapshot on disk', value: formatBytes(afterBuild.snapshotBytes) },
    { label: 'empty station: spawn → serving (baseline)', value: formatMs(empty.readyMs) },
    {
      label: 'empty station: VmRSS once serving (baseline)',
      value: formatBytes(empty.memory?.rssBytes ?? NaN),
    },
    ...restartFigures('clean restart', clean),
    {
      label: 'crash: log left to replay',
      value: `${formatBytes(afterCrash.logBytes)} (${formatCount(extraVoters)} registrations + ${formatCount(f.votes)} votes)`,
    },
    ...restartFigures('restart after SIGKILL', crashed),
  ]);
  printNote(
    `crash run: the builder reopened the directory in ${formatMs(f.openMs)} (in-process), wrote, and was SIGKILLed; ` +
      `${f.snapshots} snapshot(s) were taken meanwhile; ${afterCrash.logSegments} log segment(s), ${afterCrash.snapshots} snapshot(s) on disk`,
  );
  printNote(
    'the clean stop after the crash restart compacts that log into a new snapshot (its time is above)',
  );
  for (const [label, result] of [
    ['clean restart', clean],
    ['restart after SIGKILL', crashed],
  ] as const) {
    if (result.recovery !== '') printNote(`${label}: ${result.recovery.slice(0, 300)}`);
    for (const problem of result.problems) printNote(`${label}: station logged: ${problem}`);
  }
}

export const restartSection: Section = {
  name: 'restart',
  title: '5. Restart at scale: 1,000,000 voters and votes (one election)',
  run,
};
