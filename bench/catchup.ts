/**
 * Section 8: a backup catching up from nothing. A data directory with
 * 1,000,000 voters and 1,000,000 votes (built as in section 5, then stopped
 * cleanly: everything is in one snapshot) is started as the primary of a
 * pair; once it serves (alone, after the fail-over time without a peer), an
 * empty backup is started, and the primary's `GET /api/status` is polled
 * every 20 ms until it shows the backup in sync. Then the backup's memory.
 */
import { runBuilder } from './support/builder-process.ts';
import type { Scope } from './support/cleanup.ts';
import { dataDirUsage } from './support/data-dir.ts';
import { readProcessCpuMs, readProcessMemory } from './support/proc-status.ts';
import type { BenchOptions, Section } from './support/section.ts';
import { parseLogLines, problemsSince } from './support/server-process.ts';
import {
  freeLoopbackPort,
  newPairKey,
  primaryWithBackupInSync,
  startPairedStation,
  waitForStatus,
} from './support/station-pair.ts';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  printFigures,
  printNote,
  type Figure,
} from './support/table.ts';
import { nowMs } from './support/timing.ts';

const targetMs = 10_000;
const timelineEvents = new Set([
  'replication-peer-connected',
  'replication-full-copy',
  'replication-follower-live',
  'replication-peer-silent',
  'replication-peer-lost',
  'store-snapshot-complete',
]);

/** Log events at or after `fromEpochMs`, with their time in ms after it. */
function eventsSince(
  lines: readonly string[],
  fromEpochMs: number,
): { readonly event: string; readonly ms: number }[] {
  return parseLogLines(lines).flatMap((entry) => {
    const time = entry['time'];
    const event = entry['event'];
    if (typeof time !== 'string' || typeof event !== 'string') return [];
    const ms = Date.parse(time) - fromEpochMs;
    return ms >= 0 ? [{ event, ms }] : [];
  });
}

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const voters = quick ? 50_000 : 1_000_000;

  const primaryDir = await scope.temporaryDirectory('evote-bench-primary-');
  const backupDir = await scope.temporaryDirectory('evote-bench-backup-');
  const built = await runBuilder(scope, { type: 'build', dir: primaryDir, voters });
  if (built.report.type !== 'built') throw new Error('unexpected builder report');
  const onDisk = await dataDirUsage(primaryDir);

  const pairKey = newPairKey();
  const primarySync = await freeLoopbackPort();
  const backupSync = await freeLoopbackPort();
  const primary = await startPairedStation(scope, {
    dataDir: primaryDir,
    role: 'primary',
    syncPort: primarySync,
    peerSyncPort: backupSync,
    pairKey,
  });
  await waitForStatus(
    primary,
    'the primary serves alone',
    (status) => status.role === 'primary' && status.writable,
  );

  const primaryCpuBefore = readProcessCpuMs(primary.server.pid);
  const startEpochMs = Date.now();
  const start = nowMs();
  // Polled from the moment the backup is spawned: the catch-up may begin before it prints its address.
  const inSync = waitForStatus(
    primary,
    'the primary reports its backup in sync',
    primaryWithBackupInSync,
    600_000,
  );
  inSync.catch(() => undefined);
  const backup = await startPairedStation(scope, {
    dataDir: backupDir,
    role: 'backup',
    syncPort: backupSync,
    peerSyncPort: primarySync,
    pairKey,
  });
  const { atMs } = await inSync;
  const catchUpMs = atMs - start;
  const backupMemory = readProcessMemory(backup.server.pid);
  const backupCpuMs = readProcessCpuMs(backup.server.pid);
  const primaryCpuMs = readProcessCpuMs(primary.server.pid) - primaryCpuBefore;
  const backupOnDisk = await dataDirUsage(backupDir);
  const primaryEvents = eventsSince(primary.server.stderrLines, startEpochMs);
  const backupEvents = eventsSince(backup.server.stderrLines, startEpochMs);
  const connections = primaryEvents.filter((entry) => entry.event === 'replication-peer-connected');
  const live = primaryEvents.findLast((entry) => entry.event === 'replication-follower-live');
  const leaderLogMs = (live?.ms ?? NaN) - (connections[0]?.ms ?? NaN);
  const timeline = [
    ...primaryEvents.map((entry) => ({ ...entry, who: 'primary' })),
    ...backupEvents.map((entry) => ({ ...entry, who: 'backup' })),
  ]
    .filter((entry) => timelineEvents.has(entry.event))
    .sort((x, y) => x.ms - y.ms)
    .map((entry) => `${formatMs(entry.ms)} ${entry.who} ${entry.event}`);
  // Before the backup starts, the primary serves alone and says so (expected).
  const problems = [
    ...problemsSince(primary.server.stderrLines, startEpochMs).map((line) => `primary logged: ${line}`),
    ...problemsSince(backup.server.stderrLines, startEpochMs)
      .filter((line) => !line.includes('replication-full-copy'))
      .map((line) => `backup logged: ${line}`),
  ];
  await backup.server.stop();
  await primary.server.stop();

  const b = built.report;
  const rss = backupMemory?.rssBytes ?? NaN;
  const figures: Figure[] = [
    {
      label: `build: ${formatCount(voters)} voters and votes in-process`,
      value: `${formatMs(b.registerMs + b.votesMs)} (${formatRate(((2 * voters) / (b.registerMs + b.votesMs)) * 1000, ' commands/s')})`,
    },
    {
      label: "primary's data on disk: snapshot / log",
      value: `${formatBytes(onDisk.snapshotBytes)} / ${formatBytes(onDisk.logBytes)}`,
    },
    { label: 'primary: spawn → serving', value: formatMs(primary.server.readyMs) },
    { label: 'empty backup: spawn → serving', value: formatMs(backup.server.readyMs) },
    {
      label: 'empty backup: spawn → primary shows it in sync',
      value: formatMs(catchUpMs),
      target: `≤ ${formatMs(targetMs)}`,
      met: catchUpMs <= targetMs,
    },
    {
      label: "primary's log: backup first connected → live",
      value: formatMs(leaderLogMs),
      ratio: connections.length === 1 ? '' : `${connections.length} connections`,
    },
    {
      label: 'backup VmRSS once in sync / VmHWM (peak)',
      value: `${formatBytes(rss)} / ${formatBytes(backupMemory?.peakRssBytes ?? NaN)}`,
    },
    {
      label: "backup's data on disk afterwards: snapshot / log",
      value: `${formatBytes(backupOnDisk.snapshotBytes)} / ${formatBytes(backupOnDisk.logBytes)}`,
    },
    {
      label: 'CPU during catch-up: primary / backup (incl. its start)',
      value: `${formatMs(primaryCpuMs)} / ${formatMs(backupCpuMs)}`,
    },
  ];
  printFigures(figures);
  printNote(
    `${formatCount(voters)} voters registered and ${formatCount(voters)} votes in one election, stopped cleanly (one snapshot); ` +
      'the backup starts with an empty data directory and takes a full copy over the paired TLS channel on loopback',
  );
  printNote(`timeline, after the backup's spawn (from the logs, ms resolution): ${timeline.join('; ')}`);
  for (const problem of problems) printNote(problem);
}

export const catchUpSection: Section = {
  name: 'catchup',
  title: '8. Catch-up: an empty backup joins a primary holding 1,000,000 voters and votes (--quick: 50,000)',
  run,
};
