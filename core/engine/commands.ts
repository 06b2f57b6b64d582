/**
 * The commands that change an election's state. Each carries the time the
 * station assigned to it (`atMs`), so applying the same commands in the same
 * order gives the same state on any machine: the primary, the backup, or a
 * station recovering from its log.
 *
 * Commands reach the engine already authenticated: the station verifies
 * tokens and passes the voter's name and registration number, and the engine
 * checks that this registration is still current.
 */
export interface RegisterVoter {
  readonly kind: 'register-voter';
  readonly atMs: number;
  readonly name: string;
  readonly group: string;
  readonly publicKey: Uint8Array;
}

export interface UnregisterVoter {
  readonly kind: 'unregister-voter';
  readonly atMs: number;
  readonly name: string;
}

/** Who performed a command: a voter as identified by a token. */
export interface Actor {
  readonly voter: string;
  /** The sequence number of the voter's registration the token was issued for. */
  readonly registration: number;
}

export interface CreateElection {
  readonly kind: 'create-election';
  readonly atMs: number;
  readonly actor: Actor;
  readonly name: string;
  readonly groups: readonly string[];
  readonly choices: readonly string[];
  readonly endsAtMs: number;
}

export interface CastVote {
  readonly kind: 'cast-vote';
  readonly atMs: number;
  readonly actor: Actor;
  readonly election: string;
  readonly choice: string;
}

export type Command = RegisterVoter | UnregisterVoter | CreateElection | CastVote;

export type CommandKind = Command['kind'];
