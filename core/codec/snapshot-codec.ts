/**
 * The engine state as a snapshot: a list of bounded JSON chunks, so that a
 * register of millions of voters is written, read and streamed to a backup
 * piece by piece.
 *
 * Ballot secrecy at rest: a snapshot holds, per election, the tallies and the
 * names of those who voted, sorted so that nothing reveals the order of
 * casting; it never holds which voter chose what.
 */
import type { ElectionRecord, EngineState, OfficialRecord, VoterRecord } from '../engine/state.ts';
import { createEngineState } from '../engine/state.ts';
import { limits } from '../protocol/limits.ts';
import { isValidLabel } from '../protocol/text.ts';
import {
  DecodeError,
  arrayField,
  bytesField,
  encodeJson,
  integerField,
  parseJson,
  stringArrayField,
  stringField,
  type JsonObject,
} from './json-fields.ts';
import {
  decodeReconciliationPart,
  encodeReconciliation,
  isReconciliationPart,
} from './reconciliation-codec.ts';

/** Format 2 added the officials, format 3 reconciliation's parts; older snapshots are still read. */
const snapshotFormat = 3;
const readableFormats: readonly number[] = [1, 2, 3];
/** About 1 MiB per chunk at the longest names; typical chunks are far smaller. */
const namesPerChunk = 4_000;

type VoterRow = readonly [name: string, group: string, registration: number];
type OfficialRow = readonly [name: string, registration: number];

export function encodeSnapshot(state: EngineState): Uint8Array[] {
  const chunks: Uint8Array[] = [
    encodeJson({
      part: 'header',
      format: snapshotFormat,
      lastSeq: state.lastSeq,
      lastAtMs: state.lastAtMs,
      voters: state.voters.size,
      officials: state.officials.size,
      elections: state.elections.size,
      conflicts: state.conflicts.length,
    }),
  ];
  chunks.push(
    ...keyedChunks('voters', state.voters, (name, voter): VoterRow => [
      name,
      voter.group,
      voter.registration,
    ]),
    ...keyedChunks('officials', state.officials, (name, official): OfficialRow => [
      name,
      official.registration,
    ]),
  );
  for (const election of state.elections.values()) {
    chunks.push(
      encodeJson({
        part: 'election',
        name: election.name,
        groups: [...election.groups],
        choices: election.choices,
        endsAtMs: election.endsAtMs,
        createdAtMs: election.createdAtMs,
        tallies: election.tallies,
        voted: election.voted.size,
      }),
    );
    const voted = [...election.voted].sort();
    for (let start = 0; start < voted.length; start += namesPerChunk) {
      chunks.push(
        encodeJson({
          part: 'voted',
          election: election.name,
          names: voted.slice(start, start + namesPerChunk),
        }),
      );
    }
  }
  chunks.push(...encodeReconciliation(state));
  return chunks;
}

/**
 * Chunks of `part` rows with the members' keys alongside as one base64 string: decoding a
 * million small strings one by one made up most of a restart.
 */
function keyedChunks<Member extends { readonly publicKey: Uint8Array }>(
  part: 'voters' | 'officials',
  members: ReadonlyMap<string, Member>,
  rowOf: (name: string, member: Member) => readonly unknown[],
): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let rows: (readonly unknown[])[] = [];
  let keys: Uint8Array[] = [];
  const flush = () => {
    chunks.push(encodeJson({ part, rows, keys: Buffer.concat(keys).toString('base64') }));
    rows = [];
    keys = [];
  };
  for (const [name, member] of members) {
    rows.push(rowOf(name, member));
    keys.push(member.publicKey);
    if (rows.length === namesPerChunk) flush();
  }
  if (rows.length > 0) flush();
  return chunks;
}

/** Rebuilds the state chunk by chunk, checking every value against the engine's limits. */
export class SnapshotDecoder {
  private readonly state = createEngineState();
  private header: { voters: number; officials: number; elections: number; conflicts: number } | null = null;

  accept(chunk: Uint8Array): void {
    const object = parseJson(chunk, 'snapshot chunk');
    const part = stringField(object, 'part');
    if (part === 'header') {
      if (this.header !== null) throw new DecodeError('second snapshot header');
      const format = integerField(object, 'format');
      if (!readableFormats.includes(format)) throw new DecodeError(`unknown snapshot format ${format}`);
      this.state.lastSeq = integerField(object, 'lastSeq');
      this.state.lastAtMs = integerField(object, 'lastAtMs');
      this.header = {
        voters: integerField(object, 'voters'),
        officials: format === 1 ? 0 : integerField(object, 'officials'),
        elections: integerField(object, 'elections'),
        conflicts: format < 3 ? 0 : integerField(object, 'conflicts'),
      };
      return;
    }
    if (this.header === null) throw new DecodeError('snapshot chunk before the header');
    switch (part) {
      case 'voters':
        forEachKeyedRow(object, (row, publicKey) => {
          this.addVoter(row, publicKey);
        });
        return;
      case 'officials':
        forEachKeyedRow(object, (row, publicKey) => {
          this.addOfficial(row, publicKey);
        });
        return;
      case 'election':
        this.addElection(object);
        return;
      case 'voted':
        this.addVoted(stringField(object, 'election'), stringArrayField(object, 'names'));
        return;
      default:
        if (isReconciliationPart(part)) {
          decodeReconciliationPart(part, object, this.state);
          return;
        }
        throw new DecodeError(`unknown snapshot part ${JSON.stringify(part).slice(0, 40)}`);
    }
  }

