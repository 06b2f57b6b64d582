/**
 * The CI budget of the deterministic simulator, network half: seeds under
 * the network faults that hold today (connection resets, latency spikes,
 * late deliveries across connections, clock skew) with clean restarts. See
 * budget-crash.test.ts for crashes, and simulation/README.md for the
 * profiles that do not hold yet (partitions: no witness).
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, runSeeds, type SeedRange } from './run-seeds.ts';

describe('the simulator over a fixed budget of seeds', () => {
  it('finds no violation with network faults and clean restarts', async () => {
    const range: SeedRange = {
      from: 1,
      count: 150,
      steps: 3_000,
      faults: 'loss,delay,reorder,duplicate,skew,restart',
    };
    const run = await runSeeds(range);
    expect(run.failures.map((failure) => describeFailure(failure, range))).toEqual([]);
    expect(run.runs).toBe(range.count);
    expect(run.acknowledgedWrites).toBeGreaterThan(100 * range.count);
  }, 120_000);
});
