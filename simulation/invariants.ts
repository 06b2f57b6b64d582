/**
 * The safety properties checked after every step of a run, and the final
 * ones once the faults have stopped:
 *
 * - acknowledged-write-lost: every write a client saw acknowledged is in the
 *   state of any station that accepts writes after it, and in the final state.
 *   Without a witness, the two sides of a split both take writes until it
 *   heals and the winner merges the loser's (core/engine/conflicts.ts): a
 *   station accepting writes must then hold every write it acknowledged
 *   itself, and every write acknowledged before the stations were last
 *   connected and in sync (by then the merge is done); and a vote counts as
 *   kept if the winner's conflict report lists it (`double-vote`), or counts
 *   it in the election it renamed (`election-name`). With a witness there is
 *   no split: every acknowledged write, as it was, on every station that
 *   accepts writes.
 * - one-writer-per-epoch: never two stations accepting writes in one epoch.
 * - one-writer-at-a-time (only where a witness is configured): never two
 *   stations accepting writes at the same moment.
 * - vote-counted-once: in every election of every station, the tallies add up
 *   to the number of distinct voters who voted; finally, each choice counts
 *   at least the acknowledged votes for it (but those the conflict report
 *   lists as a voter's second vote).
 * - convergence: once the faults stop, the stations reach the same state and
 *   the same last sequence number (checked by the simulation); if they do
 *   not, a write that no station holds any more is reported as lost first.
 */
import type { EngineState } from '../core/engine/state.ts';
import type { StationNode } from './station-node.ts';
import type { AcknowledgedWrite } from './workload.ts';

export type InvariantName =
  | 'acknowledged-write-lost'
  | 'one-writer-per-epoch'
  | 'one-writer-at-a-time'
  | 'vote-counted-once'
  | 'convergence'
  | 'station-starts'
  | 'witness-starts'
  | 'api-contract';

export interface Violation {
  readonly invariant: InvariantName;
  readonly message: string;
}

interface WriterWatch {
  incarnation: number;
  resets: number;
  writable: boolean;
  /** Acknowledged writes up to this index are known to be in this station's state while it stays writable. */
  checkedUpTo: number;
  /** Without a witness: the same for the writes this station acknowledged itself. */
  ownCheckedUpTo: number;
}

export interface InvariantOptions {
  /**
   * With a witness: two stations accepting writes at once is a violation, and
   * so is a writer that lacks any acknowledged write. Without one, splits are
   * allowed (see above).
   */
  readonly witness: boolean;
}

export class InvariantChecker {
  private readonly writersByEpoch = new Map<number, Set<string>>();
  private readonly watches = new Map<string, WriterWatch>();
  /** Without a witness: the acknowledged writes (a prefix) made before the stations were last in sync. */
  private syncedUpTo = 0;

  constructor(
    private readonly stations: readonly StationNode[],
    private readonly acknowledged: readonly AcknowledgedWrite[],
    private readonly options: InvariantOptions,
  ) {}

  /** The properties that must hold after every step. */
  check(): Violation | null {
    if (!this.options.witness && this.inSync()) this.syncedUpTo = this.acknowledged.length;
    let writers = 0;
    for (const node of this.stations) {
      const station = node.station;
      const status = node.status();
      if (station === null || status === null) continue;
      const counted = checkTallies(node.name, station.engineState);
      if (counted !== null) return counted;
      const watch = this.watchOf(node);
      if (!status.writable) {
        watch.writable = false;
        continue;
      }
      writers += 1;
      const epochWriters = this.writersByEpoch.get(status.epoch) ?? new Set<string>();
      epochWriters.add(node.name);
      this.writersByEpoch.set(status.epoch, epochWriters);
      if (epochWriters.size > 1) {
        return {
          invariant: 'one-writer-per-epoch',
          message: `stations ${[...epochWriters].join(' and ')} both accepted writes in epoch ${status.epoch}`,
        };
      }
      if (!watch.writable || watch.incarnation !== node.incarnation || watch.resets !== node.resets) {
        watch.checkedUpTo = 0;
        watch.ownCheckedUpTo = 0;
        watch.writable = true;
        watch.incarnation = node.incarnation;
        watch.resets = node.resets;
      }
      const lacking = this.lackingOnWriter(node.name, station.engineState, watch);
      if (lacking !== null) {
        return {
          invariant: 'acknowledged-write-lost',
          message: `${node.name} accepts writes (epoch ${status.epoch}) without ${describeWrite(lacking)}`,
        };
      }
    }
    if (this.options.witness && writers > 1) {
      return { invariant: 'one-writer-at-a-time', message: `${writers} stations accept writes at once` };
    }
    return null;
  }

