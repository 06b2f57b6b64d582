/**
 * A run is a pure function of its seed: the same seed gives the same trace
 * hash (every message, fault, status change and client answer, in order),
 * with every fault on, with or without a witness; different seeds give
 * different runs.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { faultKinds, parseFaults } from '../../simulation/faults.ts';
import { Random } from '../../simulation/random.ts';
import { runSimulation } from '../../simulation/simulation.ts';
import { dataDir } from '../../simulation/station-node.ts';
import { witnessDir } from '../../simulation/witness-node.ts';

describe('the simulator', () => {
  it('replays a seed exactly, with every fault on', async () => {
    const everything = new Set(faultKinds);
    const withoutPartitions = parseFaults('crash,restart,torn,loss,delay,reorder,duplicate,skew');
    for (const [seed, faults] of [
      [3, everything],
      [8, everything],
      [21, withoutPartitions],
      [22, withoutPartitions],
    ] as const) {
      const options = { seed, steps: 2_500, faults };
      const first = await runSimulation(options);
      const second = await runSimulation(options);
      expect(second.traceHash).toBe(first.traceHash);
      expect(second.steps).toBe(first.steps);
      expect(second.violation).toEqual(first.violation);
      expect(second.faults).toEqual(first.faults);
      expect(first.acknowledgedWrites).toBeGreaterThan(0);
    }
    // Everything went to the simulated disks.
    expect(existsSync(dataDir)).toBe(false);
  });

  it('replays a seed exactly with a witness, every fault on', async () => {
    const options = { seed: 5, steps: 2_500, faults: new Set(faultKinds), witness: true };
    const first = await runSimulation(options);
    const second = await runSimulation(options);
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.violation).toEqual(first.violation);
    expect(second.faults).toEqual(first.faults);
    expect(first.faults['on-witness']).toBeGreaterThan(0);
    expect(first.acknowledgedWrites).toBeGreaterThan(0);
    const without = await runSimulation({ ...options, witness: false });
    expect(without.traceHash).not.toBe(first.traceHash);
    expect(existsSync(witnessDir)).toBe(false);
  });

  it('gives different seeds different runs', async () => {
    const faults = new Set(faultKinds);
    const first = await runSimulation({ seed: 1, steps: 1_000, faults });
    const second = await runSimulation({ seed: 2, steps: 1_000, faults });
    expect(second.traceHash).not.toBe(first.traceHash);
  });

  it('draws from a seeded xoshiro128** stream', () => {
    // The reference implementation's first outputs from the state {1, 2, 3, 4}.
    const reference = Random.fromState(1, 2, 3, 4);
    expect(Array.from({ length: 4 }, () => reference.nextUint32())).toEqual([11520, 0, 5927040, 70819200]);
    const a = new Random(42);
    const b = new Random(42);
    const drawn = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(drawn);
    expect(new Random(43).nextUint32()).not.toBe(drawn[0]);
    const counts = [0, 0, 0, 0];
    const random = new Random(7);
    for (let index = 0; index < 4_000; index += 1) {
      const value = random.int(0, 3);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(850);
  });
});
