/**
 * The interface API over a station: what the officials' and voters' screens
 * call, whatever transport carries it (Electron IPC, HTTP). Requests are
 * typed here; transports check untrusted input with `parseRequest` first.
 *
 * Events are pushed, never polled for: the runtime reports status changes,
 * the station reports every durable command (on a backup too, as commands
 * arrive from the primary), one timer waits for the next election to close,
 * and the audit log reports its entries; a change of the conflict report (a
 * merge after a split, or a replaced state) is one `conflicts-changed`.
 * Register and election changes are coalesced so that a burst of
 * registrations or votes is one event per `changeEventIntervalMs`, not one
 * per command.
 */
import type { ElectionRecord } from '../engine/state.ts';
import { isOpen } from '../engine/queries.ts';
import type { Logger } from '../logging/logger.ts';
import type { RegisterOfficialReason } from '../protocol/status-codes.ts';
import type { Clock, Timers } from '../station/environment.ts';
import { isUnavailable } from '../station/station-api.ts';
import type { StateChange, Station } from '../station/station.ts';
import type { AuditLog } from './audit-log.ts';
import {
  interfaceLimits,
  type BallotAnswer,
  type ElectionSummary,
  type InterfaceApi,
  type OfficialAnswer,
  type OfficialReason,
  type SessionRefused,
  type StationEvent,
  type StationStatus,
  type WriteAnswer,
} from './interface-api.ts';
import { VoterDirectory } from './voter-directory.ts';

