/**
 * Section 1: durable votes per second through the engine and the store in
 * one process, on a real disk, with many votes in flight. Each vote is
 * counted when `Station.castVote` answers, which it does only once the vote
 * is durable (group commit: many votes share one fdatasync).
 */
import type { Scope } from './support/cleanup.ts';
import {
  castVotes,
  createCountingLogger,
  createElections,
  describeRefusals,
  openBenchStation,
  registerKeys,
  signInAll,
  voterName,
} from './support/in-process.ts';
import { newVoterKey } from './support/keys.ts';
import type { BenchOptions, Section } from './support/section.ts';
import { syncCounts, syncCountingActive } from './support/sync-counter.ts';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  printFigures,
  printNote,
  type Figure,
  formatLatency,
} from './support/table.ts';
import { timed } from './support/timing.ts';
import { dataDirUsage } from './support/data-dir.ts';

const targetVotesPerSecond = 100_000;
const inFlight = 1_024;

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const voters = 1_000;
  const electionCount = quick ? 20 : 200;
  const dir = await scope.temporaryDirectory();
  const logger = createCountingLogger();
  const station = await openBenchStation(dir, logger);
  scope.defer(() => station.close());

  const keys = Array.from({ length: voters }, (_, index) => newVoterKey(voterName(index)));
  await registerKeys(station, keys, inFlight);
  const tokens = await signInAll(station, keys, 64);
  const elections = Array.from({ length: electionCount }, (_, index) => `election-${index}`);
  await createElections(station, tokens[0] ?? new Uint8Array(0), elections);

  const syncsBefore = syncCounts();
  const snapshotsBefore = logger.count('store-snapshot-complete');
  const votes = await castVotes(station, tokens, elections, inFlight);
  const syncsAfter = syncCounts();
  const snapshotsDuringVotes = logger.count('store-snapshot-complete') - snapshotsBefore;
  const durableSyncs = syncsAfter.fdatasync - syncsBefore.fdatasync + (syncsAfter.fsync - syncsBefore.fsync);
  const usage = await dataDirUsage(dir);
  const closed = await timed(() => station.close());

  const perSecond = (votes.votes / votes.ms) * 1000;
  const latencies = votes.latencies.sorted();
  const figures: Figure[] = [
    {
      label: `durable votes/s (${formatCount(votes.votes)} votes, ${inFlight} in flight)`,
      value: formatRate(perSecond),
      target: `≥ ${formatRate(targetVotesPerSecond)}`,
      met: perSecond >= targetVotesPerSecond,
    },
    {
      label: 'vote acknowledgement p50 / p99',
      value: formatLatency(latencies),
    },
    {
      label: 'fdatasync/fsync calls during the votes',
      value: syncCountingActive()
        ? `${formatCount(durableSyncs)} (${durableSyncs > 0 ? formatCount(votes.votes / durableSyncs) : 'n/a'} votes each)`
        : 'not observable',
    },
    { label: 'log on disk after the votes', value: formatBytes(usage.logBytes) },
    { label: 'clean stop (snapshot written)', value: formatMs(closed.ms) },
  ];
  printFigures(figures);
  printNote(
    `${formatCount(voters)} voters × ${formatCount(electionCount)} elections; ${snapshotsDuringVotes} snapshot(s) during the votes`,
  );
  if (votes.refused.size > 0) printNote(`votes NOT accepted: ${describeRefusals(votes.refused)}`);
  for (const problem of logger.problems) printNote(`station logged: ${problem}`);
}

export const inProcessVotesSection: Section = {
  name: 'votes',
  title: '1. In-process durable votes/s (engine + store, real disk)',
  run,
};
