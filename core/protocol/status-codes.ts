/**
 * The protocol's numeric status codes (shared/protocol.md), paired with a
 * precise reason so that the interface can say exactly what went wrong while
 * protocol clients still see the numbers they expect.
 */
export const registerVoterCodes = {
  ok: 0,
  'voter-exists': 1,
  'invalid-name': 2,
  'invalid-group': 2,
  'invalid-public-key': 2,
  'register-full': 2,
} as const;

export const unregisterVoterCodes = {
  ok: 0,
  'unknown-voter': 1,
  'invalid-name': 2,
} as const;

export const createElectionCodes = {
  ok: 0,
  'invalid-token': 1,
  'missing-groups': 2,
  'missing-choices': 2,
  'election-exists': 3,
  'end-date-not-in-future': 3,
  'end-date-too-far': 3,
  'invalid-end-date': 3,
  'invalid-name': 3,
  'invalid-group': 3,
  'invalid-choice': 3,
  'duplicate-group': 3,
  'duplicate-choice': 3,
  'too-many-groups': 3,
  'too-many-choices': 3,
  'too-many-elections': 3,
} as const;

export const castVoteCodes = {
  ok: 0,
  'invalid-token': 1,
  'unknown-election': 2,
  'election-closed': 2,
  'group-not-allowed': 3,
  'already-voted': 4,
  'unknown-choice': 5,
} as const;

export const getResultCodes = {
  ok: 0,
  'unknown-election': 1,
  'election-ongoing': 2,
} as const;

/**
 * Officials are not part of the gRPC protocol; their codes follow RegisterVoter's
 * pattern (0 ok, 1 exists, 2 invalid input) so that logs and tests read alike.
 */
export const registerOfficialCodes = {
  ok: 0,
  'official-exists': 1,
  'invalid-name': 2,
  'invalid-public-key': 2,
  'register-full': 2,
  /** The registering official's session names a registration that is not current. */
  'invalid-token': 3,
  /** A first official was asked for while one exists. */
  'already-set-up': 4,
} as const;

export type RegisterVoterReason = keyof typeof registerVoterCodes;
export type UnregisterVoterReason = keyof typeof unregisterVoterCodes;
export type RegisterOfficialReason = keyof typeof registerOfficialCodes;
export type CreateElectionReason = keyof typeof createElectionCodes;
export type CastVoteReason = keyof typeof castVoteCodes;
export type GetResultReason = keyof typeof getResultCodes;

/** An outcome as the station reports it: the protocol's code and the precise reason. */
export interface Outcome<Reason extends string> {
  readonly code: number;
  readonly reason: Reason;
}

export function outcome<Reason extends string>(
  codes: Readonly<Record<Reason, number>>,
  reason: Reason,
): Outcome<Reason> {
  return { code: codes[reason], reason };
}
