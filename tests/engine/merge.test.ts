import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../core/engine/apply.ts';
import type { Command, MergeDiverged, VoterActor } from '../../core/engine/commands.ts';
import { DivergedHistory, renamedElection } from '../../core/engine/merge.ts';
import { createEngineState, type EngineState } from '../../core/engine/state.ts';
import { encodeCommand, decodeCommand } from '../../core/codec/command-codec.ts';
import { encodeSnapshot, SnapshotDecoder } from '../../core/codec/snapshot-codec.ts';
import { limits } from '../../core/protocol/limits.ts';
import { canonicalState, hourMs, publicKeyOf } from '../support/engine-fixtures.ts';

const t0 = 1_800_000_000_000;

/** One station's history: its state and the commands it accepted, by sequence number. */
class Side {
  readonly state: EngineState = createEngineState();
  readonly log: { seq: number; command: Command }[] = [];

  run(command: Command): number {
    const seq = this.state.lastSeq + 1;
    const applied = applyCommand(this.state, seq, command);
    expect(applied.outcome.code, `${command.kind} refused: ${applied.outcome.reason}`).toBe(0);
    this.log.push({ seq, command });
    return seq;
  }

  register(name: string, key = name.length, group = 'hall'): VoterActor {
    const at = this.now();
    const seq = this.run({ kind: 'register-voter', atMs: at, name, group, publicKey: publicKeyOf(key) });
    return { kind: 'voter', name, registration: seq };
  }

  election(actor: VoterActor, name: string, choices = ['Yes', 'No'], endsAtMs = t0 + hourMs): void {
    this.run({ kind: 'create-election', atMs: this.now(), actor, name, groups: ['hall'], choices, endsAtMs });
  }

  vote(actor: VoterActor, election: string, choice: string, atMs = this.now()): void {
    this.run({ kind: 'cast-vote', atMs, actor, election, choice });
  }

  now(): number {
    return Math.max(t0, this.state.lastAtMs) + 1;
  }
}

/** Two sides that share `common` and then go their own ways. */
function split(common: (side: Side) => void): { winner: Side; loser: Side; commonSeq: number } {
  const winner = new Side();
  const loser = new Side();
  common(winner);
  common(loser);
  return { winner, loser, commonSeq: winner.state.lastSeq };
}

function mergeOf(loser: Side, commonSeq: number, atMs: number): MergeDiverged {
  const history = new DivergedHistory(commonSeq, 'winner');
  return {
    kind: 'merge-diverged',
    atMs,
    sourceStationId: 'loser-station-id',
    commonSeq,
    commands: loser.log
      .filter((entry) => entry.seq > commonSeq)
      .flatMap((entry) => history.describe(entry.seq, entry.command) ?? []),
  };
}

function merge(winner: Side, loser: Side, commonSeq: number): MergeDiverged {
  const command = mergeOf(loser, commonSeq, winner.now());
  // Through the codec, as it travels and is logged.
  const decoded = decodeCommand(encodeCommand(command));
  expect(decoded).toEqual(command);
  winner.run(decoded);
  return command;
}

function tally(state: EngineState, election: string): number[] {
  return [...(state.elections.get(election)?.tallies ?? [])];
}

