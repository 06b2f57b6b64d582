/**
 * Section 6: take-over. A primary and a backup at default settings
 * (`--failover-ms` 1500) on loopback, in sync, under a light vote load on the
 * primary; the primary is killed with SIGKILL, and a client that retries
 * CastVote on the backup every ~10 ms (a voter who has not voted, with the
 * token the primary issued) measures the time from the kill to the first vote
 * the backup accepts (answer 0). Each round uses a fresh pair; the backup's
 * own log gives when it saw the link drop and when it promoted itself.
 */
import * as grpc from '@grpc/grpc-js';
import type { Scope } from './support/cleanup.ts';
import { GrpcCallError, VotingClient } from './support/grpc-client.ts';
import { newVoterKey, signChallenge, type VoterKey } from './support/keys.ts';
import type { BenchOptions, Section } from './support/section.ts';
import { loggedProblems, parseLogLines } from './support/server-process.ts';
import { startInSyncPair } from './support/station-pair.ts';
import { formatCount, formatMs, printFigures, printNote, type Figure } from './support/table.ts';
import { delay, nowMs } from './support/timing.ts';
import { benchChoices, benchGroup } from './support/workload.ts';

const targetMs = 2_000;
const aimMs = 1_000;
const rounds = 3;
const retryEveryMs = 10;
const giveUpMs = 30_000;
/** Light load: this many clients, each voting once every `loadPauseMs`. */
const loadClients = 4;
const loadPauseMs = 20;
const votersPerLoadClient = 10;
const loadElections = 40;

interface Round {
  readonly takeOverMs: number;
  readonly attempts: number;
  /** What the backup answered before it accepted, by cause. */
  readonly refusals: ReadonlyMap<string, number>;
  /** From the backup's log, ms after the kill (wall clock, ms resolution). */
  readonly linkLostMs: number;
  readonly promotedMs: number;
  readonly loadVotes: number;
  readonly problems: readonly string[];
}

async function signIn(client: VotingClient, key: VoterKey): Promise<Uint8Array> {
  return client.auth(key.name, signChallenge(key, await client.preAuth(key.name)));
}

async function register(client: VotingClient, key: VoterKey): Promise<void> {
  const code = await client.registerVoter(key.name, benchGroup, key.publicKey);
  if (code !== 0) throw new Error(`RegisterVoter ${key.name} answered code ${code}`);
}

/** A few clients voting at a gentle pace on the primary until `stop` is set. */
class LightLoad {
  votes = 0;
  private stopped = false;
  private readonly lanes: Promise<void>[];

