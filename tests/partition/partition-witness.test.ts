/**
 * Real partitions with a witness: two `evote station` processes and an
 * `evote witness`, each in a network namespace of its own joined by a
 * bridge, under concurrent voting while the links between them are cut,
 * made one-way, slowed and flapped (see partition-scenario.ts). With a
 * witness there is never a moment where two stations take writes, so:
 *
 * - no two stations say they take writes at once, nor in the same epoch;
 * - no voter is acknowledged twice, and every acknowledged vote counts, with
 *   the choice that was acknowledged;
 * - no voter counts twice; each election's counts add up to the voters that
 *   voted, as the officials' list says, never more than its voters;
 * - a backup cut off from the witness is never promoted;
 * - after the last heal both stations converge: one primary, its backup in
 *   sync, the same results.
 */
import { expect } from 'vitest';
import { bothWritable, checkCounts, expectNoVoters, writersByEpoch } from './partition-checks.ts';
import { otherStation } from './partition-cluster.ts';
import { describePartitions, sampleStatuses, type ScenarioRun } from './partition-scenario.ts';

describePartitions(
  'partitions with a witness',
  { witness: true },
  'never has two stations take writes, loses no acknowledged vote and counts none twice',
  checkRun,
);

function checkRun(run: ScenarioRun): void {
  const context = run.describe();
  const { samples } = run;

  // (c) Never two writers: not in one sample, not in one epoch.
  expect(samples.length).toBeGreaterThan(100);
  expect(bothWritable(samples), `samples with both stations writable\n${context}`).toEqual([]);
  for (const [epoch, writers] of writersByEpoch(samples)) {
    expect([...writers], `stations writable in epoch ${epoch}\n${context}`).toHaveLength(1);
  }
  // A backup cut off from the witness is never promoted.
  const witnessCut = run.phases.find((phase) => phase.name.startsWith('witness cut off'));
  if (witnessCut === undefined) throw new Error('the scenario had no phase with the witness cut off');
  const backup = otherStation(witnessCut.primary);
  const promotedWithoutWitness = samples.filter(
    (sample) =>
      sample.atMs >= witnessCut.startMs &&
      sample.atMs <= witnessCut.healingMs &&
      sampleStatuses(sample)[backup]?.writable === true,
  );
  expect(promotedWithoutWitness, `the backup took writes without the witness\n${context}`).toEqual([]);

  // (b) and (d): the same results on both stations, no voter counted twice, counts add up.
  const voters = checkCounts(run);
  // No voter acknowledged twice: a station never acknowledges what the other already took.
  expectNoVoters(
    'voters acknowledged twice',
    voters.filter((voter) => voter.acknowledged.length > 1),
    context,
  );
  // (a) Every acknowledged vote counts, with the acknowledged choice.
  expectNoVoters(
    'acknowledged votes lost',
    voters.filter((voter) => voter.acknowledged.some((ack) => voter.counts.get(ack.choice) !== 1)),
    context,
  );
}
