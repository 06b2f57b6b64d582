/**
 * Real-process crash tests: a station process under concurrent load (votes,
 * registrations, elections from 32 workers) is killed with SIGKILL at a
 * random moment, restarted on the same data directory, and checked against
 * what its clients were told:
 *
 * - every acknowledged write is there (a re-vote answers 4, RegisterVoter
 *   again answers 1, the election exists);
 * - a write whose outcome is unknown (its call failed because of the kill) is
 *   either wholly there or wholly absent; the test finds out which (a re-vote
 *   answers 4 iff the vote is in, and otherwise casts it now with the same
 *   choice), so it knows every ballot in every election;
 * - nothing is half-applied or invented: once an election has ended, its
 *   tallies equal exactly the votes known to be in, choice by choice (so they
 *   are at least the acknowledged votes and at most acknowledged + unknown,
 *   and their sum is the number of voters whose re-vote answered 4).
 *
 * Five kill rounds run on one directory, so recovery of a recovered directory
 * is exercised. A second test stops the station with SIGTERM under load: exit
 * code 0, and everything acknowledged is there after the restart.
 *
 * The random choices come from a seeded PRNG; the seed is printed, and
 * EVOTE_CRASH_SEED=<seed> replays the same kill delays, keys and planned
 * ballots (how the concurrent load interleaves is up to the scheduler).
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDirectory, temporaryDirectory } from '../support/station-fixtures.ts';
import { killRunningStations, startStation, type StationProcess } from '../support/station-process.ts';
import { settle, VotingClient, type CallResult } from '../support/voting-client.ts';

const seed = Number(process.env['EVOTE_CRASH_SEED'] ?? randomInt(2 ** 31));
console.log(`kill-under-load: seed ${seed} (EVOTE_CRASH_SEED=${seed} replays it)`);

const workerCount = 32;
const group = 'hall';
const choices = ['choice-red', 'choice-green', 'choice-blue'] as const;
/** Long enough to kill, restart and check a round while its election is still open. */
const roundElectionMs = 15_000;
/** A re-vote this close to an election's end might race it; such checks wait for the tally. */
const closingMarginMs = 2_000;

