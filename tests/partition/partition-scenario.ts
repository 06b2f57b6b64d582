/**
 * The partition scenario both tests run, with and without a witness: a pair
 * (and witness) in namespaces, elections with a voter pool, concurrent
 * voting throughout, and a schedule of faults on the cluster links, each
 * healed and followed by a wait until the pair has converged again:
 *
 * 1. the primary deaf (the switch drops all sent to it; what it sends goes out);
 * 2. the link between the stations cut both ways, both still reaching the witness;
 * 3. the primary cut off from everyone, until the backup takes writes; voters
 *    then vote at both stations at once (a voter's two tries);
 * 4. the primary on a slow, lossy link;
 * 5. the backup's link flapping;
 * 6. with a witness: the witness cut off, then the primary too.
 *
 * Both stations' /api/status is sampled every 100 ms throughout. Once the
 * elections have ended, both stations' results are read. The tests check
 * the invariants on what this returns.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { isSessionRefused } from '../../core/api/interface-api.ts';
import type { ConflictReport } from '../../core/engine/conflicts.ts';
import type { StationStatus } from '../../core/station/station-status.ts';
import { listNamespaces, namespacesSupported, removeAllNamespaces } from '../discovery/netns.ts';
import { watchStatusesAt, type StatusSample } from '../replication/pair-harness.ts';
import { pollUntil, waitUntil } from '../support/polling.ts';
import {
  conflictReport,
  currentPrimary,
  otherStation,
  setUpOfficial,
  startCluster,
  waitForConvergence,
  withContext,
  type Cluster,
  type PairStatus,
  type StationName,
} from './partition-cluster.ts';
import {
  planElectorate,
  setUpElectorate,
  startLoad,
  VoteRecorder,
  type Ballot,
  type Electorate,
  type VoteAttempt,
} from './partition-load.ts';

const failoverMs = 1_000;
const elections = 12;
const paceMs = 110;
/** From the elections' creation to their end: the set-up and the schedule need about two thirds of it. */
const electionSpanMs = 45_000;
/** No new voter starts this close to the end (a voter's retries take a few seconds). */
const loadStopsBeforeEndMs = 4_000;
/** Voters kept aside for phase 3, who vote at both stations at once. */
const bothSidesVoters = 6;

export interface Phase {
  readonly name: string;
  /** The primary when the phase began (the station its faults aimed at). */
  readonly primary: StationName;
  readonly startMs: number;
  /** When the heal began: every fault was in place until then. */
  readonly healingMs: number;
  readonly healedMs: number;
  /** When the pair had converged again. */
  readonly convergedMs: number;
}

/** One election's counts as a station reports them after its end, by choice. */
export type Results = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface ScenarioRun {
  readonly cluster: Cluster;
  readonly electorate: Electorate;
  readonly attempts: readonly VoteAttempt[];
  readonly samples: readonly StatusSample[];
  readonly phases: readonly Phase[];
  /** The voters who voted at both stations at once in phase 3. */
  readonly bothSides: readonly Ballot[];
  /** The statuses once the pair had converged for the last time. */
  readonly final: PairStatus;
  readonly primary: StationName;
  readonly results: Readonly<Record<StationName, Results>>;
  /** Votes per election (voters who voted) as the final primary lists them to an official. */
  readonly votesListed: ReadonlyMap<string, number>;
  /** The conflict report of each station (reconciliation after a split). */
  conflictReports(): Promise<Record<StationName, ConflictReport>>;
  /** Every process's log tail and the fault timeline, for messages. */
  describe(): string;
}

/**
 * The test file of a scenario: one test that runs it and checks the run with `check` (the
 * stations are removed afterwards either way), then one that checks that no namespace of this
 * run is left. Skipped, saying why, where network namespaces cannot be made.
 */
export function describePartitions(
  title: string,
  options: { readonly witness: boolean },
  testName: string,
  check: (run: ScenarioRun) => void | Promise<void>,
): void {
  const unsupported = namespacesSupported();
  describe.skipIf(unsupported !== null)(`${title}${unsupported === null ? '' : ` (${unsupported})`}`, () => {
    afterAll(async () => {
      await removeAllNamespaces();
    });

    it(
      testName,
      async () => {
        const run = await runPartitionScenario(options);
        try {
          await check(run);
        } finally {
          await run.cluster.remove();
        }
      },
      180_000,
    );

    it("leaves none of this run's network namespaces behind", () => {
      expect(listNamespaces().filter((name) => name.startsWith(`evt-${process.pid}-`))).toEqual([]);
    });
  });
}

export async function runPartitionScenario(options: { readonly witness: boolean }): Promise<ScenarioRun> {
  // The voters' keys first: made while no connection to a station idles (the event loop is busy meanwhile).
  const electorate = planElectorate(elections);
  const cluster = await startCluster({ witness: options.witness, failoverMs });
  const phases: Phase[] = [];
  try {
    return await runOn(cluster, electorate, phases, options.witness);
  } catch (error) {
    await cluster.remove();
    throw withContext(error, `${describePhases(phases)}\n${cluster.describe()}`);
  }
}

function describePhases(phases: readonly Phase[]): string {
  const lines = phases.map(
    (phase) =>
      `${phase.name} (primary ${phase.primary}): from ${new Date(phase.startMs).toISOString()}, ` +
      `healed +${phase.healedMs - phase.startMs} ms, converged +${phase.convergedMs - phase.startMs} ms`,
  );
  return `--- phases ---\n${lines.join('\n')}`;
}

