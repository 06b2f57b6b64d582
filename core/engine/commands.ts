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

/**
 * After a split, the winning station replays what the losing side accepted
 * (core/engine/conflicts.ts states the rules). The commands keep their own
 * times, so a vote cast while an election was open still counts after it closed.
 */
export interface MergeDiverged {
  readonly kind: 'merge-diverged';
  readonly atMs: number;
  /** The losing station. */
  readonly sourceStationId: string;
  /** The last sequence number both stations held alike: the losing side's commands follow it. */
  readonly commonSeq: number;
  readonly commands: readonly DivergedCommand[];
}

/** One command of the losing side, with what the winner needs to tell whom it concerns. */
export interface DivergedCommand {
  /** Its sequence number on the losing station. */
  readonly seq: number;
  readonly command: Command;
  /**
   * The key of the member the command concerns (its actor, or the voter it unregisters) when
   * that member was registered on the losing side during the split; null for a member both
   * sides knew then (registrations are sequence numbers, which differ after a split).
   */
  readonly memberKey: Uint8Array | null;
  /** True if the election the command names was created on the losing side during the split. */
  readonly electionFromSplit: boolean;
}

export type Command =
  RegisterVoter | UnregisterVoter | RegisterOfficial | CreateElection | CastVote | MergeDiverged;

export type CommandKind = Command['kind'];