  /** Once converged: every acknowledged write is in `state`, and each choice has at least its acknowledged votes. */
  checkFinal(name: string, state: EngineState): Violation | null {
    const counted = checkTallies(name, state);
    if (counted !== null) return counted;
    const votesPerChoice = new Map<string, number>();
    for (const write of this.acknowledged) {
      if (!this.kept(state, write)) {
        return {
          invariant: 'acknowledged-write-lost',
          message: `the converged state (on ${name}) lacks ${describeWrite(write)}`,
        };
      }
      if (write.kind !== 'cast-vote' || this.listedAsSecondVote(state, write)) continue;
      // Where the vote counts: its election, or the one it was renamed to (if that is not ambiguous).
      const counting = this.namesOf(state, write.election).filter((election) =>
        state.elections.get(election)?.voted.has(write.voter),
      );
      if (counting.length !== 1) continue;
      const key = `${counting[0] ?? ''}\u0000${write.choice}`;
      votesPerChoice.set(key, (votesPerChoice.get(key) ?? 0) + 1);
    }
    for (const [key, acknowledgedVotes] of votesPerChoice) {
      const [election = '', choice = ''] = key.split('\u0000');
      const record = state.elections.get(election);
      const tally = record?.tallies[record.choices.indexOf(choice)] ?? 0;
      if (tally < acknowledgedVotes) {
        return {
          invariant: 'acknowledged-write-lost',
          message: `${election} counts ${tally} votes for ${choice} but ${acknowledgedVotes} were acknowledged`,
        };
      }
    }
    return null;
  }

  /** When the stations do not converge: an acknowledged write that none of `states` holds is lost for good. */
  checkHeldSomewhere(states: readonly EngineState[]): Violation | null {
    const lost = this.acknowledged.find((write) => !states.some((state) => this.kept(state, write)));
    if (lost === undefined) return null;
    return {
      invariant: 'acknowledged-write-lost',
      message: `no station holds ${describeWrite(lost)} any more`,
    };
  }

  /** The first acknowledged write that a station accepting writes must hold and does not. */
  private lackingOnWriter(name: string, state: EngineState, watch: WriterWatch): AcknowledgedWrite | null {
    // Without a witness, only what was acknowledged before the last time in sync (see above).
    const required = this.options.witness ? this.acknowledged.length : this.syncedUpTo;
    for (; watch.checkedUpTo < required; watch.checkedUpTo += 1) {
      const write = this.acknowledged[watch.checkedUpTo];
      if (write !== undefined && !this.kept(state, write)) return write;
    }
    if (this.options.witness) return null;
    for (; watch.ownCheckedUpTo < this.acknowledged.length; watch.ownCheckedUpTo += 1) {
      const write = this.acknowledged[watch.ownCheckedUpTo];
      if (write !== undefined && write.station === name && !this.kept(state, write)) return write;
    }
    return null;
  }

  /** Whether `state` keeps an acknowledged write: holds it, or (without a witness) a stated conflict rule kept it. */
  private kept(state: EngineState, write: AcknowledgedWrite): boolean {
    if (holds(state, write)) return true;
    switch (write.kind) {
      case 'register-voter':
        return false;
      case 'create-election':
        return this.namesOf(state, write.name).some((name) => holds(state, { ...write, name }));
      case 'cast-vote':
        return (
          this.listedAsSecondVote(state, write) ||
          this.namesOf(state, write.election).some((election) => holds(state, { ...write, election }))
        );
    }
  }

