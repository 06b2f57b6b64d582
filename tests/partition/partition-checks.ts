/**
 * What the partition tests read off a scenario's run: per voter, which of
 * their choices the final results count and which of their calls were
 * acknowledged; per sample, which stations took writes in which epoch.
 */
import { expect } from 'vitest';
import type { StatusSample } from '../replication/pair-harness.ts';
import type { StationName } from './partition-cluster.ts';
import type { Ballot, VoteAttempt } from './partition-load.ts';
import type { Results, ScenarioRun } from './partition-scenario.ts';

export interface VoterRecord {
  readonly ballot: Ballot;
  /** The voter's calls, in the order they were answered. */
  readonly attempts: readonly VoteAttempt[];
  /** The acknowledged ones (status 0). */
  readonly acknowledged: readonly VoteAttempt[];
  /** Each of the voter's two choices and its count in the final results. */
  readonly counts: ReadonlyMap<string, number>;
  /** Sum of the counts of the voter's choices: 1 if their vote counts, 0 if not. */
  readonly counted: number;
}

/** Every voter of the electorate with their calls and what the results count for them. */
export function voterRecords(run: ScenarioRun, results: Results): VoterRecord[] {
  const byVoter = new Map<string, VoteAttempt[]>();
  for (const attempt of run.attempts) {
    const list = byVoter.get(attempt.voter) ?? [];
    list.push(attempt);
    byVoter.set(attempt.voter, list);
  }
  return run.electorate.ballots.map((ballot) => {
    const attempts = byVoter.get(ballot.voter.name) ?? [];
    const election = results.get(ballot.election);
    const counts = new Map(ballot.choices.map((choice) => [choice, election?.get(choice) ?? 0]));
    return {
      ballot,
      attempts,
      acknowledged: attempts.filter((attempt) => attempt.outcome === 'ok'),
      counts,
      counted: [...counts.values()].reduce((sum, count) => sum + count, 0),
    };
  });
}

/** Sum of all counts of each election. */
export function talliesByElection(results: Results): Map<string, number> {
  return new Map(
    [...results].map(([election, counts]) => [election, [...counts.values()].reduce((sum, n) => sum + n, 0)]),
  );
}

/** Voters of each election (the most that can have voted). */
export function votersByElection(run: ScenarioRun): Map<string, number> {
  const voters = new Map<string, number>();
  for (const ballot of run.electorate.ballots)
    voters.set(ballot.election, (voters.get(ballot.election) ?? 0) + 1);
  return voters;
}

/** The samples in which both stations said they take writes. */
export function bothWritable(samples: readonly StatusSample[]): StatusSample[] {
  return samples.filter((sample) => sample.a?.writable === true && sample.b?.writable === true);
}

/** For every epoch seen, the stations (by id) that said they take writes in it. */
export function writersByEpoch(samples: readonly StatusSample[]): Map<number, Set<string>> {
  const writers = new Map<number, Set<string>>();
  for (const sample of samples) {
    for (const status of [sample.a, sample.b]) {
      if (status?.writable !== true) continue;
      const set = writers.get(status.epoch) ?? new Set<string>();
      set.add(status.stationId);
      writers.set(status.epoch, set);
    }
  }
  return writers;
}

/** The stations that acknowledged one of the voter's calls. */
export function acknowledgingStations(voter: VoterRecord): Set<StationName> {
  return new Set(voter.acknowledged.map((attempt) => attempt.station));
}

/** A short account of a voter, for a failed check's message. */
export function describeVoter(voter: VoterRecord): string {
  const calls = voter.attempts.map(
    (attempt) =>
      `${attempt.station} ${attempt.choice} ${attempt.outcome} (${attempt.detail}) at ${new Date(attempt.sentAtMs).toISOString()}`,
  );
  return `${voter.ballot.voter.name} in ${voter.ballot.election}: counts ${JSON.stringify([...voter.counts])}; calls: ${calls.join('; ')}`;
}

/** Fails, naming the first few voters and how many there are, unless `voters` is empty. */
export function expectNoVoters(what: string, voters: readonly VoterRecord[], context: string): void {
  expect(voters.slice(0, 10).map(describeVoter), `${what}: ${voters.length} voter(s)\n${context}`).toEqual(
    [],
  );
}

/**
 * What holds with a witness or without: the same results on both stations; no voter counted
 * twice, nor for a choice they never sent; each election's counts add up to the voters who
 * voted as the officials' list says, at most its voters. Returns the voters' records.
 */
export function checkCounts(run: ScenarioRun): VoterRecord[] {
  const context = run.describe();
  expect(run.results.b, 'both stations hold the same results').toEqual(run.results.a);
  const voters = voterRecords(run, run.results.a);
  expectNoVoters(
    'voters counted more than once',
    voters.filter((voter) => voter.counted > 1),
    context,
  );
  expectNoVoters(
    'voters counted for a choice they never sent',
    voters.filter((voter) =>
      [...voter.counts].some(
        ([choice, count]) => count > 0 && !voter.attempts.some((attempt) => attempt.choice === choice),
      ),
    ),
    context,
  );
  const electionVoters = votersByElection(run);
  for (const [election, total] of talliesByElection(run.results.a)) {
    expect(total, `${election}: counts against the voters who voted`).toBe(run.votesListed.get(election));
    expect(total, `${election}: counts against its voters`).toBeLessThanOrEqual(
      electionVoters.get(election) ?? 0,
    );
  }
  // The load was real: many voters were acknowledged.
  expect(voters.filter((voter) => voter.acknowledged.length > 0).length).toBeGreaterThan(100);
  return voters;
}
