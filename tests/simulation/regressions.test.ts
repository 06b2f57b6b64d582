/**
 * Seeds on which the simulator once found a replication bug, each replayed
 * with the faults it was found under. The code has changed since, so a seed no
 * longer walks the same path; they stay as cheap extra seeds of the shapes
 * that failed (restarts racing a link, splits healing mid-copy), beside the CI
 * budgets that are the real net. simulation/README.md tells each story.
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, runSeeds, type SeedRange } from './run-seeds.ts';

const allFaults = 'crash,restart,loss,delay,reorder,duplicate,partition,one-way,torn,skew';

const regressions: readonly {
  readonly seed: number;
  readonly faults: string;
  readonly witness?: boolean;
  readonly found: string;
}[] = [
  { seed: 164, faults: 'crash,restart', found: 'two stations promoted into one epoch number' },
  {
    seed: 195,
    faults: 'loss,delay,reorder,duplicate,skew,restart',
    found: 'a follower reset but got no snapshot',
  },
  {
    seed: 49,
    faults: 'crash,restart,loss,delay,reorder,duplicate,torn,skew',
    found: 'a restarted primary took its peer’s epoch',
  },
  { seed: 19, faults: allFaults, found: 'a take-over and a welcome interleaved their epoch writes' },
  { seed: 38, faults: allFaults, found: 'a station half-way through a full copy served alone' },
  { seed: 106, faults: allFaults, found: 'a leader took writes before the split was merged' },
  { seed: 252, faults: allFaults, found: 'a write durable after the diverged records were read was lost' },
  { seed: 7171, faults: allFaults, found: 'recovery read an old segment a power loss brought back' },
  {
    seed: 4726,
    faults: allFaults,
    found: 'a record recovery read from the page cache was lost to a power loss',
  },
  {
    seed: 9862,
    faults: allFaults,
    found: 'a record recovery read from the page cache was lost to a power loss',
  },
  { seed: 1617, faults: allFaults, found: 'a merge sent again was confirmed before it was durable' },
  { seed: 290, faults: allFaults, found: 'a station half-way through a full copy led its peer' },
  {
    seed: 466,
    faults: allFaults,
    witness: true,
    found: 'hellos that crossed a hand-over made both stations lead',
  },
  { seed: 148, faults: 'one-way', witness: true, found: 'a fenced leader went on leading a follower' },
  {
    seed: 138,
    faults: 'partition,one-way,loss,crash,skew',
    witness: true,
    found: 'a follower the witness voted for unheard never gave the epoch up',
  },
];

describe('seeds that once found a bug', () => {
  for (const { seed, faults, witness, found } of regressions) {
    it(`seed ${seed}${witness === true ? ' with a witness' : ''} (${found})`, async () => {
      const range: SeedRange = { from: seed, count: 1, steps: 4_000, faults, witness: witness ?? false };
      const run = await runSeeds(range);
      expect(run.failures.map((failure) => describeFailure(failure, range))).toEqual([]);
    }, 60_000);
  }
});
