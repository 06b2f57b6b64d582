/**
 * The CI budget of the deterministic simulator, crash half: seeds with power
 * losses (torn writes included) and clock skew, each station back once the
 * faults stop; and a rule broken on purpose (a disk that acknowledges a flush
 * before the data is durable) is caught within the budget, on seeds that
 * pass with the rule intact.
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, runSeeds, type SeedRange } from './run-seeds.ts';

describe('the simulator over a fixed budget of seeds', () => {
  it('finds no violation with crashes, torn writes and clock skew', async () => {
    const range: SeedRange = { from: 1, count: 150, steps: 3_000, faults: 'crash,torn,skew' };
    const run = await runSeeds(range);
    expect(run.failures.map((failure) => describeFailure(failure, range))).toEqual([]);
    expect(run.runs).toBe(range.count);
  }, 120_000);

  it('catches a station that acknowledges writes before they are durable', async () => {
    const range: SeedRange = { from: 1, count: 40, steps: 4_000, faults: 'crash,restart,torn' };
    const intact = await runSeeds(range);
    expect(intact.failures.map((failure) => describeFailure(failure, range))).toEqual([]);

    const broken = await runSeeds({ ...range, broken: 'lying-disk', stopAtViolation: true });
    // What a power loss took despite the flush: acknowledged writes, or a file the station
    // then refuses to start on (e.g. a snapshot cut short).
    const caught = broken.failures[0]?.violation?.invariant;
    expect(['acknowledged-write-lost', 'station-starts']).toContain(caught);
  }, 120_000);
});
