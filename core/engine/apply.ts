/**
 * The engine: applies one command to the state and answers with the
 * protocol's outcome. Deterministic: the result depends only on the state,
 * the command (which carries its own time) and its sequence number.
 *
 * A command that is accepted changes the state and comes back with `revert`,
 * which undoes exactly that change. The station applies a command at once (so
 * the next command sees it) and reverts it if it cannot be made durable; a
 * refused command changes nothing and consumes no sequence number.
 */
import { limits } from '../protocol/limits.ts';
import {
  castVoteCodes,
  createElectionCodes,
  outcome,
  registerOfficialCodes,
  registerVoterCodes,
  unregisterVoterCodes,
  type CastVoteReason,
  type CreateElectionReason,
  type Outcome,
  type RegisterOfficialReason,
  type RegisterVoterReason,
  type UnregisterVoterReason,
} from '../protocol/status-codes.ts';
import { isValidLabel } from '../protocol/text.ts';
import type {
  CastVote,
  Command,
  CreateElection,
  RegisterOfficial,
  RegisterVoter,
  UnregisterVoter,
} from './commands.ts';
import { mergeDiverged } from './merge.ts';
import { isCurrentActor } from './queries.ts';
import type { ElectionRecord, EngineState } from './state.ts';

/**
 * What a command would do (the `decide…` functions), without doing it yet: its outcome and,
 * if accepted, the change, which returns its own undo. A merge (merge.ts) decides each replayed
 * command and commits them as one.
 */
export interface Decision<Reason extends string> {
  readonly outcome: Outcome<Reason>;
  readonly change: (() => () => void) | null;
}

export interface Applied<Reason extends string> {
  readonly outcome: Outcome<Reason>;
  /** Present when the command changed the state; undoes exactly that change. */
  readonly revert: (() => void) | null;
}

export function registerVoter(
  state: EngineState,
  seq: number,
  command: RegisterVoter,
): Applied<RegisterVoterReason> {
  return commit(state, seq, command.atMs, decideRegisterVoter(state, seq, command));
}

export function decideRegisterVoter(
  state: EngineState,
  seq: number,
  command: RegisterVoter,
): Decision<RegisterVoterReason> {
  const refuse = (reason: RegisterVoterReason) => refusal(outcome(registerVoterCodes, reason));
  if (!isValidLabel(command.name, limits.voterNameBytesMax)) return refuse('invalid-name');
  if (!isValidLabel(command.group, limits.groupNameBytesMax)) return refuse('invalid-group');
  if (!(command.publicKey instanceof Uint8Array) || command.publicKey.length !== limits.publicKeyBytes) {
    return refuse('invalid-public-key');
  }
  // An existing voter is never replaced, whatever key the new request carries.
  if (state.voters.has(command.name)) return refuse('voter-exists');
  if (state.voters.size >= limits.votersMax) return refuse('register-full');

  return {
    outcome: outcome(registerVoterCodes, 'ok'),
    change: () => {
      state.voters.set(command.name, {
        group: command.group,
        publicKey: Uint8Array.from(command.publicKey),
        registration: seq,
      });
      return () => state.voters.delete(command.name);
    },
  };
}

export function unregisterVoter(
  state: EngineState,
  seq: number,
  command: UnregisterVoter,
): Applied<UnregisterVoterReason> {
  return commit(state, seq, command.atMs, decideUnregisterVoter(state, seq, command));
}

export function decideUnregisterVoter(
  state: EngineState,
  seq: number,
  command: UnregisterVoter,
): Decision<UnregisterVoterReason> {
  const refuse = (reason: UnregisterVoterReason) => refusal(outcome(unregisterVoterCodes, reason));
  if (!isValidLabel(command.name, limits.voterNameBytesMax)) return refuse('invalid-name');
  const voter = state.voters.get(command.name);
  if (voter === undefined) return refuse('unknown-voter');

  // Votes already cast stay counted; the voter's tokens die with the registration.
  return {
    outcome: outcome(unregisterVoterCodes, 'ok'),
    change: () => {
      state.voters.delete(command.name);
      return () => state.voters.set(command.name, voter);
    },
  };
}

/** The first official needs no one's leave (the station is empty); every later one needs an official's. */
export function registerOfficial(
  state: EngineState,
  seq: number,
  command: RegisterOfficial,
): Applied<RegisterOfficialReason> {
  return commit(state, seq, command.atMs, decideRegisterOfficial(state, seq, command));
}

export function decideRegisterOfficial(
  state: EngineState,
  seq: number,
  command: RegisterOfficial,
): Decision<RegisterOfficialReason> {
  const refuse = (reason: RegisterOfficialReason) => refusal(outcome(registerOfficialCodes, reason));
  if (command.actor === null) {
    if (state.officials.size > 0) return refuse('already-set-up');
  } else if (!isCurrentActor(state, command.actor)) {
    return refuse('invalid-token');
  }
  if (!isValidLabel(command.name, limits.officialNameBytesMax)) return refuse('invalid-name');
  if (!(command.publicKey instanceof Uint8Array) || command.publicKey.length !== limits.publicKeyBytes) {
    return refuse('invalid-public-key');
  }
  // As with voters, an existing official's key is never replaced.
  if (state.officials.has(command.name)) return refuse('official-exists');
  if (state.officials.size >= limits.officialsMax) return refuse('register-full');

  return {
    outcome: outcome(registerOfficialCodes, 'ok'),
    change: () => {
      state.officials.set(command.name, {
        publicKey: Uint8Array.from(command.publicKey),
        registration: seq,
      });
      return () => state.officials.delete(command.name);
    },
  };
}

