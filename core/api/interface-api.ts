/**
 * The typed API the station interface (renderer) uses. One definition, two
 * transports: Electron's preload bridge (IPC) and HTTP with server-sent events
 * in a browser. Every operation takes one plain object and answers a plain
 * object; expected refusals are values (the protocol's code with a precise
 * reason, or `Unavailable`), never exceptions. Binary values are Uint8Array;
 * each transport encodes them (see `api-json.ts`).
 *
 * Officials act with a session: a token from `officialSignIn`, issued after the
 * same Ed25519 challenge-response as voters, under its own key domain so a
 * voter's token never opens an official screen.
 */
import type { Conflict, ConflictKind, ConflictReport, MergeSummary } from '../engine/conflicts.ts';
import type { ChoiceCount, ElectionResult } from '../engine/queries.ts';
import type {
  CastVoteReason,
  CreateElectionReason,
  Outcome,
  RegisterVoterReason,
  UnregisterVoterReason,
} from '../protocol/status-codes.ts';
import type { CreateElectionRequest, Unavailable, WriteAnswer } from '../station/station-api.ts';
import type { StationStatus } from '../station/station-status.ts';

export type {
  ChoiceCount,
  Conflict,
  ConflictKind,
  ConflictReport,
  ElectionResult,
  MergeSummary,
  StationStatus,
  Unavailable,
  WriteAnswer,
};

/** Refusal of a call that needs an official's session, when it is missing, forged or expired. */
export interface SessionRefused {
  readonly refused: 'not-signed-in';
}

export type OfficialAnswer<T> = T | SessionRefused;

/** What the interface shows about the station; `nowMs` lets it align countdowns with the station's clock. */
export interface StationOverview {
  readonly status: StationStatus;
  readonly nowMs: number;
  /** True until the first official exists: the interface shows the setup screen. */
  readonly needsFirstOfficial: boolean;
}

export type OfficialReason =
  | 'ok'
  | 'official-exists'
  | 'invalid-name'
  | 'invalid-public-key'
  /** `createFirstOfficial` after an official exists. */
  | 'already-set-up'
  /** The station holds `limits.officialsMax` officials. */
  | 'register-full';

export interface NewOfficialRequest {
  readonly name: string;
  readonly publicKey: Uint8Array;
}

export interface ChallengeRequest {
  readonly name: string;
}

export interface Challenge {
  readonly challenge: Uint8Array;
}

export interface SignInRequest {
  readonly name: string;
  /** Detached Ed25519 signature of the challenge. */
  readonly signature: Uint8Array;
}

export type SignInAnswer =
  | { readonly token: Uint8Array; readonly expiresAtMs: number }
  | { readonly refused: 'authentication-failed' };

export interface OfficialRequest {
  /** The official's session token. */
  readonly session: Uint8Array;
}

export interface RegisterVoterCall extends OfficialRequest {
  readonly name: string;
  readonly group: string;
  readonly publicKey: Uint8Array;
}

export interface UnregisterVoterCall extends OfficialRequest {
  readonly name: string;
}

export interface ListVotersCall extends OfficialRequest {
  /** Case-insensitive substring of the name or group; empty lists everyone. */
  readonly search: string;
  readonly offset: number;
  /** At most `interfaceLimits.votersPageMax`. */
  readonly limit: number;
}

export interface VoterSummary {
  readonly name: string;
  readonly group: string;
}

export interface VoterPage {
  /** Voters matching the search in all. */
  readonly total: number;
  /** Sorted by name. */
  readonly voters: readonly VoterSummary[];
}

export interface ElectionSummary {
  readonly name: string;
  readonly groups: readonly string[];
  readonly choices: readonly string[];
  readonly endsAtMs: number;
  readonly open: boolean;
  /** How many voters have voted (never who chose what). */
  readonly votes: number;
}

/** The protocol's CreateElection, made by an official's session instead of a voter's token. */
export interface CreateElectionCall extends OfficialRequest, Omit<CreateElectionRequest, 'token'> {}

export interface ResultCall {
  readonly election: string;
}

export interface VoterTokenRequest {
  /** The voter's token from `voterSignIn`. */
  readonly token: Uint8Array;
}

export interface BallotElection {
  readonly name: string;
  readonly choices: readonly string[];
  readonly endsAtMs: number;
  readonly alreadyVoted: boolean;
}