/** mulberry32: a small, seeded, reproducible PRNG. */
function seededRandom(initial: number): () => number {
  let state = initial >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

interface Voter {
  readonly name: string;
  readonly keyPair: nacl.SignKeyPair;
}

interface ElectionModel {
  readonly name: string;
  readonly endsAtMs: number;
  /** Each voter's one choice in this election, fixed before any attempt. */
  readonly planned: Map<string, string>;
  /** Voters whose vote is known to be in (acknowledged, or found present). */
  readonly present: Set<string>;
  /** Voters whose vote call failed because of the kill. */
  readonly unknown: Set<string>;
  /** Whether the final tally was checked after the election ended. */
  tallyChecked: boolean;
}

interface RoundStats {
  acknowledgedVotes: number;
  unknownVotes: number;
  acknowledgedRegistrations: number;
  unknownRegistrations: number;
  acknowledgedElections: number;
  unknownElections: number;
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

function expectAnswer<T>(result: CallResult<T>, what: string): T {
  if (!result.ok) throw new Error(`${what}: ${result.error.message}`);
  return result.value;
}

/** A station directory, the process serving it, and everything its clients were told. */
class CrashRig {
  readonly random: () => number;
  /** Kill delays come from their own stream, so that every round's delay replays from the seed. */
  private readonly killDelays: () => number;
  station: StationProcess | null = null;
  client: VotingClient | null = null;

  readonly voters: Voter[] = [];
  readonly tokens = new Map<string, Uint8Array>();
  /** Voters registered under load, known to exist. */
  readonly registered = new Map<string, Voter>();
  readonly unknownRegistrations = new Map<string, Voter>();
  /** Per-round elections (voted on under load), in creation order. */
  readonly elections: ElectionModel[] = [];
  /** Elections created under load: known to exist, of unknown outcome, known to be absent. */
  readonly loadElections = new Set<string>();
  readonly unknownLoadElections = new Set<string>();
  readonly absentLoadElections = new Set<string>();
  /** Answers that no correct station gives; the test fails if there is any. */
  readonly unexpected: string[] = [];
  /** Keys for voters registered under load: a few, shared, so that load is not slowed by key generation. */
  private readonly loadKeys: nacl.SignKeyPair[];

  constructor(
    readonly dataDir: string,
    randomSeed: number,
  ) {
    this.random = seededRandom(randomSeed);
    this.killDelays = seededRandom(randomSeed ^ 0x5bd1e995);
    this.loadKeys = Array.from({ length: 8 }, () => nacl.sign.keyPair.fromSeed(this.randomBytes(32)));
  }

  randomBytes(count: number): Uint8Array {
    return Uint8Array.from({ length: count }, () => Math.floor(this.random() * 256));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  get api(): VotingClient {
    if (this.client === null) throw new Error('no station is running');
    return this.client;
  }

  async start(): Promise<void> {
    this.station = await startStation({ dataDir: this.dataDir });
    this.client = new VotingClient(this.station.grpcAddress);
  }

  /** Stops the station with `signal` and checks how it ended. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const station = this.station;
    if (station === null) throw new Error('no station is running');
    const exit = await station.stop(signal);
    if (signal === 'SIGKILL') {
      expect(exit.signal, 'the station was killed').toBe('SIGKILL');
    } else {
      expect(exit, `the station stops cleanly on SIGTERM\n${station.logs()}`).toEqual({
        code: 0,
        signal: null,
      });
      expect(station.logs()).toContain('"event":"station-stop-complete"');
    }
    this.client?.close();
    this.client = null;
    this.station = null;
  }

  /** Registers and signs in `count` voters before any load. */
  async addVoters(count: number): Promise<void> {
    const fresh = Array.from({ length: count }, (_, index) => ({
      name: `voter-${this.voters.length + index}`,
      keyPair: nacl.sign.keyPair.fromSeed(this.randomBytes(32)),
    }));
    await forEachConcurrently(fresh, workerCount, async (voter) => {
      const code = expectAnswer(
        await settle(this.api.registerVoter({ name: voter.name, group, publicKey: voter.keyPair.publicKey })),
        `registering ${voter.name}`,
      );
      expect(code, `registering ${voter.name}`).toBe(0);
      this.tokens.set(voter.name, await this.api.signIn(voter.name, voter.keyPair.secretKey));
    });
    this.voters.push(...fresh);
  }

  /** Creates an election of a round, with a planned choice for every voter. */
  async addElection(name: string, durationMs: number): Promise<ElectionModel> {
    const token = this.tokens.get(this.voters[0]?.name ?? '');
    if (token === undefined) throw new Error('no voter to create elections with');
    const endsAtMs = Date.now() + durationMs;
    const code = await this.api.createElection({ token, name, groups: [group], choices, endsAtMs });
    expect(code, `creating ${name}`).toBe(0);
    const election: ElectionModel = {
      name,
      endsAtMs,
      planned: new Map(this.voters.map((voter) => [voter.name, this.pick(choices)])),
      present: new Set(),
      unknown: new Set(),
      tallyChecked: false,
    };
    this.elections.push(election);
    return election;
  }

  /**
   * Runs the load from `workerCount` workers, stops the station with
   * `signal` after a random 50–800 ms, and waits until every call has ended.
   */
  async loadAndStop(
    round: string,
    elections: readonly ElectionModel[],
    signal: 'SIGKILL' | 'SIGTERM',
  ): Promise<RoundStats> {
    const stats: RoundStats = {
      acknowledgedVotes: 0,
      unknownVotes: 0,
      acknowledgedRegistrations: 0,
      unknownRegistrations: 0,
      acknowledgedElections: 0,
      unknownElections: 0,
    };
    const client = this.api;
    const creatorToken = this.tokens.get(this.voters[0]?.name ?? '') ?? new Uint8Array();
    // Every voter votes once in each election of the round, in random order.
    const ballots = elections
      .flatMap((election) => this.voters.map((voter) => ({ election, voterName: voter.name })))
      .map((ballot) => ({ ballot, order: this.random() }))
      .sort((a, b) => a.order - b.order)
      .map(({ ballot }) => ballot);
    let registrationCount = 0;
    let electionCount = 0;
    let stopping = false;

    /** An error before the stop began is a station failure, not an unknown outcome. */
    const failed = (what: string, result: CallResult<number>): boolean => {
      if (result.ok) return false;
      if (!stopping) this.unexpected.push(`${what} failed before the stop: ${result.error.message}`);
      return true;
    };

    const castOne = async ({ election, voterName }: { election: ElectionModel; voterName: string }) => {
      const choice = election.planned.get(voterName) ?? choices[0];
      const token = this.tokens.get(voterName) ?? new Uint8Array();
      const result = await settle(client.castVote({ token, election: election.name, choice }));
      if (failed(`vote of ${voterName}`, result)) {
        election.unknown.add(voterName);
        stats.unknownVotes++;
      } else if (result.ok && result.value === 0) {
        election.present.add(voterName);
        stats.acknowledgedVotes++;
      } else {
        this.unexpected.push(`vote of ${voterName} in ${election.name} answered ${JSON.stringify(result)}`);
      }
    };

    const registerOne = async (): Promise<void> => {
      const voter = { name: `${round}-new-${registrationCount++}`, keyPair: this.pick(this.loadKeys) };
      const result = await settle(
        client.registerVoter({ name: voter.name, group, publicKey: voter.keyPair.publicKey }),
      );
      if (failed(`registration of ${voter.name}`, result)) {
        this.unknownRegistrations.set(voter.name, voter);
        stats.unknownRegistrations++;
      } else if (result.ok && result.value === 0) {
        this.registered.set(voter.name, voter);
        stats.acknowledgedRegistrations++;
      } else {
        this.unexpected.push(`registration of ${voter.name} answered ${JSON.stringify(result)}`);
      }
    };

    const createOne = async (): Promise<void> => {
      const name = `${round}-load-election-${electionCount++}`;
      const result = await settle(
        client.createElection({
          token: creatorToken,
          name,
          groups: [group],
          choices: ['choice-load'],
          endsAtMs: Date.now() + 60 * 60 * 1000,
        }),
      );
      if (failed(`creation of ${name}`, result)) {
        this.unknownLoadElections.add(name);
        stats.unknownElections++;
      } else if (result.ok && result.value === 0) {
        this.loadElections.add(name);
        stats.acknowledgedElections++;
      } else {
        this.unexpected.push(`creation of ${name} answered ${JSON.stringify(result)}`);
      }
    };

    const worker = async (): Promise<void> => {
      while (!stopping) {
        const dice = this.random();
        const ballot = dice < 0.7 ? ballots.pop() : undefined;
        if (ballot !== undefined) await castOne(ballot);
        else if (dice < 0.97) await registerOne();
        else await createOne();
      }
    };

    const delayMs = 50 + Math.floor(this.killDelays() * 750);
    const workers = Array.from({ length: workerCount }, worker);
    await sleep(delayMs);
    // Timers run before the event loop reads sockets: answers to the workers may be waiting unread.
    // Past the next poll phase they are read and the workers' next calls are on their way.
    await new Promise((resolve) => setImmediate(resolve));
    stopping = true;
    await this.stop(signal);
    await Promise.all(workers);
    console.log(`kill-under-load ${round}: ${signal} after ${delayMs} ms: ${JSON.stringify(stats)}`);
    return stats;
  }

  /** Checks everything the clients were told against the restarted station, and settles every unknown outcome. */
  async verify(roundElections: readonly ElectionModel[]): Promise<void> {
    const client = this.api;

    // Registrations: acknowledged ones exist (1); unknown ones exist (1) or are made now (0).
    await forEachConcurrently([...this.registered.values()], workerCount, async (voter) => {
      const code = await client.registerVoter({
        name: voter.name,
        group,
        publicKey: voter.keyPair.publicKey,
      });
      expect(code, `acknowledged registration of ${voter.name} is present`).toBe(1);
    });
    const unknownRegistrations = [...this.unknownRegistrations.values()];
    await forEachConcurrently(unknownRegistrations, workerCount, async (voter) => {
      const code = await client.registerVoter({
        name: voter.name,
        group,
        publicKey: voter.keyPair.publicKey,
      });
      expect([0, 1], `registration of ${voter.name} of unknown outcome`).toContain(code);
      this.registered.set(voter.name, voter);
    });
    this.unknownRegistrations.clear();
    // A registration is whole: the voter signs in with the key it was registered with.
    for (const voter of unknownRegistrations.slice(0, 8)) {
      expect((await client.signIn(voter.name, voter.keyPair.secretKey)).length).toBeGreaterThan(0);
    }
    const sample = [...this.registered.values()].slice(-8);
    for (const voter of sample) {
      expect((await client.signIn(voter.name, voter.keyPair.secretKey)).length).toBeGreaterThan(0);
    }

    // Elections created under load: present ones are ongoing (2), absent ones unknown (1).
    for (const name of this.loadElections) {
      expect((await client.getResult(name)).status, `acknowledged election ${name} is present`).toBe(2);
    }
    for (const name of this.absentLoadElections) {
      expect((await client.getResult(name)).status, `absent election ${name} stays absent`).toBe(1);
    }
    for (const name of this.unknownLoadElections) {
      const status = (await client.getResult(name)).status;
      expect([1, 2], `election ${name} of unknown outcome`).toContain(status);
      (status === 2 ? this.loadElections : this.absentLoadElections).add(name);
    }
    this.unknownLoadElections.clear();

    for (const election of this.elections) {
      if (Date.now() < election.endsAtMs - closingMarginMs) {
        await this.verifyOpenElection(election);
      } else if (roundElections.includes(election)) {
        throw new Error(
          `election ${election.name} is about to close before its round was checked: the machine is too slow for this test`,
        );
      } else if (Date.now() > election.endsAtMs + 100) {
        await this.verifyTally(election);
      }
    }
  }

  /** Re-votes: 4 iff the vote is in. An unknown vote that is absent is cast now, with its planned choice. */
  private async verifyOpenElection(election: ElectionModel): Promise<void> {
    const client = this.api;
    const revote = async (voterName: string): Promise<number> =>
      client.castVote({
        token: this.tokens.get(voterName) ?? new Uint8Array(),
        election: election.name,
        choice: election.planned.get(voterName) ?? choices[0],
      });
    await forEachConcurrently([...election.present], workerCount, async (voterName) => {
      expect(
        await revote(voterName),
        `acknowledged vote of ${voterName} in ${election.name} is present`,
      ).toBe(4);
    });
    await forEachConcurrently([...election.unknown], workerCount, async (voterName) => {
      const code = await revote(voterName);
      expect([0, 4], `vote of ${voterName} in ${election.name} of unknown outcome`).toContain(code);
      election.present.add(voterName);
    });
    election.unknown.clear();
  }

  /** An ended election's tallies are exactly the votes known to be in. */
  async verifyTally(election: ElectionModel): Promise<void> {
    expect(
      election.unknown.size,
      `every unknown vote in ${election.name} was settled while it was open`,
    ).toBe(0);
    const expected = choices.map((choice) => ({
      choiceName: choice,
      count: [...election.present].filter((voter) => election.planned.get(voter) === choice).length,
    }));
    const result = await this.api.getResult(election.name);
    expect(result, `tallies of ${election.name}`).toEqual({ status: 0, counts: expected });
    const total = result.counts.reduce((sum, { count }) => sum + count, 0);
    expect(total, `votes counted in ${election.name} = voters whose vote is in`).toBe(election.present.size);
    election.tallyChecked = true;
  }

  /** Waits for every round election to end and checks all tallies. */
  async verifyAllTallies(): Promise<void> {
    const lastEndMs = Math.max(...this.elections.map((election) => election.endsAtMs));
    await sleep(Math.max(0, lastEndMs + 200 - Date.now()));
    for (const election of this.elections) await this.verifyTally(election);
  }
}

describe('crash: kill under load', () => {
  const dirs: string[] = [];

  afterEach(async () => {
    await killRunningStations();
    for (const dir of dirs.splice(0)) await removeDirectory(dir);
  });

  it('keeps every acknowledged write and half-applies nothing across five SIGKILL rounds on one directory', async () => {
    const dir = await temporaryDirectory('evote-kill-');
    dirs.push(dir);
    const rig = new CrashRig(dir, seed);
    await rig.start();
    await rig.addVoters(300);
    const rounds = 5;
    const totals = {
      acknowledgedVotes: 0,
      unknownVotes: 0,
      acknowledgedRegistrations: 0,
      unknownRegistrations: 0,
    };
    for (let round = 1; round <= rounds; round++) {
      const elections = [
        await rig.addElection(`round-${round}-a`, roundElectionMs),
        await rig.addElection(`round-${round}-b`, roundElectionMs),
        await rig.addElection(`round-${round}-c`, roundElectionMs),
      ];
      const stats = await rig.loadAndStop(`r${round}`, elections, 'SIGKILL');
      // The kill landed while calls were in flight: 32 workers always have one going.
      expect(stats.unknownVotes + stats.unknownRegistrations + stats.unknownElections).toBeGreaterThan(0);
      totals.acknowledgedVotes += stats.acknowledgedVotes;
      totals.unknownVotes += stats.unknownVotes;
      totals.acknowledgedRegistrations += stats.acknowledgedRegistrations;
      totals.unknownRegistrations += stats.unknownRegistrations;
      await rig.start();
      await rig.verify(elections);
      expect(rig.unexpected).toEqual([]);
    }
    await rig.verifyAllTallies();
    await rig.stop('SIGTERM');
    console.log(`kill-under-load totals: ${JSON.stringify(totals)}`);
    // The test really wrote under load.
    expect(totals.acknowledgedVotes).toBeGreaterThan(0);
    expect(totals.acknowledgedRegistrations).toBeGreaterThan(0);
    expect(rig.elections.every((election) => election.tallyChecked)).toBe(true);
  }, 90_000);

  it('stops with exit code 0 on SIGTERM under load, and keeps everything acknowledged', async () => {
    const dir = await temporaryDirectory('evote-term-');
    dirs.push(dir);
    const rig = new CrashRig(dir, seed + 1);
    await rig.start();
    await rig.addVoters(150);
    const elections = [
      await rig.addElection('term-a', roundElectionMs),
      await rig.addElection('term-b', roundElectionMs),
    ];
    const stats = await rig.loadAndStop('term', elections, 'SIGTERM');
    expect(stats.acknowledgedVotes + stats.acknowledgedRegistrations).toBeGreaterThan(0);
    await rig.start();
    await rig.verify(elections);
    expect(rig.unexpected).toEqual([]);
    await rig.stop('SIGTERM');
  }, 60_000);
});