export function createElection(
  state: EngineState,
  seq: number,
  command: CreateElection,
): Applied<CreateElectionReason> {
  return commit(state, seq, command.atMs, decideCreateElection(state, seq, command));
}

export function decideCreateElection(
  state: EngineState,
  seq: number,
  command: CreateElection,
): Decision<CreateElectionReason> {
  const refuse = (reason: CreateElectionReason) => refusal(outcome(createElectionCodes, reason));
  if (!isCurrentActor(state, command.actor)) return refuse('invalid-token');
  if (command.groups.length === 0) return refuse('missing-groups');
  if (command.choices.length === 0) return refuse('missing-choices');
  if (!isValidLabel(command.name, limits.electionNameBytesMax)) return refuse('invalid-name');
  // An existing election is never overwritten.
  if (state.elections.has(command.name)) return refuse('election-exists');
  if (state.elections.size >= limits.electionsMax) return refuse('too-many-elections');
  if (command.groups.length > limits.groupsPerElectionMax) return refuse('too-many-groups');
  if (!command.groups.every((group) => isValidLabel(group, limits.groupNameBytesMax))) {
    return refuse('invalid-group');
  }
  if (new Set(command.groups).size !== command.groups.length) return refuse('duplicate-group');
  if (command.choices.length > limits.choicesPerElectionMax) return refuse('too-many-choices');
  if (!command.choices.every((choice) => isValidLabel(choice, limits.choiceNameBytesMax))) {
    return refuse('invalid-choice');
  }
  if (new Set(command.choices).size !== command.choices.length) return refuse('duplicate-choice');
  if (!Number.isSafeInteger(command.endsAtMs)) return refuse('invalid-end-date');
  if (command.endsAtMs <= command.atMs) return refuse('end-date-not-in-future');
  if (command.endsAtMs - command.atMs > limits.electionDurationMsMax) return refuse('end-date-too-far');

  return {
    outcome: outcome(createElectionCodes, 'ok'),
    change: () => {
      const election: ElectionRecord = {
        name: command.name,
        groups: new Set(command.groups),
        choices: [...command.choices],
        endsAtMs: command.endsAtMs,
        createdAtMs: command.atMs,
        tallies: command.choices.map(() => 0),
        voted: new Set(),
      };
      state.elections.set(command.name, election);
      return () => state.elections.delete(command.name);
    },
  };
}

export function castVote(state: EngineState, seq: number, command: CastVote): Applied<CastVoteReason> {
  return commit(state, seq, command.atMs, decideCastVote(state, seq, command));
}

export function decideCastVote(state: EngineState, seq: number, command: CastVote): Decision<CastVoteReason> {
  const refuse = (reason: CastVoteReason) => refusal(outcome(castVoteCodes, reason));
  if (!isCurrentActor(state, command.actor)) return refuse('invalid-token');
  const election = state.elections.get(command.election);
  if (election === undefined) return refuse('unknown-election');
  if (command.atMs >= election.endsAtMs) return refuse('election-closed');
  const voter = command.actor.name;
  const group = state.voters.get(voter)?.group;
  if (group === undefined || !election.groups.has(group)) return refuse('group-not-allowed');
  if (election.voted.has(voter)) return refuse('already-voted');
  const choiceIndex = election.choices.indexOf(command.choice);
  if (choiceIndex < 0) return refuse('unknown-choice');

  return {
    outcome: outcome(castVoteCodes, 'ok'),
    change: () => {
      election.voted.add(voter);
      election.tallies[choiceIndex] = (election.tallies[choiceIndex] ?? 0) + 1;
      return () => {
        election.voted.delete(voter);
        election.tallies[choiceIndex] = (election.tallies[choiceIndex] ?? 0) - 1;
      };
    },
  };
}

/** Applies any command; used where the kind is only known at run time (log replay, replication). */
export function applyCommand(state: EngineState, seq: number, command: Command): Applied<string> {
  switch (command.kind) {
    case 'register-voter':
      return registerVoter(state, seq, command);
    case 'unregister-voter':
      return unregisterVoter(state, seq, command);
    case 'register-official':
      return registerOfficial(state, seq, command);
    case 'create-election':
      return createElection(state, seq, command);
    case 'cast-vote':
      return castVote(state, seq, command);
    case 'merge-diverged':
      return mergeDiverged(state, seq, command);
  }
}

function refusal<Reason extends string>(result: Outcome<Reason>): Decision<Reason> {
  return { outcome: result, change: null };
}

/** Runs an accepted decision's change, records the command's position and time, and returns an undo for both. */
export function commit<Reason extends string>(
  state: EngineState,
  seq: number,
  atMs: number,
  decision: Decision<Reason>,
): Applied<Reason> {
  if (decision.change === null) return { outcome: decision.outcome, revert: null };
  if (seq !== state.lastSeq + 1) {
    throw new Error(`command sequence ${seq} does not follow ${state.lastSeq}`);
  }
  if (!Number.isSafeInteger(atMs) || atMs < state.lastAtMs) {
    throw new Error(`command time ${atMs} is before the previous command's time ${state.lastAtMs}`);
  }
  const previousSeq = state.lastSeq;
  const previousAtMs = state.lastAtMs;
  const undoChange = decision.change();
  state.lastSeq = seq;
  state.lastAtMs = atMs;
  return {
    outcome: decision.outcome,
    revert: () => {
      if (state.lastSeq !== seq) throw new Error(`revert of ${seq} out of order (last is ${state.lastSeq})`);
      undoChange();
      state.lastSeq = previousSeq;
      state.lastAtMs = previousAtMs;
    },
  };
}