/** The elections a signed-in voter may vote in now: open, and allowed for the voter's group. */
export type BallotAnswer =
  | { readonly voter: string; readonly group: string; readonly elections: readonly BallotElection[] }
  | { readonly refused: 'invalid-token' };

export interface CastVoteCall extends VoterTokenRequest {
  readonly election: string;
  readonly choice: string;
}

export interface AuditEntry {
  /** Increasing within one station run. */
  readonly id: number;
  readonly atMs: number;
  readonly level: 'info' | 'warn' | 'error';
  readonly event: string;
  readonly message: string;
}

export interface AuditLogCall extends OfficialRequest {
  /** Entries with a greater id; 0 for all that are kept. */
  readonly afterId: number;
}

/** Pushed to the interface; components never poll. */
export type StationEvent =
  | { readonly type: 'status'; readonly status: StationStatus }
  | { readonly type: 'voters-changed' }
  | { readonly type: 'elections-changed' }
  | { readonly type: 'election-closed'; readonly election: string }
  /** The conflict report (`conflictReport`) changed: a merge after a split, or the state was replaced. */
  | { readonly type: 'conflicts-changed' }
  | { readonly type: 'audit'; readonly entry: AuditEntry };

export interface InterfaceApi {
  overview(): Promise<StationOverview>;

  createFirstOfficial(request: NewOfficialRequest): Promise<WriteAnswer<OfficialReason>>;
  officialChallenge(request: ChallengeRequest): Promise<Challenge>;
  officialSignIn(request: SignInRequest): Promise<SignInAnswer>;
  registerOfficial(
    request: NewOfficialRequest & OfficialRequest,
  ): Promise<OfficialAnswer<WriteAnswer<OfficialReason>>>;

  registerVoter(request: RegisterVoterCall): Promise<OfficialAnswer<WriteAnswer<RegisterVoterReason>>>;
  unregisterVoter(request: UnregisterVoterCall): Promise<OfficialAnswer<WriteAnswer<UnregisterVoterReason>>>;
  listVoters(request: ListVotersCall): Promise<OfficialAnswer<VoterPage>>;

  listElections(request: OfficialRequest): Promise<OfficialAnswer<readonly ElectionSummary[]>>;
  createElection(request: CreateElectionCall): Promise<OfficialAnswer<WriteAnswer<CreateElectionReason>>>;
  getResult(request: ResultCall): Promise<ElectionResult>;

  voterChallenge(request: ChallengeRequest): Promise<Challenge>;
  voterSignIn(request: SignInRequest): Promise<SignInAnswer>;
  ballot(request: VoterTokenRequest): Promise<BallotAnswer>;
  castVote(request: CastVoteCall): Promise<WriteAnswer<CastVoteReason>>;

  auditLog(request: AuditLogCall): Promise<OfficialAnswer<readonly AuditEntry[]>>;
  /**
   * What reconciliation after network splits decided (core/engine/conflicts.ts), oldest first.
   * Never a vote's choice: the report holds none.
   */
  conflictReport(request: OfficialRequest): Promise<OfficialAnswer<ConflictReport>>;

  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: (event: StationEvent) => void): () => void;
}

/** The operations a transport carries as request/answer calls (everything but `subscribe`). */
export type InterfaceOperation = Exclude<keyof InterfaceApi, 'subscribe'>;

export const interfaceOperations: readonly InterfaceOperation[] = [
  'overview',
  'createFirstOfficial',
  'officialChallenge',
  'officialSignIn',
  'registerOfficial',
  'registerVoter',
  'unregisterVoter',
  'listVoters',
  'listElections',
  'createElection',
  'getResult',
  'voterChallenge',
  'voterSignIn',
  'ballot',
  'castVote',
  'auditLog',
  'conflictReport',
];

export const interfaceLimits = {
  votersPageMax: 500,
  /** Audit entries the station keeps in memory for the interface. */
  auditEntriesKept: 1_000,
  /** Largest request body a transport accepts. */
  requestBytesMax: 64 * 1024,
} as const;

export function isSessionRefused(answer: object): answer is SessionRefused {
  return 'refused' in answer && answer.refused === 'not-signed-in';
}

export type { Outcome };
