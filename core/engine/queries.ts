/** Read-only questions about the engine state. */
import { getResultCodes, outcome, type GetResultReason, type Outcome } from '../protocol/status-codes.ts';
import type { ElectionRecord, EngineState } from './state.ts';

export interface ChoiceCount {
  readonly choice: string;
  readonly count: number;
}

export interface ElectionResult {
  readonly outcome: Outcome<GetResultReason>;
  /** Every choice in the election's order, zero counts included; empty unless the outcome is ok. */
  readonly counts: readonly ChoiceCount[];
}

/** Results exist only once the election has ended: no partial tallies while voting is open. */
export function getResult(state: EngineState, electionName: string, nowMs: number): ElectionResult {
  const election = state.elections.get(electionName);
  if (election === undefined) return { outcome: outcome(getResultCodes, 'unknown-election'), counts: [] };
  if (isOpen(election, nowMs)) return { outcome: outcome(getResultCodes, 'election-ongoing'), counts: [] };
  return {
    outcome: outcome(getResultCodes, 'ok'),
    counts: election.choices.map((choice, index) => ({ choice, count: election.tallies[index] ?? 0 })),
  };
}

export function isOpen(election: ElectionRecord, nowMs: number): boolean {
  return nowMs < election.endsAtMs;
}
