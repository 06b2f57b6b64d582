/**
 * Reconciliation after a split: the winning station replays, in their order,
 * the commands the losing side accepted (a `merge-diverged` command), under the
 * rules stated in conflicts.ts, and keeps what it could not replay as it was in
 * the conflict report. Pure and deterministic like the rest of the engine: the
 * backup applying the same merge reaches the same state and the same report.
 *
 * Every replayed command is decided with its own time (a vote cast while the
 * election was open counts even if the merge comes after its end); the merge
 * commits them all as one command at the merge's own time and sequence number,
 * which is therefore the registration of every member it registers.
 */
import { limits } from '../protocol/limits.ts';
import { outcome } from '../protocol/status-codes.ts';
import {
  commit,
  decideCastVote,
  decideCreateElection,
  decideRegisterOfficial,
  decideRegisterVoter,
  decideUnregisterVoter,
  type Applied,
  type Decision,
} from './apply.ts';
import type {
  Actor,
  CastVote,
  Command,
  CreateElection,
  DivergedCommand,
  MergeDiverged,
  RegisterOfficial,
  RegisterVoter,
  UnregisterVoter,
} from './commands.ts';
import type { Conflict } from './conflicts.ts';
import { registerOf, type Registration } from './queries.ts';
import type { EngineState, MergedHistory } from './state.ts';

const mergeCodes = { ok: 0, 'already-merged': 1 } as const;
export type MergeReason = keyof typeof mergeCodes;

/** Identifies one diverged history: the losing station and where it left the common one. */
export function mergeSourceKey(sourceStationId: string, commonSeq: number): string {
  return `${sourceStationId}@${commonSeq}`;
}

export function mergeDiverged(state: EngineState, seq: number, command: MergeDiverged): Applied<MergeReason> {
  const key = mergeSourceKey(command.sourceStationId, command.commonSeq);
  const known = state.mergedHistories.get(key);
  const upToSeq = known?.upToSeq ?? command.commonSeq;
  // Sent again (the answer was lost, or the winner restarted): what is merged is not merged twice.
  const fresh = command.commands.filter((entry) => entry.seq > upToSeq);
  const last = fresh.at(-1);
  if (last === undefined) return { outcome: outcome(mergeCodes, 'already-merged'), revert: null };

  return commit(state, seq, command.atMs, {
    outcome: outcome(mergeCodes, 'ok'),
    change: () => {
      const history = known ?? { upToSeq, elections: new Map<string, string | null>() };
      if (known === undefined) state.mergedHistories.set(key, history);
      const replay = new Replay(state, seq, command, history);
      for (const entry of fresh) replay.apply(entry);
      history.upToSeq = last.seq;
      state.merges.push({
        mergedAtMs: command.atMs,
        sourceStationId: command.sourceStationId,
        commands: fresh.length,
        applied: replay.applied,
      });
      return () => {
        state.merges.pop();
        replay.undo();
        history.upToSeq = upToSeq;
        if (known === undefined) state.mergedHistories.delete(key);
      };
    },
  });
}

/** The replay of one merge: decides each command against the state as the previous ones left it. */
class Replay {
  applied = 0;
  private readonly undos: (() => void)[] = [];
  private readonly conflictsBefore: number;

  constructor(
    private readonly state: EngineState,
    private readonly seq: number,
    private readonly merge: MergeDiverged,
    private readonly history: MergedHistory,
  ) {
    this.conflictsBefore = state.conflicts.length;
  }

  apply(entry: DivergedCommand): void {
    const command = entry.command;
    switch (command.kind) {
      case 'register-voter':
        this.registerVoter(entry, command);
        return;
      case 'register-official':
        this.registerOfficial(entry, command);
        return;
      case 'unregister-voter':
        this.unregisterVoter(entry, command);
        return;
      case 'create-election':
        this.createElection(entry, command);
        return;
      case 'cast-vote':
        this.castVote(entry, command);
        return;
      case 'merge-diverged':
        // Never sent by a pair (DivergedHistory leaves out merges of the winner's own commands,
        // the only ones the other station can hold); listed rather than guessed at.
        this.conflict(entry, 'not-replayed', { reason: 'merge-of-a-merge' });
        return;
    }
  }

  undo(): void {
    for (const undo of this.undos.reverse()) undo();
    this.state.conflicts.length = this.conflictsBefore;
  }

