/**
 * The safety properties checked after every step of a run, and the final
 * ones once the faults have stopped:
 *
 * - acknowledged-write-lost: every write a client saw acknowledged is in the
 *   state of any station that accepts writes after it, and in the final state.
 * - one-writer-per-epoch: never two stations accepting writes in one epoch.
 * - one-writer-at-a-time (only where a witness is configured): never two
 *   stations accepting writes at the same moment.
 * - vote-counted-once: in every election of every station, the tallies add up
 *   to the number of distinct voters who voted; finally, each choice counts
 *   at least the acknowledged votes for it.
 * - convergence: once the faults stop, the stations reach the same state and
 *   the same last sequence number (checked by the simulation).
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
}

export class InvariantChecker {
  private readonly writersByEpoch = new Map<number, Set<string>>();
  private readonly watches = new Map<string, WriterWatch>();

  constructor(
    private readonly stations: readonly StationNode[],
    private readonly acknowledged: readonly AcknowledgedWrite[],
    private readonly options: { readonly exclusiveWriters: boolean },
  ) {}

  /** The properties that must hold after every step. */
  check(): Violation | null {
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
        watch.writable = true;
        watch.incarnation = node.incarnation;
        watch.resets = node.resets;
      }
      for (; watch.checkedUpTo < this.acknowledged.length; watch.checkedUpTo += 1) {
        const write = this.acknowledged[watch.checkedUpTo];
        if (write !== undefined && !holds(station.engineState, write)) {
          return {
            invariant: 'acknowledged-write-lost',
            message: `${node.name} accepts writes (epoch ${status.epoch}) without ${describeWrite(write)}`,
          };
        }
      }
    }
    if (this.options.exclusiveWriters && writers > 1) {
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
      if (!holds(state, write)) {
        return {
          invariant: 'acknowledged-write-lost',
          message: `the converged state (on ${name}) lacks ${describeWrite(write)}`,
        };
      }
      if (write.kind === 'cast-vote') {
        const key = `${write.election}\u0000${write.choice}`;
        votesPerChoice.set(key, (votesPerChoice.get(key) ?? 0) + 1);
      }
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

  private watchOf(node: StationNode): WriterWatch {
    let watch = this.watches.get(node.name);
    if (watch === undefined) {
      watch = { incarnation: node.incarnation, resets: node.resets, writable: false, checkedUpTo: 0 };
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
