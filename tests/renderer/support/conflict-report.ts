/**
 * A conflict report with every kind of conflict and every outcome of each,
 * as the engine keeps it after one merge of a split's losing side
 * (station-b, core/engine/merge.ts): for the renderer's tests and the
 * end-to-end tests, which serve it in place of a station's own report.
 */
import type { Conflict, ConflictReport } from '../../../core/api/interface-api.ts';

/** 2030-05-01 08:30:00 UTC (16:30:00 in Asia/Taipei): the merge. */
export const mergedAtMs = Date.UTC(2030, 4, 1, 8, 30, 0);
/** 2030-05-01 08:10:05 UTC (16:10:05 in Asia/Taipei): when the losing side took its commands. */
export const acceptedAtMs = Date.UTC(2030, 4, 1, 8, 10, 5);

const base = {
  mergedAtMs,
  sourceStationId: 'station-b',
  acceptedAtMs,
  member: null,
  election: null,
  resolution: 'not-counted',
  renamedTo: null,
  reason: null,
} as const;

export const doubleVote: Conflict = {
  ...base,
  kind: 'double-vote',
  command: 'cast-vote',
  member: 'Ada Lovelace',
  election: 'Mayor 2030',
};

export const electionMerged: Conflict = {
  ...base,
  kind: 'election-name',
  command: 'create-election',
  election: 'Library budget',
  resolution: 'merged',
};

export const electionRenamed: Conflict = {
  ...base,
  kind: 'election-name',
  command: 'create-election',
  election: 'Park renovation',
  resolution: 'renamed',
  renamedTo: 'Park renovation (station-b)',
};

export const registrationLost: Conflict = {
  ...base,
  kind: 'member-registration',
  command: 'register-voter',
  member: 'Dana Scully',
};

export const registrationVote: Conflict = {
  ...base,
  kind: 'member-registration',
  command: 'cast-vote',
  member: 'Dana Scully',
  election: 'Mayor 2030',
};

export const notReplayed: Conflict = {
  ...base,
  kind: 'not-replayed',
  command: 'cast-vote',
  member: 'Fox Mulder',
  election: 'Library budget',
  reason: 'election-closed',
};

export const sampleConflictReport: ConflictReport = {
  merges: [{ mergedAtMs, sourceStationId: 'station-b', commands: 42, applied: 36 }],
  conflicts: [doubleVote, electionMerged, electionRenamed, registrationLost, registrationVote, notReplayed],
};

/** One merge in which every command was carried over as it was. */
export const cleanMergeReport: ConflictReport = {
  merges: [{ mergedAtMs, sourceStationId: 'station-b', commands: 7, applied: 7 }],
  conflicts: [],
};