  /**
   * The names an election created as `name` may be kept under: its own and,
   * without a witness, those `election-name` conflicts renamed it to.
   */
  private namesOf(state: EngineState, name: string): string[] {
    if (this.options.witness) return [name];
    const renamed = state.conflicts.flatMap((conflict) =>
      conflict.kind === 'election-name' && conflict.election === name && conflict.renamedTo !== null
        ? [conflict.renamedTo]
        : [],
    );
    return [name, ...renamed];
  }

  /** Without a witness: the conflict report lists this vote as a second vote of its voter (not counted). */
  private listedAsSecondVote(
    state: EngineState,
    write: Extract<AcknowledgedWrite, { kind: 'cast-vote' }>,
  ): boolean {
    return (
      !this.options.witness &&
      state.conflicts.some(
        (conflict) =>
          conflict.kind === 'double-vote' &&
          conflict.member === write.voter &&
          conflict.election === write.election,
      )
    );
  }

  /** Both stations up, connected and in sync, one of them serving, with the same last sequence number. */
  private inSync(): boolean {
    let serving = 0;
    let lastSeq: number | null = null;
    for (const node of this.stations) {
      const status = node.status();
      const station = node.station;
      if (status === null || station === null || !status.peer.connected || !status.peer.inSync) return false;
      if (status.writable) serving += 1;
      if (lastSeq !== null && station.lastSeq !== lastSeq) return false;
      lastSeq = station.lastSeq;
    }
    return serving === 1;
  }

  private watchOf(node: StationNode): WriterWatch {
    let watch = this.watches.get(node.name);
    if (watch === undefined) {
      watch = {
        incarnation: node.incarnation,
        resets: node.resets,
        writable: false,
        checkedUpTo: 0,
        ownCheckedUpTo: 0,
      };
      this.watches.set(node.name, watch);
    }
    return watch;
  }
}

function checkTallies(name: string, state: EngineState): Violation | null {
  for (const election of state.elections.values()) {
    const total = election.tallies.reduce((sum, tally) => sum + tally, 0);
    if (total !== election.voted.size) {
      return {
        invariant: 'vote-counted-once',
        message: `${name}: election ${election.name} counts ${total} votes from ${election.voted.size} voters`,
      };
    }
  }
  return null;
}

/** Whether `state` holds the effect of an acknowledged write. */
export function holds(state: EngineState, write: AcknowledgedWrite): boolean {
  switch (write.kind) {
    case 'register-voter': {
      const voter = state.voters.get(write.name);
      return voter !== undefined && Buffer.from(voter.publicKey).equals(Buffer.from(write.publicKey));
    }
    case 'create-election': {
      const election = state.elections.get(write.name);
      return election !== undefined && election.choices.join('\u0000') === write.choices.join('\u0000');
    }
    case 'cast-vote':
      return state.elections.get(write.election)?.voted.has(write.voter) ?? false;
  }
}

export function describeWrite(write: AcknowledgedWrite): string {
  switch (write.kind) {
    case 'register-voter':
      return `voter ${write.name} (registration acknowledged by ${write.station})`;
    case 'create-election':
      return `election ${write.name} (creation acknowledged by ${write.station})`;
    case 'cast-vote':
      return `the vote of ${write.voter} in ${write.election} (acknowledged by ${write.station})`;
  }
}

/** The state as one string, independent of map order; equal strings mean equal states. */
export function canonicalState(state: EngineState): string {
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  const byName = <T>(entries: Iterable<[string, T]>): [string, T][] =>
    [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({
    lastSeq: state.lastSeq,
    lastAtMs: state.lastAtMs,
    voters: byName(state.voters).map(([name, voter]) => [
      name,
      voter.group,
      hex(voter.publicKey),
      voter.registration,
    ]),
    officials: byName(state.officials).map(([name, official]) => [
      name,
      hex(official.publicKey),
      official.registration,
    ]),
    elections: byName(state.elections).map(([name, election]) => [
      name,
      [...election.groups].sort(),
      election.choices,
      election.endsAtMs,
      election.createdAtMs,
      election.tallies,
      [...election.voted].sort(),
    ]),
  });
}