  private registerVoter(entry: DivergedCommand, command: RegisterVoter): void {
    const existing = this.state.voters.get(command.name);
    if (existing !== undefined) {
      // Registered alike on both sides: nothing to reconcile.
      if (!sameKey(existing, command.publicKey) || existing.group !== command.group)
        this.conflict(entry, 'member-registration', { member: command.name });
      return;
    }
    this.run(entry, decideRegisterVoter(this.state, this.seq, command), { member: command.name });
  }

  private registerOfficial(entry: DivergedCommand, command: RegisterOfficial): void {
    const existing = this.state.officials.get(command.name);
    if (existing !== undefined) {
      if (!sameKey(existing, command.publicKey))
        this.conflict(entry, 'member-registration', { member: command.name });
      return;
    }
    // The losing side's first official is refused ('already-set-up') if this station has its own.
    const actor = command.actor === null ? null : this.actorOf(entry, command.actor);
    if (command.actor !== null && actor === null) {
      this.conflict(entry, 'member-registration', { member: command.actor.name });
      return;
    }
    this.run(entry, decideRegisterOfficial(this.state, this.seq, { ...command, actor }), {
      member: command.name,
    });
  }

  private unregisterVoter(entry: DivergedCommand, command: UnregisterVoter): void {
    const current = this.state.voters.get(command.name);
    // Gone on the winner too: nothing to do.
    if (current === undefined) return;
    if (!this.isSameMember(entry, current, current.registration)) {
      this.conflict(entry, 'member-registration', { member: command.name });
      return;
    }
    this.run(entry, decideUnregisterVoter(this.state, this.seq, command), { member: command.name });
  }

  private createElection(entry: DivergedCommand, command: CreateElection): void {
    const details = { member: command.actor.name, election: command.name };
    const keptAs = this.createdElection(entry, command, details);
    const previous = this.history.elections.get(command.name);
    this.history.elections.set(command.name, keptAs);
    this.undos.push(() => {
      if (previous === undefined) this.history.elections.delete(command.name);
      else this.history.elections.set(command.name, previous);
    });
  }

  /** Replays the creation; answers the name the election is kept under here, or null. */
  private createdElection(
    entry: DivergedCommand,
    command: CreateElection,
    details: ConflictDetails,
  ): string | null {
    const actor = this.actorOf(entry, command.actor);
    if (actor === null) {
      this.conflict(entry, 'member-registration', details);
      return null;
    }
    const existing = this.state.elections.get(command.name);
    if (existing === undefined) {
      return this.run(entry, decideCreateElection(this.state, this.seq, { ...command, actor }), details)
        ? command.name
        : null;
    }
    if (sameDefinition(existing, command)) {
      this.conflict(entry, 'election-name', { ...details, resolution: 'merged' });
      return command.name;
    }
    const renamedTo = renamedElection(command.name, this.merge.sourceStationId);
    if (
      !this.run(
        entry,
        decideCreateElection(this.state, this.seq, { ...command, actor, name: renamedTo }),
        details,
      )
    )
      return null;
    this.conflict(entry, 'election-name', { ...details, resolution: 'renamed', renamedTo });
    return renamedTo;
  }

  private castVote(entry: DivergedCommand, command: CastVote): void {
    const details = { member: command.actor.name, election: command.election };
    const actor = this.actorOf(entry, command.actor);
    if (actor === null) {
      this.conflict(entry, 'member-registration', details);
      return;
    }
    // An election of the split is found under the name it was kept by here (or was not kept).
    const election = entry.electionFromSplit
      ? this.history.elections.get(command.election)
      : command.election;
    if (election === null || election === undefined) {
      this.conflict(entry, 'not-replayed', { ...details, reason: 'unknown-election' });
      return;
    }
    const decision = decideCastVote(this.state, this.seq, { ...command, actor, election });
    if (decision.outcome.reason === 'already-voted') {
      this.conflict(entry, 'double-vote', details);
      return;
    }
    this.run(entry, decision, details);
  }

  /** The actor as this station knows it, or null if its registration here is another one. */
  private actorOf<A extends Actor>(entry: DivergedCommand, actor: A): A | null {
    const current = registerOf(this.state, actor.kind).get(actor.name);
    if (current === undefined || !this.isSameMember(entry, current, actor.registration)) return null;
    return { ...actor, registration: current.registration };
  }

  /**
   * True if the registration this station holds is the member the losing side's command
   * concerned: one with the key the losing side registered during the split, or else the
   * very registration (`registration`) both sides knew at the split.
   */
  private isSameMember(entry: DivergedCommand, current: Registration, registration: number): boolean {
    if (entry.memberKey !== null) return sameKey(current, entry.memberKey);
    return current.registration === registration && registration <= this.merge.commonSeq;
  }

