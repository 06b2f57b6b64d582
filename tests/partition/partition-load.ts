/**
 * Voters and their votes for the partition tests. Every voter has two
 * choices of their own in their election (`<voter>/1`, `<voter>/2`), so the
 * results say, voter by voter, whether their vote counts and which one: a
 * count of 1 for one of them, 0 for the other, or none at all.
 *
 * The load: a new voter starts voting every `paceMs`, at the station they
 * prefer (half prefer `a`, half `b`); a refusal (UNAVAILABLE), a call with no
 * answer or a failed call sends them to the other station, as a voting
 * client would do. Some voters, once acknowledged, also vote their other
 * choice at the other station (a voter trying twice). Every call and its
 * outcome is recorded.
 */
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { newVoter, type TestVoter } from '../support/station-fixtures.ts';
import { settle } from '../support/voting-client.ts';
import { otherStation, type Cluster, type Official, type StationName } from './partition-cluster.ts';

export interface ElectionPlan {
  readonly name: string;
  /** Only this group's voters may vote in it. */
  readonly group: string;
  readonly choices: readonly string[];
}

export interface Ballot {
  readonly voter: TestVoter;
  readonly election: string;
  readonly group: string;
  /** The voter's own two choices in the election. */
  readonly choices: readonly [string, string];
  /** The station the voter tries first. */
  readonly prefers: StationName;
}

export interface Electorate {
  readonly elections: readonly ElectionPlan[];
  readonly ballots: readonly Ballot[];
}

/** What became of one CastVote call. */
export type VoteOutcome =
  /** Status 0: acknowledged. */
  | 'ok'
  /** Status 4: the station holds a vote of this voter in this election. */
  | 'already-voted'
  /** Another status: the station answered and refused. */
  | 'refused'
  /** gRPC UNAVAILABLE: refused, or (a primary that lost its majority) kept but not acknowledged. */
  | 'unavailable'
  /** No answer in time, or another gRPC error: it may or may not have been recorded. */
  | 'unknown';

export interface VoteAttempt {
  readonly voter: string;
  readonly election: string;
  readonly station: StationName;
  readonly choice: string;
  readonly sentAtMs: number;
  readonly answeredAtMs: number;
  readonly outcome: VoteOutcome;
  readonly detail: string;
}

const votersPerElection = 32;
const attemptsMax = 6;
const retryPauseMs = 150;

/** `elections` elections of 32 voters each (64 choices: two per voter, the protocol's limit). */
export function planElectorate(elections: number): Electorate {
  const plans: ElectionPlan[] = [];
  const ballots: Ballot[] = [];
  for (let election = 0; election < elections; election += 1) {
    const name = `Election ${election}`;
    const group = `group-${election}`;
    const choices: string[] = [];
    for (let index = 0; index < votersPerElection; index += 1) {
      const voter = newVoter(`voter-${election}-${index}`);
      const own = [`${voter.name}/1`, `${voter.name}/2`] as const;
      choices.push(...own);
      ballots.push({ voter, election: name, group, choices: own, prefers: index % 2 === 0 ? 'a' : 'b' });
    }
    plans.push({ name, group, choices });
  }
  // Interleaved, so that every election gets votes throughout the run.
  ballots.sort((x, y) => ballotOrder(x) - ballotOrder(y));
  return { elections: plans, ballots };
}

function ballotOrder(ballot: Ballot): number {
  const [, election = '0', index = '0'] = ballot.voter.name.split('-');
  return Number(index) * 10_000 + Number(election);
}

/**
 * Registers every voter and creates every election (ending at `endsAtMs`) through the
 * interface of station `a`, then signs every voter in over gRPC there; returns their tokens.
 */
export async function setUpElectorate(
  cluster: Cluster,
  official: Official,
  electorate: Electorate,
  endsAtMs: number,
): Promise<Map<string, Uint8Array>> {
  const { api, client } = cluster.stations.a;
  const session = await official.session('a');
  await inBatches(electorate.ballots, async ({ voter, group }) => {
    const answer = await api.registerVoter({
      session,
      name: voter.name,
      group,
      publicKey: voter.keyPair.publicKey,
    });
    if (!('code' in answer) || answer.code !== 0) {
      throw new Error(`registering ${voter.name} was refused: ${JSON.stringify(answer)}`);
    }
  });
  for (const election of electorate.elections) {
    const answer = await api.createElection({
      session,
      name: election.name,
      groups: [election.group],
      choices: election.choices,
      endsAtMs,
    });
    if (!('code' in answer) || answer.code !== 0) {
      throw new Error(`creating ${election.name} was refused: ${JSON.stringify(answer)}`);
    }
  }
  const tokens = new Map<string, Uint8Array>();
  await inBatches(electorate.ballots, async ({ voter }) => {
    tokens.set(voter.name, await client.signIn(voter.name, voter.keyPair.secretKey));
  });
  return tokens;
}

