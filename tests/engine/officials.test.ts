/**
 * Officials in the engine: the first one sets the station up, later ones are
 * registered by an official, names and keys are checked as voters' are, and
 * an official may create an election. Both codecs carry officials: the log
 * (replay reproduces them) and snapshots (format 2; format 1 is still read).
 */
import { describe, expect, it } from 'vitest';
import { applyCommand, createElection, registerOfficial, registerVoter } from '../../core/engine/apply.ts';
import type { Command, OfficialActor } from '../../core/engine/commands.ts';
import { createEngineState, type EngineState } from '../../core/engine/state.ts';
import { decodeCommand, encodeCommand } from '../../core/codec/command-codec.ts';
import { encodeJson } from '../../core/codec/json-fields.ts';
import { encodeSnapshot, SnapshotDecoder } from '../../core/codec/snapshot-codec.ts';
import { limits } from '../../core/protocol/limits.ts';
import { canonicalState, hourMs, publicKeyOf } from '../support/engine-fixtures.ts';

const t0 = 1_800_000_000_000;

function next(state: EngineState): number {
  return state.lastSeq + 1;
}

function official(
  state: EngineState,
  name: string,
  actor: OfficialActor | null,
  publicKey: Uint8Array = publicKeyOf(name.length),
) {
  return registerOfficial(state, next(state), {
    kind: 'register-official',
    atMs: t0,
    actor,
    name,
    publicKey,
  });
}

function firstOfficial(state: EngineState, name = 'olga'): OfficialActor {
  expect(official(state, name, null).outcome).toEqual({ code: 0, reason: 'ok' });
  return { kind: 'official', name, registration: state.lastSeq };
}

describe('RegisterOfficial', () => {
  it('lets the first official in with no one to vouch, and only while there is none', () => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    expect(state.officials.get('olga')).toEqual({
      publicKey: publicKeyOf(4),
      registration: olga.registration,
    });
    const before = canonicalState(state);
    expect(official(state, 'mallory', null).outcome).toEqual({ code: 4, reason: 'already-set-up' });
    expect(canonicalState(state)).toEqual(before);
  });

  it('registers later officials for a current official, never replacing one (1)', () => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    expect(official(state, 'otto', olga).outcome).toEqual({ code: 0, reason: 'ok' });
    const otto: OfficialActor = { kind: 'official', name: 'otto', registration: state.lastSeq };
    expect(official(state, 'pia', otto).outcome).toEqual({ code: 0, reason: 'ok' });
    const before = canonicalState(state);
    expect(official(state, 'otto', olga, publicKeyOf(99)).outcome).toEqual({
      code: 1,
      reason: 'official-exists',
    });
    expect(canonicalState(state)).toEqual(before);
  });

  it('answers 3 for an actor that is not a current official', () => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    for (const actor of [
      { ...olga, registration: olga.registration + 1 },
      { ...olga, name: 'nobody' },
    ]) {
      expect(official(state, 'otto', actor).outcome).toEqual({ code: 3, reason: 'invalid-token' });
    }
    expect(state.officials.size).toBe(1);
  });

  it('keeps officials and voters apart: an official is no voter, and the same name may be both', () => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    expect(state.voters.has('olga')).toBe(false);
    expect(
      registerVoter(state, next(state), {
        kind: 'register-voter',
        atMs: t0,
        name: 'olga',
        group: 'hall',
        publicKey: publicKeyOf(7),
      }).outcome.code,
    ).toBe(0);
    expect(state.officials.get('olga')?.registration).toBe(olga.registration);
    // The voter olga's registration does not stand for the official olga's.
    expect(
      official(state, 'otto', { kind: 'official', name: 'olga', registration: state.lastSeq }).outcome,
    ).toEqual({ code: 3, reason: 'invalid-token' });
  });

  it.each([
    ['empty name', '', 32, 'invalid-name'],
    ['blank name', '  ', 32, 'invalid-name'],
    ['control character', 'a\u0007b', 32, 'invalid-name'],
    ['oversize name', 'x'.repeat(limits.officialNameBytesMax + 1), 32, 'invalid-name'],
    ['31-byte key', 'otto', 31, 'invalid-public-key'],
    ['33-byte key', 'otto', 33, 'invalid-public-key'],
  ])('answers 2 for %s and changes nothing', (_case, name, keyBytes, reason) => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    const before = canonicalState(state);
    expect(official(state, name, olga, new Uint8Array(keyBytes)).outcome).toEqual({ code: 2, reason });
    expect(canonicalState(state)).toEqual(before);
  });

  it('answers 2 (register-full) at the limit of officials', () => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    for (let index = 1; index < limits.officialsMax; index += 1) {
      expect(official(state, `official-${index}`, olga).outcome.code).toBe(0);
    }
    expect(official(state, 'one-too-many', olga).outcome).toEqual({ code: 2, reason: 'register-full' });
  });

  it('reverts exactly its own change', () => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    const before = canonicalState(state);
    const applied = official(state, 'otto', olga);
    applied.revert?.();
    expect(canonicalState(state)).toEqual(before);
  });
});

