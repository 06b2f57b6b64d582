/**
 * Engine invariants over random command sequences (voters, officials,
 * elections created by either, votes): a voter is counted at most once per election, tallies equal accepted votes, replaying the
 * accepted commands (through the log codec) reproduces the state, a snapshot
 * round trip reproduces it, and undoing a suffix restores the earlier state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../core/engine/apply.ts';
import type { Command, OfficialActor } from '../../core/engine/commands.ts';
import { createEngineState, type EngineState } from '../../core/engine/state.ts';
import { decodeCommand, encodeCommand } from '../../core/codec/command-codec.ts';
import { encodeSnapshot, SnapshotDecoder } from '../../core/codec/snapshot-codec.ts';
import { canonicalState, hourMs, publicKeyOf } from '../support/engine-fixtures.ts';

const t0 = 1_800_000_000_000;
const voterNames = ['ann', 'bob', 'cyd'];
// 'ann' is a voter's name too: the registers are separate.
const officialNames = ['olga', 'ann'];
const groups = ['north', 'south'];
const electionNames = ['Council', 'Senate'];
const choices = ['yes', 'no', 'abstain'];

/** A command template; the actor's registration is resolved against the live state when applied. */
type Step =
  | { op: 'register'; voter: string; group: string; key: number; dtMs: number }
  | { op: 'unregister'; voter: string; dtMs: number }
  | { op: 'official'; name: string; by: string | null; key: number; dtMs: number }
  | {
      op: 'create';
      voter: string;
      /** Created by the official of that name instead of the voter. */
      official: string | null;
      name: string;
      groups: string[];
      choices: string[];
      durationMs: number;
      dtMs: number;
    }
  | { op: 'vote'; voter: string; staleToken: boolean; election: string; choice: string; dtMs: number };

// Mostly small steps so that elections stay open for a while; now and then a jump past their end.
const dt = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 60_000 }), weight: 60 }, fc.constant(hourMs));
// Mostly valid elections, with invalid ones mixed in.
const someOf = (values: string[]): fc.Arbitrary<string[]> =>
  fc.oneof({ arbitrary: fc.subarray(values, { minLength: 1 }), weight: 9 }, fc.constant<string[]>([]));
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('register' as const),
      voter: fc.constantFrom(...voterNames),
      group: fc.constantFrom(...groups),
      key: fc.nat(255),
      dtMs: dt,
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('unregister' as const),
      voter: fc.constantFrom(...voterNames),
      dtMs: dt,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('official' as const),
      name: fc.constantFrom(...officialNames),
      by: fc.option(fc.constantFrom(...officialNames), { freq: 2 }),
      key: fc.nat(255),
      dtMs: dt,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('create' as const),
      voter: fc.constantFrom(...voterNames),
      // Mostly voters, as the protocol allows; now and then an official.
      official: fc.oneof(
        { arbitrary: fc.constant(null), weight: 3 },
        { arbitrary: fc.constantFrom(...officialNames), weight: 1 },
      ),
      name: fc.constantFrom(...electionNames),
      groups: someOf(groups),
      choices: someOf(choices),
      durationMs: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 2 * hourMs }), weight: 9 },
        fc.integer({ min: -hourMs, max: 0 }),
      ),
      dtMs: dt,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('vote' as const),
      voter: fc.constantFrom(...voterNames),
      staleToken: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, fc.constant(true)),
      election: fc.constantFrom(...electionNames),
      choice: fc.constantFrom(...choices, 'write-in'),
      dtMs: dt,
    }),
    weight: 6,
  },
);

function officialActor(state: EngineState, name: string): OfficialActor {
  return { kind: 'official', name, registration: state.officials.get(name)?.registration ?? 1 };
}

function toCommand(state: EngineState, s: Step, atMs: number): Command {
  if (s.op === 'official') {
    return {
      kind: 'register-official',
      atMs,
      actor: s.by === null ? null : officialActor(state, s.by),
      name: s.name,
      publicKey: publicKeyOf(s.key),
    };
  }
  const registration = state.voters.get(s.voter)?.registration ?? 1;
  switch (s.op) {
    case 'register':
      return { kind: 'register-voter', atMs, name: s.voter, group: s.group, publicKey: publicKeyOf(s.key) };
    case 'unregister':
      return { kind: 'unregister-voter', atMs, name: s.voter };
    case 'create':
      return {
        kind: 'create-election',
        atMs,
        actor:
          s.official === null
            ? { kind: 'voter', name: s.voter, registration }
            : officialActor(state, s.official),
        name: s.name,
        groups: s.groups,
        choices: s.choices,
        endsAtMs: atMs + s.durationMs,
      };
    case 'vote':
      return {
        kind: 'cast-vote',
        atMs,
        actor: { kind: 'voter', name: s.voter, registration: s.staleToken ? registration - 1 : registration },
        election: s.election,
        choice: s.choice,
      };
  }
}

