/**
 * Builds large data directories for the restart section, in its own process
 * (so the bench can SIGKILL it, and its memory is returned when it ends),
 * through an in-process Station exactly as the station process would write
 * them. Voters get random public keys and tokens minted with the station's
 * key (as Auth would issue them), to skip a million Ed25519 sign-ins.
 *
 * - `build`: registers N voters, creates one election for all of them, has
 *   every voter vote, and stops cleanly (which writes a snapshot).
 * - `fill`: reopens the directory, registers more voters and casts more votes
 *   until the newest log segment holds `logBytes`, reports, and waits to be
 *   killed: everything acknowledged is durable, and all of it is in the log.
 */
import type { Station } from '../core/station/station.ts';
import { dataDirUsage } from './support/data-dir.ts';
import {
  createCountingLogger,
  createElections,
  expectOk,
  mintToken,
  openBenchStation,
  registerFillerVoters,
  voterName,
} from './support/in-process.ts';
import { runPool } from './support/pool.ts';
import { benchChoices } from './support/workload.ts';
import { timed } from './support/timing.ts';

export type BuilderRequest =
  | { readonly type: 'build'; readonly dir: string; readonly voters: number }
  | {
      readonly type: 'fill';
      readonly dir: string;
      readonly voters: number;
      readonly extraVoters: number;
      readonly logBytes: number;
    };

export type BuilderReport =
  | {
      readonly type: 'built';
      readonly registerMs: number;
      readonly votesMs: number;
      readonly closeMs: number;
    }
  | {
      readonly type: 'filled';
      readonly openMs: number;
      readonly registered: number;
      readonly votes: number;
      readonly newestLogBytes: number;
      readonly snapshots: number;
    }
  | { readonly type: 'failed'; readonly message: string };

const inFlight = 1_024;
const fillBatch = 20_000;

function progress(text: string): void {
  process.stderr.write(`   [builder] ${text}\n`);
}

async function vote(station: Station, election: string, first: number, count: number): Promise<void> {
  await runPool(count, inFlight, async (index) => {
    const voter = voterName(first + index);
    expectOk(
      await station.castVote({
        token: mintToken(station, voter),
        election,
        choice: benchChoices[index % benchChoices.length] ?? '',
      }),
      `vote of ${voter}`,
    );
  });
}

async function build(request: Extract<BuilderRequest, { type: 'build' }>): Promise<BuilderReport> {
  const logger = createCountingLogger();
  const station = await openBenchStation(request.dir, logger);
  try {
    progress(`registering ${request.voters} voters`);
    const registering = await timed(() => registerFillerVoters(station, 0, request.voters, inFlight));
    await createElections(station, mintToken(station, voterName(0)), ['scale']);
    progress(`casting ${request.voters} votes in one election`);
    const voting = await timed(() => vote(station, 'scale', 0, request.voters));
    progress('stopping (snapshot)');
    const closing = await timed(() => station.close());
    return { type: 'built', registerMs: registering.ms, votesMs: voting.ms, closeMs: closing.ms };
  } finally {
    await station.close();
  }
}

async function fill(request: Extract<BuilderRequest, { type: 'fill' }>): Promise<BuilderReport> {
  const logger = createCountingLogger();
  const opening = await timed(() => openBenchStation(request.dir, logger));
  const station = opening.result;
  // No close: the bench kills this process.
  progress(`registering ${request.extraVoters} more voters`);
  await registerFillerVoters(station, request.voters, request.extraVoters, inFlight);
  await createElections(station, mintToken(station, voterName(0)), ['after-crash']);
  const allVoters = request.voters + request.extraVoters;
  let votes = 0;
  let usage = await dataDirUsage(request.dir);
  progress(`casting votes until the log holds ${Math.round(request.logBytes / 2 ** 20)} MiB`);
  while (usage.newestLogBytes < request.logBytes && votes < allVoters) {
    const count = Math.min(fillBatch, allVoters - votes);
    await vote(station, 'after-crash', votes, count);
    votes += count;
    usage = await dataDirUsage(request.dir);
  }
  return {
    type: 'filled',
    openMs: opening.ms,
    registered: allVoters,
    votes,
    newestLogBytes: usage.newestLogBytes,
    snapshots: logger.count('store-snapshot-complete'),
  };
}

function isBuilderRequest(value: unknown): value is BuilderRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    (value.type === 'build' || value.type === 'fill')
  );
}

process.once('message', (message: unknown) => {
  if (!isBuilderRequest(message)) return;
  const work = message.type === 'build' ? build(message) : fill(message);
  work
    .catch((error: unknown): BuilderReport => ({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }))
    .then(
      (report) => {
        process.send?.(report);
        // `build` is done and exits; `fill` stays alive until it is killed.
        if (report.type !== 'filled') process.disconnect();
      },
      () => undefined,
    );
});