describe('CreateElection by an official', () => {
  const council = (actor: OfficialActor) => ({
    kind: 'create-election' as const,
    atMs: t0,
    actor,
    name: 'Council',
    groups: ['hall'],
    choices: ['yes', 'no'],
    endsAtMs: t0 + hourMs,
  });

  it('answers 0 for a current official, 1 for one who is not', () => {
    const state = createEngineState();
    const olga = firstOfficial(state);
    expect(createElection(state, next(state), council({ ...olga, name: 'otto' })).outcome).toEqual({
      code: 1,
      reason: 'invalid-token',
    });
    expect(createElection(state, next(state), council(olga)).outcome).toEqual({ code: 0, reason: 'ok' });
  });
});

describe('codecs with officials', () => {
  function stateWithOfficials(): { state: EngineState; log: { seq: number; payload: Uint8Array }[] } {
    const state = createEngineState();
    const log: { seq: number; payload: Uint8Array }[] = [];
    const apply = (command: Command) => {
      const seq = next(state);
      expect(applyCommand(state, seq, command).outcome.code).toBe(0);
      log.push({ seq, payload: encodeCommand(command) });
    };
    apply({ kind: 'register-official', atMs: t0, actor: null, name: 'olga', publicKey: publicKeyOf(1) });
    const olga: OfficialActor = { kind: 'official', name: 'olga', registration: 1 };
    apply({
      kind: 'register-official',
      atMs: t0 + 1,
      actor: olga,
      name: '陳大文',
      publicKey: publicKeyOf(2),
    });
    apply({ kind: 'register-voter', atMs: t0 + 2, name: 'ann', group: 'hall', publicKey: publicKeyOf(3) });
    apply({
      kind: 'create-election',
      atMs: t0 + 3,
      actor: olga,
      name: 'Council',
      groups: ['hall'],
      choices: ['yes', 'no'],
      endsAtMs: t0 + hourMs,
    });
    apply({
      kind: 'cast-vote',
      atMs: t0 + 4,
      actor: { kind: 'voter', name: 'ann', registration: 3 },
      election: 'Council',
      choice: 'no',
    });
    return { state, log };
  }

  it('replaying the log reproduces the officials', () => {
    const { state, log } = stateWithOfficials();
    const replayed = createEngineState();
    for (const { seq, payload } of log) {
      expect(applyCommand(replayed, seq, decodeCommand(payload)).outcome.code).toBe(0);
    }
    expect(canonicalState(replayed)).toEqual(canonicalState(state));
    expect(replayed.officials.size).toBe(2);
  });

  it('stores a voter actor as it always was, so older logs read the same', () => {
    const { log } = stateWithOfficials();
    const vote = JSON.parse(Buffer.from(log[4]?.payload ?? []).toString()) as Record<string, unknown>;
    expect(vote['actor']).toEqual({ voter: 'ann', registration: 3 });
    const creation = JSON.parse(Buffer.from(log[3]?.payload ?? []).toString()) as Record<string, unknown>;
    expect(creation['actor']).toEqual({ official: 'olga', registration: 1 });
  });

  it('refuses an official as the actor of a vote, and a voter as the registrar of an official', () => {
    const vote = encodeJson({
      kind: 'cast-vote',
      atMs: t0,
      actor: { official: 'olga', registration: 1 },
      election: 'Council',
      choice: 'no',
    });
    expect(() => decodeCommand(vote)).toThrow(/actor is not a voter/);
    const registration = encodeJson({
      kind: 'register-official',
      atMs: t0,
      actor: { voter: 'ann', registration: 1 },
      name: 'otto',
      publicKey: Buffer.from(publicKeyOf(1)).toString('base64'),
    });
    expect(() => decodeCommand(registration)).toThrow(/actor is not an official/);
  });

  it('a snapshot round trip keeps the officials', () => {
    const { state } = stateWithOfficials();
    const decoder = new SnapshotDecoder();
    for (const chunk of encodeSnapshot(state)) decoder.accept(chunk);
    const restored = decoder.finish();
    expect(canonicalState(restored)).toEqual(canonicalState(state));
    expect([...restored.officials.keys()].sort()).toEqual(['olga', '陳大文']);
  });

  it('reads a format 1 snapshot (before officials) as a state with none', () => {
    const chunks = [
      encodeJson({ part: 'header', format: 1, lastSeq: 1, lastAtMs: t0, voters: 1, elections: 0 }),
      encodeJson({
        part: 'voters',
        rows: [['ann', 'hall', 1]],
        keys: Buffer.from(publicKeyOf(3)).toString('base64'),
      }),
    ];
    const decoder = new SnapshotDecoder();
    for (const chunk of chunks) decoder.accept(chunk);
    const state = decoder.finish();
    expect(state.voters.get('ann')?.group).toBe('hall');
    expect(state.officials.size).toBe(0);
  });

  it('refuses an unknown snapshot format, a missing official and a malformed official row', () => {
    const header = (fields: Record<string, unknown>) =>
      encodeJson({ part: 'header', lastSeq: 1, lastAtMs: t0, voters: 0, elections: 0, ...fields });
    expect(() => {
      new SnapshotDecoder().accept(header({ format: 4, officials: 0 }));
    }).toThrow(/unknown snapshot format 4/);
    const missing = new SnapshotDecoder();
    missing.accept(header({ format: 2, officials: 1 }));
    expect(() => missing.finish()).toThrow(/incomplete/);
    const malformed = new SnapshotDecoder();
    malformed.accept(header({ format: 2, officials: 1 }));
    const badRow = encodeJson({
      part: 'officials',
      rows: [['', 1]],
      keys: Buffer.from(publicKeyOf(1)).toString('base64'),
    });
    expect(() => {
      malformed.accept(badRow);
    }).toThrow(/invalid name/);
  });
});