interface Run {
  readonly state: EngineState;
  readonly log: { seq: number; payload: Uint8Array }[];
  readonly reverts: (() => void)[];
  readonly snapshots: unknown[];
  readonly acceptedVotes: Map<string, number>;
}

function run(steps: readonly Step[]): Run {
  const state = createEngineState();
  const result: Run = { state, log: [], reverts: [], snapshots: [], acceptedVotes: new Map() };
  let atMs = t0;
  for (const s of steps) {
    atMs += s.dtMs;
    const command = toCommand(state, s, atMs);
    const seq = state.lastSeq + 1;
    result.snapshots.push(canonicalState(state));
    const applied = applyCommand(state, seq, command);
    if (applied.revert === null) {
      result.snapshots.pop();
      continue;
    }
    expect(applied.outcome.code).toBe(0);
    result.reverts.push(applied.revert);
    result.log.push({ seq, payload: encodeCommand(command) });
    if (command.kind === 'cast-vote') {
      const key = `${command.election}\u0000${command.actor.name}`;
      result.acceptedVotes.set(key, (result.acceptedVotes.get(key) ?? 0) + 1);
    }
  }
  return result;
}

const runs = fc.array(step, { minLength: 20, maxLength: 150 });

describe('engine invariants', () => {
  it('the generator exercises real elections (many runs accept votes)', () => {
    const withVotes = fc
      .sample(runs, { numRuns: 200, seed: 20261123 })
      .filter((steps) => run(steps).acceptedVotes.size > 0).length;
    expect(withVotes).toBeGreaterThan(60);
  });

  it('the generator exercises officials (many runs register some and let them create elections)', () => {
    const samples = fc.sample(runs, { numRuns: 200, seed: 20261123 }).map(run);
    expect(samples.filter((sample) => sample.state.officials.size > 0).length).toBeGreaterThan(100);
    expect(samples.filter((sample) => sample.state.officials.size > 1).length).toBeGreaterThan(15);
    const byOfficials = samples.filter((sample) =>
      sample.log.some(({ payload }) => {
        const command = decodeCommand(payload);
        return command.kind === 'create-election' && command.actor.kind === 'official';
      }),
    );
    expect(byOfficials.length).toBeGreaterThan(20);
  });

  it('counts a voter at most once per election, and tallies equal accepted votes', () => {
    fc.assert(
      fc.property(runs, (steps) => {
        const { state, acceptedVotes } = run(steps);
        for (const count of acceptedVotes.values()) expect(count).toBe(1);
        for (const election of state.elections.values()) {
          const accepted = [...acceptedVotes.keys()].filter((key) =>
            key.startsWith(`${election.name}\u0000`),
          ).length;
          expect(election.tallies.reduce((sum, count) => sum + count, 0)).toBe(accepted);
          expect(election.voted.size).toBe(accepted);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('replaying the logged commands reproduces the state', () => {
    fc.assert(
      fc.property(runs, (steps) => {
        const { state, log } = run(steps);
        const replayed = createEngineState();
        for (const { seq, payload } of log) {
          expect(applyCommand(replayed, seq, decodeCommand(payload)).outcome.code).toBe(0);
        }
        expect(canonicalState(replayed)).toEqual(canonicalState(state));
      }),
      { numRuns: 300 },
    );
  });

  it('a snapshot round trip reproduces the state', () => {
    fc.assert(
      fc.property(runs, (steps) => {
        const { state } = run(steps);
        const decoder = new SnapshotDecoder();
        for (const chunk of encodeSnapshot(state)) decoder.accept(chunk);
        expect(canonicalState(decoder.finish())).toEqual(canonicalState(state));
      }),
      { numRuns: 200 },
    );
  });

  it('undoing accepted commands newest first restores every earlier state', () => {
    fc.assert(
      fc.property(runs, (steps) => {
        const { state, reverts, snapshots } = run(steps);
        for (let index = reverts.length - 1; index >= 0; index -= 1) {
          reverts[index]?.();
          expect(canonicalState(state)).toEqual(snapshots[index]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