  finish(): EngineState {
    if (this.header === null) throw new DecodeError('snapshot has no header');
    if (
      this.state.voters.size !== this.header.voters ||
      this.state.officials.size !== this.header.officials ||
      this.state.elections.size !== this.header.elections ||
      this.state.conflicts.length !== this.header.conflicts
    ) {
      throw new DecodeError('snapshot is incomplete: counts differ from its header');
    }
    for (const election of this.state.elections.values()) {
      const counted = election.tallies.reduce((sum, count) => sum + count, 0);
      if (counted !== election.voted.size) {
        throw new DecodeError(`election ${election.name}: tallies (${counted}) differ from voters who voted`);
      }
    }
    return this.state;
  }

  private addVoter(row: unknown, publicKey: Uint8Array): void {
    if (!Array.isArray(row) || row.length !== 3) throw new DecodeError('malformed voter row');
    const [name, group, registration] = row as unknown[];
    if (!isValidLabel(name, limits.voterNameBytesMax) || !isValidLabel(group, limits.groupNameBytesMax)) {
      throw new DecodeError('voter row with an invalid name or group');
    }
    if (typeof registration !== 'number' || !Number.isSafeInteger(registration)) {
      throw new DecodeError(`voter ${name}: malformed registration`);
    }
    const voter: VoterRecord = { group, publicKey, registration };
    if (this.state.voters.has(name)) throw new DecodeError(`voter ${name} appears twice`);
    this.state.voters.set(name, voter);
  }

  private addOfficial(row: unknown, publicKey: Uint8Array): void {
    if (!Array.isArray(row) || row.length !== 2) throw new DecodeError('malformed official row');
    const [name, registration] = row as unknown[];
    if (!isValidLabel(name, limits.officialNameBytesMax))
      throw new DecodeError('official row with an invalid name');
    if (typeof registration !== 'number' || !Number.isSafeInteger(registration)) {
      throw new DecodeError(`official ${name}: malformed registration`);
    }
    if (this.state.officials.has(name)) throw new DecodeError(`official ${name} appears twice`);
    if (this.state.officials.size >= limits.officialsMax) throw new DecodeError('too many officials');
    const official: OfficialRecord = { publicKey, registration };
    this.state.officials.set(name, official);
  }

  private addElection(object: JsonObject): void {
    const name = stringField(object, 'name');
    const choices = stringArrayField(object, 'choices');
    const tallies = arrayField(object, 'tallies');
    if (
      tallies.length !== choices.length ||
      !tallies.every((count) => typeof count === 'number' && Number.isSafeInteger(count) && count >= 0)
    ) {
      throw new DecodeError(`election ${name}: malformed tallies`);
    }
    if (this.state.elections.has(name)) throw new DecodeError(`election ${name} appears twice`);
    const election: ElectionRecord = {
      name,
      groups: new Set(stringArrayField(object, 'groups')),
      choices,
      endsAtMs: integerField(object, 'endsAtMs'),
      createdAtMs: integerField(object, 'createdAtMs'),
      tallies: tallies as number[],
      voted: new Set(),
    };
    this.state.elections.set(name, election);
  }

  private addVoted(electionName: string, names: readonly string[]): void {
    const election = this.state.elections.get(electionName);
    if (election === undefined) throw new DecodeError(`voted list for unknown election ${electionName}`);
    for (const name of names) election.voted.add(name);
  }
}

/** Calls `accept` with each row of a voters or officials chunk and that member's key. */
function forEachKeyedRow(object: JsonObject, accept: (row: unknown, publicKey: Uint8Array) => void): void {
  const rows = arrayField(object, 'rows');
  const keys = bytesField(object, 'keys');
  if (keys.length !== rows.length * limits.publicKeyBytes) throw new DecodeError('keys do not match rows');
  rows.forEach((row, index) => {
    const start = index * limits.publicKeyBytes;
    accept(row, keys.subarray(start, start + limits.publicKeyBytes));
  });
}
