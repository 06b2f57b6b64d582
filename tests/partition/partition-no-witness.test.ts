/**
 * Real partitions without a witness: two `evote station` processes, each in
 * a network namespace of its own joined by a bridge, under concurrent voting
 * while the link between them is cut, made one-way, slowed and flapped (see
 * partition-scenario.ts). Two stations alone cannot tell a dead peer from a
 * cut cable, so during a cut both take votes (availability, as intended).
 * When the link heals, reconciliation makes the side in the higher epoch win
 * and replays what the other side accepted, under the rules of
 * core/engine/conflicts.ts. So:
 *
 * - both stations did take votes at once (the test made a split);
 * - every acknowledged vote counts once (a voter's own choices show it), or
 *   is listed in the conflict report as a double vote; a voter acknowledged
 *   by both stations is counted once and listed;
 * - no voter counts twice; each election's counts add up to the voters that
 *   voted, as the officials' list says, never more than its voters; only
 *   voters who sent votes to both stations are listed as double votes;
 * - after the last heal both stations converge: one primary, its backup in
 *   sync, the same results and the same conflict report.
 */
import { expect } from 'vitest';
import {
  acknowledgingStations,
  bothWritable,
  checkCounts,
  expectNoVoters,
  type VoterRecord,
} from './partition-checks.ts';
import { describePartitions, type ScenarioRun } from './partition-scenario.ts';

describePartitions(
  'partitions without a witness',
  { witness: false },
  'takes votes on both sides of a cut and, once healed, keeps every acknowledged vote once or reports it',
  checkRun,
);

async function checkRun(run: ScenarioRun): Promise<void> {
  const context = run.describe();
  // (b) and (d): the same results on both stations, no voter counted twice, counts add up.
  const voters = checkCounts(run);

  // The test made a split: both stations took writes at once, and voters were acknowledged by both.
  expect(
    bothWritable(run.samples).length,
    `no sample with both stations writable\n${context}`,
  ).toBeGreaterThan(0);
  const bothSides = voters.filter((voter) => acknowledgingStations(voter).size === 2);
  expect(bothSides.length, `no voter acknowledged by both stations\n${context}`).toBeGreaterThan(0);

  // (d) The same conflict report on both stations.
  const reports = await run.conflictReports();
  expect(reports.b, 'both stations hold the same conflict report').toEqual(reports.a);
  const doubleVotes = new Set(
    reports.a.conflicts
      .filter((conflict) => conflict.kind === 'double-vote')
      .map((conflict) => `${conflict.member ?? ''}\n${conflict.election ?? ''}`),
  );
  const listed = (voter: VoterRecord): boolean =>
    doubleVotes.has(`${voter.ballot.voter.name}\n${voter.ballot.election}`);

  // (a) Every acknowledged vote counts, or is listed as a double vote.
  expectNoVoters(
    'acknowledged votes neither counted nor reported',
    voters.filter((voter) => voter.acknowledged.length > 0 && voter.counted !== 1 && !listed(voter)),
    context,
  );
  // A voter acknowledged on both sides is counted once and listed.
  expectNoVoters(
    'voters acknowledged by both stations not counted once',
    bothSides.filter((voter) => voter.counted !== 1),
    context,
  );
  expectNoVoters(
    'voters acknowledged by both stations not reported',
    bothSides.filter((voter) => !listed(voter)),
    context,
  );
  // Only a voter whose votes both stations may have taken is listed as a double vote.
  expectNoVoters(
    'voters reported as double votes who did not send votes both stations may have taken',
    voters.filter(
      (voter) =>
        listed(voter) &&
        new Set(
          voter.attempts
            .filter((attempt) => attempt.outcome !== 'refused' && attempt.outcome !== 'already-voted')
            .map((attempt) => attempt.station),
        ).size !== 2,
    ),
    context,
  );
}