export interface StationInterfaceOptions {
  readonly station: Station;
  readonly status: () => StationStatus;
  readonly auditLog: AuditLog;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Where the interface logs what officials do (the audit log's wrapped logger, so they show there). */
  readonly logger: Logger;
}

export interface StationInterface extends InterfaceApi {
  /** The runtime calls this whenever the station's status may have changed; subscribers hear real changes only. */
  statusChanged(): void;
  /** Stops the timers and listeners; subscribers hear nothing more. */
  close(): void;
}

/** At most one `voters-changed` (and one `elections-changed`) per this interval. */
export const changeEventIntervalMs = 200;
/** Timers cannot wait longer (a 32-bit millisecond count); a later closing is waited for in steps. */
const timerDelayMsMax = 2 ** 31 - 1;

const notSignedIn: SessionRefused = { refused: 'not-signed-in' };

export function createStationInterface(options: StationInterfaceOptions): StationInterface {
  const { station, clock, timers, logger } = options;
  const listeners = new Set<(event: StationEvent) => void>();
  const voterDirectory = new VoterDirectory(() => station.engineState);

  const emit = (event: StationEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        // An audit event's listener failing would be logged into the audit log, and fail again.
        if (event.type !== 'audit') {
          logger.log('error', 'internal-error', 'an interface event listener failed', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
  };
  const votersChanged = new Coalescer(timers, () => {
    emit({ type: 'voters-changed' });
  });
  const electionsChanged = new Coalescer(timers, () => {
    emit({ type: 'elections-changed' });
  });
  const closings = new ClosingWatch(
    clock,
    timers,
    () => station.engineState.elections.values(),
    (election) => {
      emit({ type: 'election-closed', election });
    },
  );

  /** Merges only add to the report: its size tells whether a command merged another station's commands. */
  const reportSize = (): string =>
    `${station.engineState.merges.length}/${station.engineState.conflicts.length}`;
  let lastReportSize = reportSize();
  const follow = (change: StateChange): void => {
    const size = reportSize();
    if (change.type === 'command' && size === lastReportSize) {
      followCommand(change);
      return;
    }
    // The state was replaced, or one command replayed the commands another station took during a
    // split: voters, elections and the conflict report may all have changed.
    lastReportSize = size;
    voterDirectory.follow({ type: 'reset' });
    votersChanged.trigger();
    electionsChanged.trigger();
    closings.recompute();
    emit({ type: 'conflicts-changed' });
  };
  const followCommand = (change: Extract<StateChange, { type: 'command' }>): void => {
    if (voterDirectory.follow(change)) votersChanged.trigger();
    const command = change.command;
    // A vote changes an election's count of votes, so the officials' list of elections too.
    if (command.kind === 'create-election' || command.kind === 'cast-vote') electionsChanged.trigger();
    if (command.kind === 'create-election') closings.created(command.endsAtMs);
  };
  const stopFollowing = station.onApplied(follow);
  const stopAuditing = options.auditLog.onEntry((entry) => {
    emit({ type: 'audit', entry });
  });
  let lastStatus = options.status();

  /** Runs `action` for a signed-in official, or answers that the session is missing, forged or expired. */
  const asOfficial = async <T>(
    session: Uint8Array,
    action: (official: string) => Promise<T> | T,
  ): Promise<OfficialAnswer<T>> => {
    const official = station.officialOf(session);
    return official === null ? notSignedIn : action(official.name);
  };

  const electionSummary = (election: ElectionRecord, nowMs: number): ElectionSummary => ({
    name: election.name,
    groups: [...election.groups],
    choices: [...election.choices],
    endsAtMs: election.endsAtMs,
    open: isOpen(election, nowMs),
    votes: election.voted.size,
  });

  return {
    overview() {
      return Promise.resolve({
        status: options.status(),
        nowMs: clock.nowMs(),
        needsFirstOfficial: station.engineState.officials.size === 0,
      });
    },

    async createFirstOfficial({ name, publicKey }) {
      const answer = officialWriteAnswer(await station.registerOfficial({ session: null, name, publicKey }));
      if ('refused' in answer) throw new Error('the first official was refused a session it did not need');
      if (!isUnavailable(answer) && answer.code === 0) {
        logger.log('info', 'official-registered', `first official ${name} set the station up`, { name });
      }
      return answer;
    },

    officialChallenge({ name }) {
      return station.officialChallenge({ name });
    },

    async officialSignIn(request) {
      const answer = await station.officialSignIn(request);
      if ('token' in answer) {
        logger.log('info', 'official-signed-in', `official ${request.name} signed in`, {
          name: request.name,
        });
      } else {
        logger.log('warn', 'official-sign-in-failed', `sign-in as official ${request.name} failed`, {
          name: request.name,
        });
      }
      return answer;
    },

    registerOfficial({ session, name, publicKey }) {
      return asOfficial(session, async (official) => {
        const answer = officialWriteAnswer(await station.registerOfficial({ session, name, publicKey }));
        if (!('refused' in answer) && !isUnavailable(answer) && answer.code === 0) {
          logger.log('info', 'official-registered', `official ${name} registered by ${official}`, {
            name,
            by: official,
          });
        }
        return answer;
      });
    },

    registerVoter({ session, name, group, publicKey }) {
      return asOfficial(session, async (official) => {
        const answer = await station.registerVoter({ name, group, publicKey });
        if (!isUnavailable(answer) && answer.code === 0) {
          logger.log('info', 'voter-registered', `voter ${name} registered in ${group} by ${official}`, {
            name,
            group,
            by: official,
          });
        }
        return answer;
      });
    },

    unregisterVoter({ session, name }) {
      return asOfficial(session, async (official) => {
        const answer = await station.unregisterVoter({ name });
        if (!isUnavailable(answer) && answer.code === 0) {
          logger.log('info', 'voter-unregistered', `voter ${name} unregistered by ${official}`, {
            name,
            by: official,
          });
        }
        return answer;
      });
    },

    listVoters({ session, search, offset, limit }) {
      return asOfficial(session, () =>
        voterDirectory.page(search, offset, Math.min(limit, interfaceLimits.votersPageMax)),
      );
    },

    listElections({ session }) {
      return asOfficial(session, async () => {
        // Counts of votes that might still be undone are not shown.
        await station.settle();
        const nowMs = clock.nowMs();
        return [...station.engineState.elections.values()].map((election) =>
          electionSummary(election, nowMs),
        );
      });
    },

    createElection({ session, name, groups, choices, endsAtMs }) {
      return asOfficial(session, async (official) => {
        const answer = await station.createElectionAsOfficial({
          token: session,
          name,
          groups,
          choices,
          endsAtMs,
        });
        if (!isUnavailable(answer) && answer.code === 0) {
          logger.log('info', 'election-created', `election ${name} created by ${official}`, {
            name,
            by: official,
          });
        }
        return answer;
      });
    },

    getResult({ election }) {
      return station.getResult({ election });
    },

    voterChallenge({ name }) {
      return station.preAuth({ name });
    },

    voterSignIn(request) {
      return station.auth(request);
    },

    ballot({ token }): Promise<BallotAnswer> {
      const voter = station.voterOf(token);
      const state = station.engineState;
      const group = voter === null ? undefined : state.voters.get(voter.name)?.group;
      if (voter === null || group === undefined) return Promise.resolve({ refused: 'invalid-token' });
      const nowMs = clock.nowMs();
      const elections = [...state.elections.values()]
        .filter((election) => isOpen(election, nowMs) && election.groups.has(group))
        .map((election) => ({
          name: election.name,
          choices: [...election.choices],
          endsAtMs: election.endsAtMs,
          alreadyVoted: election.voted.has(voter.name),
        }));
      return Promise.resolve({ voter: voter.name, group, elections });
    },

    castVote(request) {
      return station.castVote(request);
    },

    auditLog({ session, afterId }) {
      return asOfficial(session, () => options.auditLog.entriesAfter(afterId));
    },

    conflictReport({ session }) {
      return asOfficial(session, async () => {
        // A merge that might still be undone is not reported.
        await station.settle();
        return station.conflictReport();
      });
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    statusChanged() {
      const status = options.status();
      if (sameStatus(status, lastStatus)) return;
      lastStatus = status;
      emit({ type: 'status', status });
    },

    close() {
      stopFollowing();
      stopAuditing();
      votersChanged.close();
      electionsChanged.close();
      closings.close();
      listeners.clear();
    },
  };
}

/** The station's answer in the interface's terms: a session the engine finds stale is no session. */
function officialWriteAnswer(
  answer: WriteAnswer<RegisterOfficialReason>,
): OfficialAnswer<WriteAnswer<OfficialReason>> {
  if (isUnavailable(answer)) return answer;
  if (answer.reason === 'invalid-token') return notSignedIn;
  return { code: answer.code, reason: answer.reason };
}

/**
 * Whether a subscriber would see a difference (the backup's lag alone changes with every write,
 * and the time a majority lapses with every renewal).
 */
function sameStatus(a: StationStatus, b: StationStatus): boolean {
  return (
    a.role === b.role &&
    a.epoch === b.epoch &&
    a.writable === b.writable &&
    a.unprotected === b.unprotected &&
    a.stationId === b.stationId &&
    a.peer.connected === b.peer.connected &&
    a.peer.inSync === b.peer.inSync &&
    a.peer.address === b.peer.address &&
    a.peer.stationId === b.peer.stationId &&
    a.witness.configured === b.witness.configured &&
    a.witness.connected === b.witness.connected &&
    a.witness.address === b.witness.address &&
    a.quorum.held === b.quorum.held &&
    a.quorum.reason === b.quorum.reason
  );
}

/**
 * Fires at once on the first trigger, then at most once per interval while
 * triggers keep coming (one more time after the last, so the final change is
 * never left unannounced).
 */
class Coalescer {
  private cancel: (() => void) | null = null;
  private triggeredMeanwhile = false;

  constructor(
    private readonly timers: Timers,
    private readonly fire: () => void,
  ) {}

  trigger(): void {
    if (this.cancel !== null) {
      this.triggeredMeanwhile = true;
      return;
    }
    this.fire();
    this.wait();
  }

  close(): void {
    this.cancel?.();
    this.cancel = null;
  }

  private wait(): void {
    this.cancel = this.timers.schedule(() => {
      this.cancel = null;
      if (!this.triggeredMeanwhile) return;
      this.triggeredMeanwhile = false;
      this.fire();
      this.wait();
    }, changeEventIntervalMs);
  }
}

/**
 * Announces each election once when its end time passes, with one timer for
 * the next one to close. Elections already closed when the watch starts are
 * not announced.
 */
class ClosingWatch {
  /** Elections ending at or before this time have been announced (or were closed at the start). */
  private announcedUpToMs: number;
  private next: { readonly atMs: number; readonly cancel: () => void } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly elections: () => Iterable<ElectionRecord>,
    private readonly announce: (election: string) => void,
  ) {
    this.announcedUpToMs = clock.nowMs();
    this.recompute();
  }

  /** An election was created: wait for it if it closes before the one waited for. */
  created(endsAtMs: number): void {
    if (endsAtMs > this.announcedUpToMs && (this.next === null || endsAtMs < this.next.atMs)) {
      this.waitFor(endsAtMs);
    }
  }

  /** The elections were replaced: find the next to close again. */
  recompute(): void {
    let nextMs = Infinity;
    for (const election of this.elections()) {
      if (election.endsAtMs > this.announcedUpToMs) nextMs = Math.min(nextMs, election.endsAtMs);
    }
    if (nextMs === Infinity) this.stopWaiting();
    else this.waitFor(nextMs);
  }

  close(): void {
    this.stopWaiting();
  }

  private waitFor(atMs: number): void {
    this.stopWaiting();
    const delayMs = Math.min(Math.max(0, atMs - this.clock.nowMs()), timerDelayMsMax);
    const cancel = this.timers.schedule(() => {
      this.wake();
    }, delayMs);
    this.next = { atMs, cancel };
  }

  private wake(): void {
    this.next = null;
    const nowMs = this.clock.nowMs();
    if (nowMs > this.announcedUpToMs) {
      const closed = [...this.elections()]
        .filter((election) => election.endsAtMs > this.announcedUpToMs && election.endsAtMs <= nowMs)
        .sort((a, b) => a.endsAtMs - b.endsAtMs);
      this.announcedUpToMs = nowMs;
      for (const election of closed) this.announce(election.name);
    }
    this.recompute();
  }

  private stopWaiting(): void {
    this.next?.cancel();
    this.next = null;
  }
}
