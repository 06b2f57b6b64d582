/**
 * The one typed API of a station. It is implemented once (`Station`) and
 * served over gRPC for protocol clients, and over IPC and HTTP for the
 * interface. Every method takes one object; expected refusals come back as
 * values (the protocol's code with a precise reason), never as exceptions.
 */
import type { ElectionResult } from '../engine/queries.ts';
import type {
  CastVoteReason,
  CreateElectionReason,
  Outcome,
  RegisterVoterReason,
  UnregisterVoterReason,
} from '../protocol/status-codes.ts';

/** Why a station could not take a write at all (the protocol has no code for these). */
export type UnavailableReason =
  | 'storage-full'
  | 'storage-failed'
  | 'stopping'
  /** This station is the backup, or is not serving as primary right now. */
  | 'not-primary'
  /** A backup is required (--require-backup) and none is in sync. */
  | 'backup-unavailable'
  /**
   * With a witness: this station holds no majority (neither the witness nor its backup confirmed
   * it in time), or lost it before it could confirm a change it recorded.
   */
  | 'no-quorum';

export interface Unavailable {
  readonly unavailable: UnavailableReason;
  readonly message: string;
}

export type WriteAnswer<Reason extends string> = Outcome<Reason> | Unavailable;

export type AuthAnswer =
  | { readonly token: Uint8Array; readonly expiresAtMs: number }
  | { readonly refused: 'authentication-failed' };

export interface RegisterVoterRequest {
  readonly name: string;
  readonly group: string;
  readonly publicKey: Uint8Array;
}

export interface VoterNameRequest {
  readonly name: string;
}

export interface AuthRequest {
  readonly name: string;
  readonly signature: Uint8Array;
}

export interface RegisterOfficialRequest {
  /** The registering official's session token; null for the first official, who sets the station up. */
  readonly session: Uint8Array | null;
  readonly name: string;
  readonly publicKey: Uint8Array;
}

export interface CreateElectionRequest {
  readonly token: Uint8Array;
  readonly name: string;
  readonly groups: readonly string[];
  readonly choices: readonly string[];
  readonly endsAtMs: number;
}

export interface CastVoteRequest {
  readonly token: Uint8Array;
  readonly election: string;
  readonly choice: string;
}

export interface ElectionNameRequest {
  readonly election: string;
}

export interface StationApi {
  registerVoter(request: RegisterVoterRequest): Promise<WriteAnswer<RegisterVoterReason>>;
  unregisterVoter(request: VoterNameRequest): Promise<WriteAnswer<UnregisterVoterReason>>;
  preAuth(request: VoterNameRequest): Promise<{ readonly challenge: Uint8Array }>;
  auth(request: AuthRequest): Promise<AuthAnswer>;
  createElection(request: CreateElectionRequest): Promise<WriteAnswer<CreateElectionReason>>;
  castVote(request: CastVoteRequest): Promise<WriteAnswer<CastVoteReason>>;
  getResult(request: ElectionNameRequest): Promise<ElectionResult>;
}

export function isUnavailable(answer: object): answer is Unavailable {
  return 'unavailable' in answer;
}
