/**
 * What reconciliation after a split decided. Without a witness both stations
 * may accept commands while the link between them is cut; when it heals, the
 * station in the higher epoch wins and replays every command the other side
 * accepted (a `merge-diverged` command). Whatever could not be replayed as it
 * was is kept here, replicated and snapshotted with the rest of the state, so
 * no acknowledged command disappears without a trace. Never holds a choice.
 *
 * The rules:
 * - a voter who voted in one election on both sides is counted once: the vote
 *   the winning station holds counts, the other is listed (`double-vote`);
 * - one election name created on both sides: with the same groups, choices and
 *   end date it is one election (`merged`); otherwise the losing side's election
 *   is kept under a new name that names its station (`renamed`) and its votes
 *   are counted there;
 * - one voter (or official) name registered with different keys or groups: the
 *   winning side's registration stands (`member-registration`), and what the
 *   losing side's registration did (votes, elections) is listed, not counted;
 * - any other command the winner refuses on replay is listed with the refusal
 *   (`not-replayed`).
 */
import type { CommandKind } from './commands.ts';

export type ConflictKind = 'double-vote' | 'election-name' | 'member-registration' | 'not-replayed';

export interface Conflict {
  readonly kind: ConflictKind;
  /** Station time at which the winning station merged the other side's commands. */
  readonly mergedAtMs: number;
  /** The station whose commands were replayed (the losing side of the split). */
  readonly sourceStationId: string;
  /** Station time at which the losing side had accepted the command. */
  readonly acceptedAtMs: number;
  readonly command: CommandKind;
  /** The voter or official concerned, if any. */
  readonly member: string | null;
  /** The election concerned, if any (its name on the losing side). */
  readonly election: string | null;
  /** `election-name` only: 'merged' or 'renamed'. */
  readonly resolution: 'merged' | 'renamed' | 'not-counted';
  /** `election-name` with `renamed`: the name the losing side's election is kept under. */
  readonly renamedTo: string | null;
  /** `not-replayed`: the engine's refusal (a status reason, e.g. 'unknown-election'). */
  readonly reason: string | null;
}

/** One merge of the losing side's commands, for the report's summary. */
export interface MergeSummary {
  readonly mergedAtMs: number;
  readonly sourceStationId: string;
  /** Commands of the losing side replayed in this merge. */
  readonly commands: number;
  /** Of those, how many changed the winner's state. */
  readonly applied: number;
}

export interface ConflictReport {
  readonly merges: readonly MergeSummary[];
  readonly conflicts: readonly Conflict[];
}