  constructor(address: string, tokens: readonly (readonly Uint8Array[])[], elections: readonly string[]) {
    this.lanes = tokens.map(async (laneTokens) => {
      const client = new VotingClient(address);
      try {
        for (const election of elections) {
          for (const [index, token] of laneTokens.entries()) {
            if (this.stopped) return;
            try {
              const code = await client.castVote(
                token,
                election,
                benchChoices[index % benchChoices.length] ?? '',
                1_000,
              );
              if (code === 0) this.votes += 1;
            } catch {
              // After the kill the primary is gone: the load just goes on failing until stopped.
            }
            await delay(loadPauseMs);
          }
        }
      } finally {
        client.close();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lanes);
  }
}

/** The wall-clock time of the first `event` logged at or after `fromEpochMs` (earlier ones belong to the set-up). */
function loggedTimeMs(lines: readonly string[], event: string, fromEpochMs: number): number {
  for (const entry of parseLogLines(lines)) {
    const time = entry['time'];
    if (entry['event'] !== event || typeof time !== 'string') continue;
    const ms = Date.parse(time);
    if (ms >= fromEpochMs) return ms;
  }
  return NaN;
}

async function runRound(scope: Scope, loadMs: number): Promise<Round> {
  const { primary, backup } = await startInSyncPair(scope);
  const setupClient = new VotingClient(primary.server.address);
  const backupClient = new VotingClient(backup.server.address);
  let load: LightLoad | null = null;
  try {
    const official = newVoterKey('official');
    const taker = newVoterKey('takeover-voter');
    const loadKeys = Array.from({ length: loadClients }, (_, lane) =>
      Array.from({ length: votersPerLoadClient }, (_unused, index) => newVoterKey(`load-${lane}-${index}`)),
    );
    for (const key of [official, taker, ...loadKeys.flat()]) await register(setupClient, key);
    const officialToken = await signIn(setupClient, official);
    const elections = ['takeover', ...Array.from({ length: loadElections }, (_, index) => `load-${index}`)];
    const endsAtMs = Date.now() + 60 * 60 * 1000;
    for (const name of elections) {
      const code = await setupClient.createElection(
        officialToken,
        name,
        [benchGroup],
        benchChoices,
        endsAtMs,
      );
      if (code !== 0) throw new Error(`CreateElection ${name} answered code ${code}`);
    }
    const takerToken = await signIn(setupClient, taker);
    const loadTokens = await Promise.all(
      loadKeys.map(async (keys) => {
        const tokens: Uint8Array[] = [];
        for (const key of keys) tokens.push(await signIn(setupClient, key));
        return tokens;
      }),
    );

    // The standby refuses writes (this also opens the client's connection to it before the kill).
    try {
      const code = await backupClient.castVote(takerToken, 'takeover', 'yes', 2_000);
      throw new Error(`the standby backup answered ${code} instead of refusing the vote`);
    } catch (error) {
      if (!(error instanceof GrpcCallError)) throw error;
    }

    load = new LightLoad(primary.server.address, loadTokens, elections.slice(1));
    await delay(loadMs);
    const before = await primary.status();
    if (before === null || !before.peer.inSync) {
      throw new Error(`the pair is not in sync before the kill: ${JSON.stringify(before)}`);
    }

    const killedAtEpochMs = Date.now();
    const killedAt = nowMs();
    primary.server.child.kill('SIGKILL');

    const refusals = new Map<string, number>();
    let attempts = 0;
    let acceptedAt = NaN;
    while (nowMs() - killedAt < giveUpMs) {
      const sent = nowMs();
      attempts += 1;
      try {
        const code = await backupClient.castVote(takerToken, 'takeover', 'yes', 1_000);
        if (code === 0) {
          acceptedAt = nowMs();
          break;
        }
        refusals.set(`code ${code}`, (refusals.get(`code ${code}`) ?? 0) + 1);
      } catch (error) {
        const cause = error instanceof GrpcCallError ? grpc.status[error.code] : String(error);
        refusals.set(cause, (refusals.get(cause) ?? 0) + 1);
      }
      await delay(Math.max(0, retryEveryMs - (nowMs() - sent)));
    }
    await load.stop();
    if (Number.isNaN(acceptedAt)) throw new Error(`the backup accepted no vote within ${giveUpMs} ms`);

    const lines = backup.server.stderrLines;
    const round: Round = {
      takeOverMs: acceptedAt - killedAt,
      attempts,
      refusals,
      linkLostMs: loggedTimeMs(lines, 'replication-peer-lost', killedAtEpochMs) - killedAtEpochMs,
      promotedMs: loggedTimeMs(lines, 'replication-promoted', killedAtEpochMs) - killedAtEpochMs,
      loadVotes: load.votes,
      problems: loggedProblems(lines).filter(
        // Expected once the primary is gone: the link drops and the new primary serves alone.
        (line) => !/replication-(peer-lost|peer-silent|channel-error|unprotected)/.test(line),
      ),
    };
    await backup.server.stop();
    return round;
  } finally {
    await load?.stop();
    setupClient.close();
    backupClient.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

async function run({ quick }: BenchOptions, scope: Scope): Promise<void> {
  const loadMs = quick ? 500 : 2_000;
  const results: Round[] = [];
  for (let index = 0; index < rounds; index += 1) results.push(await runRound(scope, loadMs));

  const takeOvers = results.map((result) => result.takeOverMs);
  const middle = median(takeOvers);
  const figures: Figure[] = results.map((result, index) => ({
    label: `round ${index + 1}: SIGKILL → first vote accepted by the backup`,
    value: formatMs(result.takeOverMs),
    target: `≤ ${formatMs(targetMs)}`,
    met: result.takeOverMs <= targetMs,
  }));
  figures.push(
    {
      label: 'median take-over',
      value: formatMs(middle),
      target: `≤ ${formatMs(targetMs)} (aim ${formatMs(aimMs)})`,
      met: middle <= targetMs,
    },
    {
      label: 'backup log: link lost / promoted (median, after the kill)',
      value: `${formatMs(median(results.map((result) => result.linkLostMs)))} / ${formatMs(median(results.map((result) => result.promotedMs)))}`,
    },
  );
  printFigures(figures);
  printNote('context (given, not measured): the original course server needs at least 5 s to fail over');
  printNote(
    `default --failover-ms (1500); ${loadClients} clients voted on the primary, one vote every ${loadPauseMs} ms each, ` +
      `for ${formatMs(loadMs)} before the kill; the retrying client calls CastVote on the backup every ~${retryEveryMs} ms`,
  );
  for (const [index, result] of results.entries()) {
    printNote(
      `round ${index + 1}: ${formatCount(result.loadVotes)} load votes acknowledged; backup log: link lost ` +
        `${formatMs(result.linkLostMs)}, promoted ${formatMs(result.promotedMs)} after the kill; ` +
        `${result.attempts} attempt(s) (${[...result.refusals].map(([cause, count]) => `${cause} × ${count}`).join(', ')})`,
    );
    for (const problem of result.problems) printNote(`round ${index + 1}: backup logged: ${problem}`);
  }
}

export const takeOverSection: Section = {
  name: 'takeover',
  title: '6. Take-over: primary SIGKILLed → first vote accepted by the backup',
  run,
};
