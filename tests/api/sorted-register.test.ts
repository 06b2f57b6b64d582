/** The sorted register against a plain sorted model, over random registrations and removals. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedRegister } from '../../core/api/sorted-register.ts';

type Operation = { readonly add: boolean; readonly name: string; readonly group: string };

// Few distinct names, so that additions and removals meet; many operations, so that blocks split.
const names = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'é', '😀'), minLength: 1, maxLength: 6 });
const groups = fc.constantFrom('north', 'south');
const operations = fc.array(fc.record({ add: fc.boolean(), name: names, group: groups }), {
  maxLength: 4_000,
});

function replay(
  start: ReadonlyMap<string, { readonly group: string }>,
  steps: readonly Operation[],
): { register: SortedRegister; model: Map<string, string> } {
  const register = SortedRegister.from(start);
  const model = new Map([...start].map(([name, { group }]) => [name, group]));
  for (const step of steps) {
    const changed = step.add ? register.add(step.name, step.group) : register.delete(step.name);
    expect(changed).toBe(step.add ? !model.has(step.name) : model.has(step.name));
    if (step.add && !model.has(step.name)) model.set(step.name, step.group);
    if (!step.add) model.delete(step.name);
  }
  return { register, model };
}

function sortedModel(model: ReadonlyMap<string, string>): { name: string; group: string }[] {
  return [...model.keys()].sort().map((name) => ({ name, group: model.get(name) ?? '' }));
}

const starts = fc
  .uniqueArray(fc.tuple(names, groups), { selector: ([name]) => name, maxLength: 3_000 })
  .map((entries) => new Map(entries.map(([name, group]) => [name, { group }])));

describe('SortedRegister', () => {
  it('holds exactly the voters added and not removed, in order, each with the group it was added with', () => {
    fc.assert(
      fc.property(starts, operations, (start, steps) => {
        const { register, model } = replay(start, steps);
        expect(register.filter(() => true)).toEqual(sortedModel(model));
        expect(register.size).toBe(model.size);
      }),
      { numRuns: 60 },
    );
  });

  it('slices pages at any offset like an array, and filters in order', () => {
    fc.assert(
      fc.property(operations, fc.nat(5_000), fc.nat(600), (steps, offset, limit) => {
        const { register, model } = replay(new Map(), steps);
        const sorted = sortedModel(model);
        expect(register.slice(offset, limit)).toEqual(sorted.slice(offset, offset + limit));
        expect(register.filter((_name, group) => group === 'north')).toEqual(
          sorted.filter((voter) => voter.group === 'north'),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('splits blocks as they fill and keeps pages right across block edges', () => {
    const register = SortedRegister.from(new Map());
    for (let value = 9_999; value >= 0; value -= 1) register.add(String(value).padStart(5, '0'), 'hall');
    expect(register.size).toBe(10_000);
    expect(register.slice(1_020, 3)).toEqual(
      ['01020', '01021', '01022'].map((name) => ({ name, group: 'hall' })),
    );
    for (let value = 0; value < 10_000; value += 2) register.delete(String(value).padStart(5, '0'));
    expect(register.slice(0, 3).map((voter) => voter.name)).toEqual(['00001', '00003', '00005']);
    expect(register.size).toBe(5_000);
  });
});
