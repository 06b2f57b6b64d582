/**
 * Which of two connected stations leads (serves writes) and which follows.
 * Pure, so both sides reach the same answer from the same two hellos.
 */
import type { StationRole } from './messages.ts';

export interface Candidate {
  readonly stationId: string;
  readonly role: StationRole;
  readonly preferredRole: StationRole;
  readonly epoch: number;
  readonly lastSeq: number;
  readonly fullCopyPending: boolean;
}

/** True if `a` should lead rather than `b`. */
export function leads(a: Candidate, b: Candidate): boolean {
  // A station holding part of a full copy has lost records its peer holds: it never leads that peer.
  if (a.fullCopyPending !== b.fullCopyPending) return !a.fullCopyPending;
  // A serving primary keeps serving; a station that is not primary never displaces one.
  if (a.role !== b.role) return a.role === 'primary';
  if (a.role === 'primary') {
    // Two primaries (a split): the newer epoch wins, then the longer log.
    if (a.epoch !== b.epoch) return a.epoch > b.epoch;
    if (a.lastSeq !== b.lastSeq) return a.lastSeq > b.lastSeq;
    return a.stationId < b.stationId;
  }
  // Neither serves: the more up-to-date history must lead, so nothing acknowledged is lost;
  // among equals, the station the officials chose as primary.
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  if (a.lastSeq !== b.lastSeq) return a.lastSeq > b.lastSeq;
  if (a.preferredRole !== b.preferredRole) return a.preferredRole === 'primary';
  return a.stationId < b.stationId;
}