describe('merge after a split', () => {
  it('replays the losing side in order, counting each voter once and listing the other vote', () => {
    const { winner, loser, commonSeq } = split((side) => {
      const ann = side.register('ann');
      side.register('bob');
      side.register('cy');
      side.election(ann, 'Mayor');
    });
    const [ann, bob, cy] = ['ann', 'bob', 'cy'].map((name, index): VoterActor => ({
      kind: 'voter',
      name,
      registration: index + 1,
    })) as [VoterActor, VoterActor, VoterActor];
    winner.vote(ann, 'Mayor', 'Yes');
    loser.vote(ann, 'Mayor', 'No');
    loser.vote(bob, 'Mayor', 'No');
    // Cast while the election was open; merged after its end: it still counts.
    loser.vote(cy, 'Mayor', 'Yes', t0 + hourMs - 1);
    winner.run({
      kind: 'register-voter',
      atMs: t0 + hourMs + 5,
      name: 'late',
      group: 'hall',
      publicKey: publicKeyOf(9),
    });

    merge(winner, loser, commonSeq);

    expect(tally(winner.state, 'Mayor')).toEqual([2, 1]);
    expect([...(winner.state.elections.get('Mayor')?.voted ?? [])].sort()).toEqual(['ann', 'bob', 'cy']);
    expect(winner.state.conflicts).toEqual([
      expect.objectContaining({
        kind: 'double-vote',
        member: 'ann',
        election: 'Mayor',
        resolution: 'not-counted',
      }),
    ]);
    expect(winner.state.merges).toEqual([
      expect.objectContaining({ sourceStationId: 'loser-station-id', commands: 3, applied: 2 }),
    ]);
    // No conflict entry names a choice.
    expect(JSON.stringify(winner.state.conflicts)).not.toMatch(/"(Yes|No)"/);
  });

  it('registers voters of the split and counts their votes; a name registered with two keys keeps the winner’s', () => {
    const { winner, loser, commonSeq } = split((side) => {
      const ann = side.register('ann');
      side.election(ann, 'Mayor');
    });
    const newcomer = loser.register('newcomer', 7);
    loser.vote(newcomer, 'Mayor', 'Yes');
    const twinOnWinner = winner.register('twin', 11);
    winner.vote(twinOnWinner, 'Mayor', 'No');
    const twinOnLoser = loser.register('twin', 12);
    loser.vote(twinOnLoser, 'Mayor', 'Yes');

    merge(winner, loser, commonSeq);

    expect(winner.state.voters.get('newcomer')?.publicKey).toEqual(publicKeyOf(7));
    expect(winner.state.voters.get('twin')?.publicKey).toEqual(publicKeyOf(11));
    expect(tally(winner.state, 'Mayor')).toEqual([1, 1]);
    expect(
      winner.state.conflicts.map((conflict) => [conflict.kind, conflict.command, conflict.member]),
    ).toEqual([
      ['member-registration', 'register-voter', 'twin'],
      ['member-registration', 'cast-vote', 'twin'],
    ]);
  });

  it('merges an election created alike on both sides, and renames one that differs, counting its votes there', () => {
    const { winner, loser, commonSeq } = split((side) => {
      side.register('ann');
      side.register('bob');
    });
    const ann: VoterActor = { kind: 'voter', name: 'ann', registration: 1 };
    const bob: VoterActor = { kind: 'voter', name: 'bob', registration: 2 };
    winner.election(ann, 'Same');
    loser.election(ann, 'Same');
    winner.election(ann, 'Differs', ['Yes', 'No']);
    loser.election(bob, 'Differs', ['Red', 'Blue']);
    loser.vote(bob, 'Same', 'No');
    loser.vote(bob, 'Differs', 'Blue');

    merge(winner, loser, commonSeq);

    const renamed = renamedElection('Differs', 'loser-station-id');
    expect(renamed).toBe('Differs (station loser-st)');
    expect(tally(winner.state, 'Same')).toEqual([0, 1]);
    expect(tally(winner.state, 'Differs')).toEqual([0, 0]);
    expect(tally(winner.state, renamed)).toEqual([0, 1]);
    expect(
      winner.state.conflicts.map((conflict) => [conflict.election, conflict.resolution, conflict.renamedTo]),
    ).toEqual([
      ['Same', 'merged', null],
      ['Differs', 'renamed', renamed],
    ]);
  });

  it('applies a merge sent twice once, and undoes a merge exactly', () => {
    const { winner, loser, commonSeq } = split((side) => {
      const ann = side.register('ann');
      side.election(ann, 'Mayor');
    });
    loser.vote({ kind: 'voter', name: 'ann', registration: 1 }, 'Mayor', 'Yes');
    const before = canonicalState(winner.state);
    const command = mergeOf(loser, commonSeq, winner.now());
    const applied = applyCommand(winner.state, winner.state.lastSeq + 1, command);
    expect(applied.outcome.reason).toBe('ok');
    applied.revert?.();
    expect(canonicalState(winner.state)).toEqual(before);
    expect(winner.state.merges).toEqual([]);
    expect(winner.state.mergedHistories.size).toBe(0);

    winner.run(command);
    const again = applyCommand(winner.state, winner.state.lastSeq + 1, { ...command, atMs: winner.now() });
    expect(again).toEqual({ outcome: { code: 1, reason: 'already-merged' }, revert: null });
    expect(tally(winner.state, 'Mayor')).toEqual([1, 0]);
  });

  it('keeps the report, the merges and the merged histories in snapshots', () => {
    const { winner, loser, commonSeq } = split((side) => {
      const ann = side.register('ann');
      side.election(ann, 'Mayor');
    });
    const ann: VoterActor = { kind: 'voter', name: 'ann', registration: 1 };
    winner.vote(ann, 'Mayor', 'Yes');
    loser.vote(ann, 'Mayor', 'No');
    loser.election(ann, 'Mayor 2');
    merge(winner, loser, commonSeq);
    const decoder = new SnapshotDecoder();
    for (const chunk of encodeSnapshot(winner.state)) decoder.accept(chunk);
    const restored = decoder.finish();
    expect(restored.conflicts).toEqual(winner.state.conflicts);
    expect(restored.merges).toEqual(winner.state.merges);
    expect(restored.mergedHistories).toEqual(winner.state.mergedHistories);
    expect(canonicalState(restored)).toEqual(canonicalState(winner.state));
  });

  it('shortens a long election name to fit the limit when renaming it', () => {
    const name = '選'.repeat(limits.electionNameBytesMax / 3);
    const renamed = renamedElection(name, 'abcdef0123456789');
    expect(Buffer.byteLength(renamed)).toBeLessThanOrEqual(limits.electionNameBytesMax);
    expect(renamed.endsWith(' (station abcdef01)')).toBe(true);
  });
});
