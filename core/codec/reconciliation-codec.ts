/**
 * The snapshot parts that hold what reconciliation after splits did
 * (core/engine/conflicts.ts): the merges, the conflict report and, per merged
 * history, how far it was merged and where its elections went.
 */
import type { CommandKind } from '../engine/commands.ts';
import type { Conflict, ConflictKind, MergeSummary } from '../engine/conflicts.ts';
import type { EngineState, MergedHistory } from '../engine/state.ts';
import {
  arrayField,
  asObject,
  DecodeError,
  encodeJson,
  integerField,
  stringField,
  type JsonObject,
} from './json-fields.ts';

/** Conflicts per snapshot chunk: each holds a few names, so a chunk stays far below the record limit. */
const conflictsPerChunk = 2_000;

export const reconciliationParts = ['merges', 'conflicts', 'merged-histories'] as const;
export type ReconciliationPart = (typeof reconciliationParts)[number];

export function isReconciliationPart(part: string): part is ReconciliationPart {
  return (reconciliationParts as readonly string[]).includes(part);
}

export function encodeReconciliation(state: EngineState): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  if (state.merges.length > 0)
    chunks.push(encodeJson({ part: 'merges', rows: state.merges.map((merge) => ({ ...merge })) }));
  for (let start = 0; start < state.conflicts.length; start += conflictsPerChunk) {
    chunks.push(
      encodeJson({
        part: 'conflicts',
        rows: state.conflicts.slice(start, start + conflictsPerChunk).map((conflict) => ({ ...conflict })),
      }),
    );
  }
  if (state.mergedHistories.size > 0) {
    chunks.push(
      encodeJson({
        part: 'merged-histories',
        rows: [...state.mergedHistories].map(([key, history]) => ({
          key,
          upToSeq: history.upToSeq,
          elections: [...history.elections],
        })),
      }),
    );
  }
  return chunks;
}

/** Adds one reconciliation part's rows to `state`. */
export function decodeReconciliationPart(
  part: ReconciliationPart,
  object: JsonObject,
  state: EngineState,
): void {
  const rows = arrayField(object, 'rows').map((row) => asObject(row, `${part} row`));
  switch (part) {
    case 'merges':
      state.merges.push(...rows.map(decodeMerge));
      return;
    case 'conflicts':
      state.conflicts.push(...rows.map(decodeConflict));
      return;
    case 'merged-histories':
      for (const row of rows) {
        const key = stringField(row, 'key');
        if (state.mergedHistories.has(key)) throw new DecodeError(`merged history ${key} appears twice`);
        state.mergedHistories.set(key, decodeMergedHistory(row));
      }
      return;
  }
}

function decodeMerge(row: JsonObject): MergeSummary {
  return {
    mergedAtMs: integerField(row, 'mergedAtMs'),
    sourceStationId: stringField(row, 'sourceStationId'),
    commands: integerField(row, 'commands'),
    applied: integerField(row, 'applied'),
  };
}

const conflictKinds: readonly ConflictKind[] = [
  'double-vote',
  'election-name',
  'member-registration',
  'not-replayed',
];
const resolutions: readonly Conflict['resolution'][] = ['merged', 'renamed', 'not-counted'];
const commandKinds: readonly CommandKind[] = [
  'register-voter',
  'unregister-voter',
  'register-official',
  'create-election',
  'cast-vote',
  'merge-diverged',
];

function decodeConflict(row: JsonObject): Conflict {
  return {
    kind: oneOf(row, 'kind', conflictKinds),
    mergedAtMs: integerField(row, 'mergedAtMs'),
    sourceStationId: stringField(row, 'sourceStationId'),
    acceptedAtMs: integerField(row, 'acceptedAtMs'),
    command: oneOf(row, 'command', commandKinds),
    member: nullableString(row, 'member'),
    election: nullableString(row, 'election'),
    resolution: oneOf(row, 'resolution', resolutions),
    renamedTo: nullableString(row, 'renamedTo'),
    reason: nullableString(row, 'reason'),
  };
}

function decodeMergedHistory(row: JsonObject): MergedHistory {
  const elections = new Map<string, string | null>();
  for (const pair of arrayField(row, 'elections')) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new DecodeError('malformed merged election');
    const [name, keptAs] = pair as unknown[];
    if (typeof name !== 'string' || (keptAs !== null && typeof keptAs !== 'string'))
      throw new DecodeError('malformed merged election');
    elections.set(name, keptAs);
  }
  return { upToSeq: integerField(row, 'upToSeq'), elections };
}

function oneOf<T extends string>(row: JsonObject, field: string, values: readonly T[]): T {
  const value = stringField(row, field);
  if (!(values as readonly string[]).includes(value))
    throw new DecodeError(`field ${field} has an unknown value`);
  return value as T;
}

function nullableString(row: JsonObject, field: string): string | null {
  return row[field] === null ? null : stringField(row, field);
}
