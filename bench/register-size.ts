/**
 * Section 2: does a large register slow voting down? The same vote workload
 * (1,000 voters voting in many elections) runs against a station with 1,000
 * registered voters and against one with 1,000,000 (the other 999,000 never
 * sign in, so they get random public keys).
 *
 * Both stations are prepared first and stay open; the workload then runs in
 * alternating rounds (small, large, small, large, …) so that a slow phase of
 * a shared machine hits both alike. Before measuring, each station is stopped
 * and reopened, so both start right after a snapshot and neither pays for a
 * compaction inside the window.
 */
import type { Station } from '../core/station/station.ts';
import type { Scope } from './support/cleanup.ts';
import {
  castVotes,
  createCountingLogger,
  createElections,
  describeRefusals,
  openBenchStation,
  registerFillerVoters,
  registerKeys,
  signInAll,
  voterName,
  type CountingLogger,
} from './support/in-process.ts';
import { newVoterKey, type VoterKey } from './support/keys.ts';
import type { BenchOptions, Section } from './support/section.ts';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  printFigures,
  printNote,
  type Figure,
} from './support/table.ts';
import { timed } from './support/timing.ts';

const inFlight = 1_024;
const targetRatio = 0.8;
/** Registering 1,000,000 voters "should take seconds". */
const registerTargetMs = 10_000;

interface Prepared {
  readonly registered: number;
  readonly station: Station;
  readonly logger: CountingLogger;
  readonly tokens: readonly Uint8Array[];
  readonly registerMs: number;
  readonly closeMs: number;
  readonly reopenMs: number;
  readonly rssAfterRegisterBytes: number;
  votes: number;
  ms: number;
  readonly roundRates: number[];
  readonly refused: Map<string, number>;
}

async function prepare(
  scope: Scope,
  keys: readonly VoterKey[],
  registered: number,
  elections: readonly string[],
): Promise<Prepared> {
  const dir = await scope.temporaryDirectory();
  const logger = createCountingLogger();
  let station: Station = await openBenchStation(dir, logger);
  // Closes whichever station is open when the scope closes (closing twice does nothing).
  scope.defer(() => station.close());

  const registering = await timed(async () => {
    await registerKeys(station, keys, inFlight);
    await registerFillerVoters(station, keys.length, registered - keys.length, inFlight);
  });
  const rssAfterRegisterBytes = process.memoryUsage().rss;
  const closing = await timed(() => station.close());
  const reopening = await timed(() => openBenchStation(dir, logger));
  station = reopening.result;

  const tokens = await signInAll(station, keys, 64);
  await createElections(station, tokens[0] ?? new Uint8Array(0), elections);
  return {
    registered,
    station,
    logger,
    tokens,
    registerMs: registering.ms,
    closeMs: closing.ms,
    reopenMs: reopening.ms,
    rssAfterRegisterBytes,
    votes: 0,
    ms: 0,
    roundRates: [],
    refused: new Map(),
  };
}

async function round(prepared: Prepared, elections: readonly string[]): Promise<void> {
  const run = await castVotes(prepared.station, prepared.tokens, elections, inFlight);
  prepared.votes += run.votes;
  prepared.ms += run.ms;
  prepared.roundRates.push((run.votes / run.ms) * 1000);
  for (const [reason, count] of run.refused)
    prepared.refused.set(reason, (prepared.refused.get(reason) ?? 0) + count);
}

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const voting = 1_000;
  const large = quick ? 100_000 : 1_000_000;
  const rounds = 4;
  const electionsPerRound = quick ? 5 : 50;
  const warmupElections = quick ? 5 : 20;
  const keys = Array.from({ length: voting }, (_, index) => newVoterKey(voterName(index)));
  const warmup = Array.from({ length: warmupElections }, (_, index) => `warmup-${index}`);
  const roundElections = Array.from({ length: rounds }, (_, r) =>
    Array.from({ length: electionsPerRound }, (_unused, index) => `round-${r}-election-${index}`),
  );
  const allElections = [...warmup, ...roundElections.flat()];

  const small = await prepare(scope, keys, voting, allElections);
  const big = await prepare(scope, keys, large, allElections);
  const snapshotsBefore = [small, big].map((p) => p.logger.count('store-snapshot-complete'));
  for (const prepared of [small, big]) await castVotes(prepared.station, prepared.tokens, warmup, inFlight);
  for (const elections of roundElections) {
    for (const prepared of [small, big]) await round(prepared, elections);
  }
  const snapshotsDuringVotes = [small, big].map(
    (p, index) => p.logger.count('store-snapshot-complete') - (snapshotsBefore[index] ?? 0),
  );
  await small.station.close();
  await big.station.close();

  const rate = (p: Prepared): number => (p.votes / p.ms) * 1000;
  const ratio = rate(big) / rate(small);
  const roundRatios = big.roundRates.map((value, index) => value / (small.roundRates[index] ?? NaN));
  const registerRate = (big.registered / big.registerMs) * 1000;
  const figures: Figure[] = [
    {
      label: `votes/s, ${formatCount(small.registered)} registered (baseline)`,
      value: formatRate(rate(small)),
    },
    {
      label: `votes/s, ${formatCount(big.registered)} registered`,
      value: formatRate(rate(big)),
      target: `≥ ${formatPercent(targetRatio)} of baseline`,
      met: ratio >= targetRatio,
      ratio: `${formatPercent(ratio)} of ${formatCount(small.registered)}-voter run`,
    },
    {
      label: `registering ${formatCount(big.registered)} voters (${inFlight} in flight)`,
      value: `${formatMs(big.registerMs)} (${formatRate(registerRate)})`,
      ...(quick
        ? {}
        : { target: `≤ ${formatMs(registerTargetMs)} ("seconds")`, met: big.registerMs <= registerTargetMs }),
    },
    {
      label: `bench RSS with ${formatCount(big.registered)} voters in-process`,
      value: formatBytes(big.rssAfterRegisterBytes),
    },
    {
      label: `stop (snapshot) / reopen at ${formatCount(big.registered)} voters`,
      value: `${formatMs(big.closeMs)} / ${formatMs(big.reopenMs)}`,
    },
  ];
  printFigures(figures);
  printNote(
    `workload: ${formatCount(voting)} voters × ${formatCount(rounds * electionsPerRound)} elections = ` +
      `${formatCount(small.votes)} votes per station, in ${rounds} alternating rounds after ${warmupElections} warm-up elections; ` +
      `ratio per round: ${roundRatios.map(formatPercent).join(', ')}; snapshots during the votes: ${snapshotsDuringVotes.join(' / ')}`,
  );
  for (const p of [small, big]) {
    if (p.refused.size > 0) {
      printNote(
        `${formatCount(p.registered)}-voter station: votes NOT accepted: ${describeRefusals(p.refused)}`,
      );
    }
    for (const problem of p.logger.problems) printNote(`station logged: ${problem}`);
  }
}

export const registerSizeSection: Section = {
  name: 'register',
  title: '2. Register size: votes/s with 1,000 vs 1,000,000 registered voters',
  run,
};