  /** Applies an accepted decision (true), or lists the refusal as not replayed (false). */
  private run(entry: DivergedCommand, decision: Decision<string>, details: ConflictDetails): boolean {
    if (decision.change === null) {
      this.conflict(entry, 'not-replayed', { ...details, reason: decision.outcome.reason });
      return false;
    }
    this.undos.push(decision.change());
    this.applied += 1;
    return true;
  }

  private conflict(entry: DivergedCommand, kind: Conflict['kind'], details: ConflictDetails): void {
    this.state.conflicts.push({
      kind,
      mergedAtMs: this.merge.atMs,
      sourceStationId: this.merge.sourceStationId,
      acceptedAtMs: entry.command.atMs,
      command: entry.command.kind,
      member: details.member ?? null,
      election: details.election ?? null,
      resolution: details.resolution ?? 'not-counted',
      renamedTo: details.renamedTo ?? null,
      reason: details.reason ?? null,
    });
  }
}

interface ConflictDetails {
  readonly member?: string | null;
  readonly election?: string | null;
  readonly resolution?: Conflict['resolution'];
  readonly renamedTo?: string | null;
  readonly reason?: string | null;
}

function sameKey(member: Registration, key: Uint8Array): boolean {
  return Buffer.from(member.publicKey).equals(Buffer.from(key));
}

function sameDefinition(
  election: {
    readonly groups: ReadonlySet<string>;
    readonly choices: readonly string[];
    readonly endsAtMs: number;
  },
  command: CreateElection,
): boolean {
  return (
    election.endsAtMs === command.endsAtMs &&
    election.groups.size === command.groups.length &&
    command.groups.every((group) => election.groups.has(group)) &&
    election.choices.length === command.choices.length &&
    command.choices.every((choice, index) => election.choices[index] === choice)
  );
}

/** The name a losing side's election is kept under when the winner has another by its name. */
export function renamedElection(name: string, sourceStationId: string): string {
  const suffix = ` (station ${sourceStationId.slice(0, 8)})`;
  // Shortened by whole characters (as a reader sees them) until the new name fits the limit.
  const characters = Array.from(new Intl.Segmenter().segment(name), (part) => part.segment);
  while (Buffer.byteLength(characters.join('') + suffix, 'utf8') > limits.electionNameBytesMax)
    characters.pop();
  return characters.join('') + suffix;
}

/**
 * Builds the losing side's diverged commands in their order, noting for each
 * which members and elections it had created during the split (see DivergedCommand).
 */
export class DivergedHistory {
  /** Members registered during the split, by registration (sequence number): their keys. */
  private readonly splitRegistrations = new Map<number, Uint8Array>();
  /** Voters registered during the split and still registered, by name: their keys. */
  private readonly splitVoters = new Map<string, Uint8Array>();
  private readonly splitElections = new Set<string>();

  constructor(
    readonly commonSeq: number,
    /** The station the commands are merged into. */
    private readonly receiverStationId: string,
  ) {}

  /** The command as the receiver replays it; null for a merge of the receiver's own commands (it has them). */
  describe(seq: number, command: Command): DivergedCommand | null {
    if (command.kind === 'merge-diverged' && command.sourceStationId === this.receiverStationId) return null;
    const entry = {
      seq,
      command,
      memberKey: this.memberKeyOf(command),
      electionFromSplit: command.kind === 'cast-vote' && this.splitElections.has(command.election),
    };
    this.note(seq, command);
    return entry;
  }

  private memberKeyOf(command: Command): Uint8Array | null {
    switch (command.kind) {
      case 'unregister-voter':
        return this.splitVoters.get(command.name) ?? null;
      case 'register-official':
      case 'create-election':
      case 'cast-vote':
        return command.actor === null || command.actor.registration <= this.commonSeq
          ? null
          : (this.splitRegistrations.get(command.actor.registration) ?? null);
      case 'register-voter':
      case 'merge-diverged':
        return null;
    }
  }

  private note(seq: number, command: Command): void {
    switch (command.kind) {
      case 'register-voter':
        this.splitRegistrations.set(seq, command.publicKey);
        this.splitVoters.set(command.name, command.publicKey);
        return;
      case 'register-official':
        this.splitRegistrations.set(seq, command.publicKey);
        return;
      case 'unregister-voter':
        this.splitVoters.delete(command.name);
        return;
      case 'create-election':
        this.splitElections.add(command.name);
        return;
      case 'cast-vote':
      case 'merge-diverged':
        return;
    }
  }
}
