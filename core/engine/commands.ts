/**
 * The commands that change an election's state. Each carries the time the
 * station assigned to it (`atMs`), so applying the same commands in the same
 * order gives the same state on any machine: the primary, the backup, or a
 * station recovering from its log.
 *
 * Commands reach the engine already authenticated: the station verifies
 * tokens and passes the actor's name and registration number, and the engine
 * checks that this registration is still current in the actor's register.
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

/** Voters and officials are registered apart: a name in one register means nothing in the other. */
export type ActorKind = 'voter' | 'official';

/** Who performed a command, as identified by a token. */
export interface Actor {
  readonly kind: ActorKind;
  readonly name: string;
  /** The sequence number of the registration the token was issued for. */
  readonly registration: number;
}

export interface VoterActor extends Actor {
  readonly kind: 'voter';
}

export interface OfficialActor extends Actor {
  readonly kind: 'official';
}

/** Officials run the station through its interface; they are never voters by virtue of it. */
export interface RegisterOfficial {
  readonly kind: 'register-official';
  readonly atMs: number;
  /** The official registering this one; null for the first official, who sets the station up. */
  readonly actor: OfficialActor | null;
  readonly name: string;
  readonly publicKey: Uint8Array;
}

export interface CreateElection {
  readonly kind: 'create-election';
  readonly atMs: number;
  /** A voter (the protocol lets any voter create one) or an official (the interface). */
  readonly actor: Actor;
  readonly name: string;
  readonly groups: readonly string[];
  readonly choices: readonly string[];
  readonly endsAtMs: number;
}

export interface CastVote {
  readonly kind: 'cast-vote';
  readonly atMs: number;
  readonly actor: VoterActor;
  readonly election: string;
  readonly choice: string;
}

export type Command = RegisterVoter | UnregisterVoter | RegisterOfficial | CreateElection | CastVote;

export type CommandKind = Command['kind'];
