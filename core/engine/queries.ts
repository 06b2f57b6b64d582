/** Read-only questions about the engine state. */
import { getResultCodes, outcome, type GetResultReason, type Outcome } from '../protocol/status-codes.ts';
import type { Actor, ActorKind } from './commands.ts';
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

/** What both registers hold about a member: enough to check a signature and a token. */
export interface Registration {
  readonly publicKey: Uint8Array;
  readonly registration: number;
}

export function registerOf(state: EngineState, kind: ActorKind): ReadonlyMap<string, Registration> {
  return kind === 'voter' ? state.voters : state.officials;
}

/** True if the actor's registration is still the one in its register (a token outlives nothing). */
export function isCurrentActor(state: EngineState, actor: Actor): boolean {
  return registerOf(state, actor.kind).get(actor.name)?.registration === actor.registration;
}
