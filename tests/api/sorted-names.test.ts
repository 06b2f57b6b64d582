/** The sorted name index against a plain sorted array, over random additions and removals. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedNames } from '../../core/api/sorted-names.ts';

type Operation = { readonly add: boolean; readonly name: string };

// Few distinct names, so that additions and removals meet; many operations, so that blocks split.
const names = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'é', '😀'), minLength: 1, maxLength: 6 });
const operations = fc.array(fc.record({ add: fc.boolean(), name: names }), { maxLength: 4_000 });

function replay(
  start: readonly string[],
  steps: readonly Operation[],
): { index: SortedNames; model: Set<string> } {
  const index = SortedNames.from(start);
  const model = new Set(start);
  for (const step of steps) {
    const changed = step.add ? index.add(step.name) : index.delete(step.name);
    expect(changed).toBe(step.add ? !model.has(step.name) : model.has(step.name));
    if (step.add) model.add(step.name);
    else model.delete(step.name);
  }
  return { index, model };
}

describe('SortedNames', () => {
  it('holds exactly the names added and not removed, in sorted order, whatever the start', () => {
    fc.assert(
      fc.property(fc.array(names, { maxLength: 3_000 }), operations, (start, steps) => {
        const { index, model } = replay(start, steps);
        const sorted = [...model].sort();
        expect([...index]).toEqual(sorted);
        expect(index.size).toBe(sorted.length);
      }),
      { numRuns: 60 },
    );
  });

  it('slices pages at any offset like an array', () => {
    fc.assert(
      fc.property(operations, fc.nat(5_000), fc.nat(600), (steps, offset, limit) => {
        const { index, model } = replay([], steps);
        expect(index.slice(offset, limit)).toEqual([...model].sort().slice(offset, offset + limit));
      }),
      { numRuns: 60 },
    );
  });

  it('splits blocks as they fill and keeps pages right across block edges', () => {
    const index = SortedNames.from([]);
    for (let value = 9_999; value >= 0; value -= 1) index.add(String(value).padStart(5, '0'));
    expect(index.size).toBe(10_000);
    expect(index.slice(1_020, 10)).toEqual(
      Array.from({ length: 10 }, (_, offset) => String(1_020 + offset).padStart(5, '0')),
    );
    for (let value = 0; value < 10_000; value += 2) index.delete(String(value).padStart(5, '0'));
    expect(index.slice(0, 3)).toEqual(['00001', '00003', '00005']);
    expect(index.size).toBe(5_000);
  });
});