async function runOn(
  cluster: Cluster,
  electorate: Electorate,
  phases: Phase[],
  withWitness: boolean,
): Promise<ScenarioRun> {
  const official = await setUpOfficial(cluster);
  const endsAtMs = Date.now() + electionSpanMs;
  const tokens = await setUpElectorate(cluster, official, electorate, endsAtMs);
  const bothSides = electorate.ballots.slice(0, bothSidesVoters);
  const pool = electorate.ballots.slice(bothSidesVoters);

  const recorder = new VoteRecorder(cluster, tokens);
  const watcher = watchStatusesAt(cluster.stations.a.origin, cluster.stations.b.origin, 100);
  const loadUntilMs = endsAtMs - loadStopsBeforeEndMs;
  const load = startLoad(recorder, pool, { paceMs, doubleEvery: 7, untilMs: loadUntilMs });
  let samples: StatusSample[];
  try {
    await runSchedule(cluster, withWitness, recorder, bothSides, phases);
    if (Date.now() > loadUntilMs) {
      const spans = phases.map((phase) => `${phase.name}: ${phase.convergedMs - phase.startMs} ms`);
      throw new Error(`the fault schedule ran past the elections' end (${spans.join(', ')})`);
    }
  } finally {
    // Nothing may still call the stations once they are removed.
    await load.stop();
    samples = await watcher.stop();
  }
  const final = await waitForConvergence(cluster);
  const primary = final.a?.role === 'primary' ? 'a' : 'b';

  // Results exist once the elections have ended, on each station's own clock (the same machine's).
  await sleep(Math.max(0, endsAtMs - Date.now()));
  const results = {
    a: await readResults(cluster, 'a', electorate),
    b: await readResults(cluster, 'b', electorate),
  };
  const session = await official.session(primary);
  const listed = await cluster.stations[primary].api.listElections({ session });
  if (isSessionRefused(listed)) throw new Error(`listElections was refused: ${JSON.stringify(listed)}`);
  const votesListed = new Map(listed.map((election) => [election.name, election.votes]));

  return {
    cluster,
    electorate,
    attempts: recorder.attempts,
    samples,
    phases,
    bothSides,
    final,
    primary,
    results,
    votesListed,
    async conflictReports() {
      const report = async (name: StationName) =>
        conflictReport(cluster.stations[name], await official.session(name));
      return { a: await report('a'), b: await report('b') };
    },
    describe() {
      return `${describePhases(phases)}\n${cluster.describe()}`;
    },
  };
}

/** The faults, one phase after the other, each healed and followed by convergence; recorded in `phases`. */
async function runSchedule(
  cluster: Cluster,
  withWitness: boolean,
  recorder: VoteRecorder,
  bothSides: readonly Ballot[],
  phases: Phase[],
): Promise<void> {
  const network = cluster.network;
  /** One phase: `fault` makes the faults and holds them; then all is healed and the pair converges. */
  const phase = async (name: string, fault: (primary: StationName) => Promise<void>): Promise<void> => {
    const primary = await pollUntil(
      'one station is primary',
      () => currentPrimary(cluster),
      () => true,
    );
    const startMs = Date.now();
    await fault(primary);
    const healingMs = Date.now();
    await network.heal();
    const healedMs = Date.now();
    await waitForConvergence(cluster);
    phases.push({ name, primary, startMs, healingMs, healedMs, convergedMs: Date.now() });
  };

  await sleep(failoverMs);
  await phase('primary deaf', async (primary) => {
    network.deafen(primary);
    await sleep(2.5 * failoverMs);
  });
  await phase('link between the stations cut', async (primary) => {
    network.block(primary, otherStation(primary));
    network.block(otherStation(primary), primary);
    await sleep(3 * failoverMs);
  });
  await phase('primary cut off', async (primary) => {
    const backup = otherStation(primary);
    network.unplug(primary);
    await waitUntil(
      `the backup ${backup} takes writes with the primary ${primary} cut off`,
      async () => (await cluster.status(backup))?.writable === true,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // A voter's two tries at once, one at each station.
    await Promise.all(
      bothSides.map((ballot) =>
        Promise.all([
          recorder.castUntilAnswered(ballot, ballot.choices[0], [primary]),
          recorder.castUntilAnswered(ballot, ballot.choices[1], [backup]),
        ]),
      ),
    );
    await sleep(failoverMs);
  });
  await phase('primary on a slow lossy link', async (primary) => {
    network.slow(primary);
    await sleep(3 * failoverMs);
  });
  await phase('backup flapping', async (primary) => {
    await network.flap(otherStation(primary), 250, 2.5 * failoverMs);
  });
  if (withWitness) {
    await phase('witness cut off, then the primary too', async (primary) => {
      network.unplug('w');
      await sleep(failoverMs);
      network.unplug(primary);
      await sleep(2.5 * failoverMs);
    });
  }
}

/** Every election's counts on the station, once it reports them (after the end, on its clock). */
async function readResults(cluster: Cluster, station: StationName, electorate: Electorate): Promise<Results> {
  const results = new Map<string, ReadonlyMap<string, number>>();
  for (const election of electorate.elections) {
    const result = await pollUntil(
      `${station} reports the results of ${election.name}`,
      () => cluster.stations[station].client.getResult(election.name),
      (answer) => answer.status === 0,
      {
        timeoutMs: 15_000,
        intervalMs: 200,
        describeLast: (last) => `; last answer: ${JSON.stringify(last)}`,
      },
    );
    results.set(election.name, new Map(result.counts.map((count) => [count.choiceName, count.count])));
  }
  return results;
}

/** The statuses of a sample, by station name. */
export function sampleStatuses(sample: StatusSample): Readonly<Record<StationName, StationStatus | null>> {
  return { a: sample.a, b: sample.b };
}