async function inBatches<T>(
  items: readonly T[],
  action: (item: T) => Promise<void>,
  size = 16,
): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(action));
  }
}

/** Casts votes and records every call. */
export class VoteRecorder {
  readonly attempts: VoteAttempt[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly tokens: ReadonlyMap<string, Uint8Array>,
  ) {}

  /** One CastVote call, recorded. */
  async cast(ballot: Ballot, choice: string, station: StationName): Promise<VoteOutcome> {
    const token = this.tokens.get(ballot.voter.name);
    if (token === undefined) throw new Error(`${ballot.voter.name} has not signed in`);
    const sentAtMs = Date.now();
    const answer = await settle(
      this.cluster.stations[station].client.castVote({ token, election: ballot.election, choice }),
    );
    const outcome: VoteOutcome = answer.ok
      ? answer.value === 0
        ? 'ok'
        : answer.value === 4
          ? 'already-voted'
          : 'refused'
      : answer.error.code === grpc.status.UNAVAILABLE
        ? 'unavailable'
        : 'unknown';
    this.attempts.push({
      voter: ballot.voter.name,
      election: ballot.election,
      station,
      choice,
      sentAtMs,
      answeredAtMs: Date.now(),
      outcome,
      detail: answer.ok ? `status ${answer.value}` : answer.error.message,
    });
    return outcome;
  }

  /**
   * Casts `choice` at the stations of `order` in turn (from the first again once all were
   * tried) until one answers with a status, at most `attemptsMax` calls; returns the
   * station and outcome of that answer, or null if none came.
   */
  async castUntilAnswered(
    ballot: Ballot,
    choice: string,
    order: readonly StationName[],
  ): Promise<{ readonly station: StationName; readonly outcome: VoteOutcome } | null> {
    for (let attempt = 0; attempt < attemptsMax; attempt += 1) {
      const station = order[attempt % order.length] ?? 'a';
      const outcome = await this.cast(ballot, choice, station);
      if (outcome === 'ok' || outcome === 'already-voted' || outcome === 'refused')
        return { station, outcome };
      await sleep(retryPauseMs);
    }
    return null;
  }

  /**
   * The voter's whole try: their first choice at their preferred station (the other one
   * if refused); a voter who tries twice then votes their second choice at the station that
   * did not acknowledge the first.
   */
  async vote(ballot: Ballot, triesTwice: boolean): Promise<void> {
    const first = await this.castUntilAnswered(ballot, ballot.choices[0], [
      ballot.prefers,
      otherStation(ballot.prefers),
    ]);
    if (triesTwice && first?.outcome === 'ok') {
      await this.castUntilAnswered(ballot, ballot.choices[1], [otherStation(first.station)]);
    }
  }
}

export interface Load {
  /** Starts no new voter from now on and resolves once every voter started has finished. */
  stop(): Promise<void>;
  /** Voters started so far. */
  started(): number;
}

/**
 * Starts a voter every `paceMs` (taken from `ballots` in order) until stopped, until
 * `untilMs`, or until none is left; every `doubleEvery`-th voter tries twice.
 */
export function startLoad(
  recorder: VoteRecorder,
  ballots: readonly Ballot[],
  options: { readonly paceMs: number; readonly doubleEvery: number; readonly untilMs: number },
): Load {
  const state = { running: true, next: 0 };
  const voting: Promise<void>[] = [];
  const loop = (async () => {
    while (state.running && Date.now() < options.untilMs) {
      const ballot = ballots[state.next];
      if (ballot === undefined) return;
      voting.push(recorder.vote(ballot, state.next % options.doubleEvery === options.doubleEvery - 1));
      state.next += 1;
      await sleep(options.paceMs);
    }
  })();
  return {
    async stop() {
      state.running = false;
      await loop;
      await Promise.all(voting);
    },
    started: () => state.next,
  };
}
