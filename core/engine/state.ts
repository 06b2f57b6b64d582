/**
 * The engine's state: the register, the officials and the elections. It holds, per election,
 * who has voted and the tally of each choice, never which voter chose what.
 */
import type { Conflict, MergeSummary } from './conflicts.ts';

export interface VoterRecord {
  readonly group: string;
  readonly publicKey: Uint8Array;
  /** Sequence number of the command that registered this voter; tokens name it. */
  readonly registration: number;
}

export interface OfficialRecord {
  readonly publicKey: Uint8Array;
  /** Sequence number of the command that registered this official; session tokens name it. */
  readonly registration: number;
}

export interface ElectionRecord {
  readonly name: string;
  readonly groups: ReadonlySet<string>;
  readonly choices: readonly string[];
  readonly endsAtMs: number;
  readonly createdAtMs: number;
  /** Vote count per choice, in the order of `choices`. */
  readonly tallies: number[];
  /** Names of the voters who have voted (iteration order is not meaningful and is never exported). */
  readonly voted: Set<string>;
}

/** What this station merged of one losing side's diverged history. */
export interface MergedHistory {
  /** The last of its commands merged (by its sequence number there): a merge sent twice applies once. */
  upToSeq: number;
  /** Elections it created during the split: the name each is kept under here, or null if it was not kept. */
  readonly elections: Map<string, string | null>;
}

export interface EngineState {
  readonly voters: Map<string, VoterRecord>;
  readonly officials: Map<string, OfficialRecord>;
  readonly elections: Map<string, ElectionRecord>;
  /** Sequence number of the last applied command (0 before the first). */
  lastSeq: number;
  /** Time of the last applied command; station time never goes back past it. */
  lastAtMs: number;
  /** Merges of commands a split's losing side accepted, oldest first (core/engine/conflicts.ts). */
  readonly merges: MergeSummary[];
  /** What those merges could not replay as it was, oldest first. */
  readonly conflicts: Conflict[];
  /** Per diverged history merged here (`mergeSourceKey`): how far, and where its elections went. */
  readonly mergedHistories: Map<string, MergedHistory>;
}

export function createEngineState(): EngineState {
  return {
    voters: new Map(),
    officials: new Map(),
    elections: new Map(),
    lastSeq: 0,
    lastAtMs: 0,
    merges: [],
    conflicts: [],
    mergedHistories: new Map(),
  };
}
