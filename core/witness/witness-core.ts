/**
 * The witness's rules, as a pure state machine: a request and the witness's
 * clock reading in, the answer and the state to make durable out. The server
 * (witness-server.ts) persists that state before it answers; the simulator can
 * run the same rules on virtual time.
 *
 * The rules:
 *
 * - A lease goes only to the holder of the newest epoch the witness voted for.
 *   Every lease the witness granted therefore belongs to its current holder,
 *   which is why one end time (`leaseEndsAtMs`) is all it needs to remember.
 * - A vote for epoch e goes to station s only if e is above every epoch the
 *   witness voted for; s is the holder, or the station the holder last
 *   declared to hold everything it acknowledged (`synced`), or no one voted
 *   yet; and, unless s is the holder itself, no lease may still be running.
 *   A granted vote comes with a lease (so the new primary takes writes at
 *   once) and clears `synced`: the new primary has acknowledged nothing yet.
 * - The `synced` rule is what makes "no acknowledged write lost" hold with a
 *   witness: a primary that goes on without its backup must first tell the
 *   witness (a lease request with `synced: null`), and from then on the
 *   witness votes for no one but that primary. A witness that only counted
 *   heads would let a backup that missed those writes take over.
 * - After a restart the witness does not know when the last lease it granted
 *   ends, so it assumes the longest lease it ever granted was granted at start.
 * - The holder may release its lease (to hand the primary role over without
 *   waiting the lease out), declaring at the same time who holds everything.
 * - A lease request for an epoch above the witness's own can only come from
 *   a primary whose witness lost its state (or was replaced): it is treated as
 *   a vote for that epoch, under the same rules.
 */
import { grantorLeaseEndMs } from './lease.ts';
import type { WitnessReply, WitnessRefusalReason, WitnessRequest } from './witness-messages.ts';
import type { WitnessState } from './witness-state.ts';

export interface WitnessDecision {
  readonly reply: WitnessReply;
  /** The state to make durable before the reply is sent; null if it did not change. */
  readonly nextState: WitnessState | null;
  /** The holder's lease end after this request (grantor clock). */
  readonly nextLeaseEndsAtMs: number;
  /** What happened, for the witness's log; null for a plain lease renewal. */
  readonly event: WitnessEvent | null;
}

export type WitnessEvent =
  | { readonly kind: 'vote-granted'; readonly epoch: number; readonly stationId: string }
  | {
      readonly kind: 'refused';
      readonly request: WitnessRequest['type'];
      readonly stationId: string;
      readonly epoch: number;
      readonly reason: WitnessRefusalReason;
    }
  | { readonly kind: 'released'; readonly epoch: number; readonly stationId: string }
  | { readonly kind: 'synced-changed'; readonly epoch: number; readonly synced: string | null };

export class WitnessCore {
  private stateNow: WitnessState;
  /** Until when (grantor clock) a lease granted to the holder may be running. */
  private leaseEndsAtMs: number;

  constructor(state: WitnessState, startedAtMs: number) {
    this.stateNow = state;
    // A lease granted before the restart may still be running, for at most the longest one granted.
    this.leaseEndsAtMs =
      state.holder === '' || state.longestLeaseMs === 0
        ? startedAtMs
        : grantorLeaseEndMs(startedAtMs, state.longestLeaseMs);
  }

  get state(): WitnessState {
    return this.stateNow;
  }

  /** Until when (grantor clock) the holder's lease may be running. */
  get leaseRunningUntilMs(): number {
    return this.leaseEndsAtMs;
  }

  /** What to answer and what to store; nothing changes until `apply`. */
  decide(request: WitnessRequest, nowMs: number): WitnessDecision {
    switch (request.type) {
      case 'lease-request':
        if (request.epoch > this.stateNow.epoch) {
          return this.vote(request, nowMs, request.synced);
        }
        return this.lease(request, nowMs);
      case 'vote-request':
        return this.vote(request, nowMs, null);
      case 'release':
        return this.release(request);
    }
  }

  /** Takes on a decision once its state is durable. */
  apply(decision: WitnessDecision): void {
    if (decision.nextState !== null) this.stateNow = decision.nextState;
    this.leaseEndsAtMs = decision.nextLeaseEndsAtMs;
  }

  private lease(request: Extract<WitnessRequest, { type: 'lease-request' }>, nowMs: number): WitnessDecision {
    const state = this.stateNow;
    if (request.epoch < state.epoch || request.stationId !== state.holder) {
      return this.refuse(request, request.epoch < state.epoch ? 'stale-epoch' : 'epoch-taken', nowMs);
    }
    const leaseEndsAtMs = Math.max(this.leaseEndsAtMs, grantorLeaseEndMs(nowMs, request.durationMs));
    const next = withChanges(state, {
      synced: request.synced,
      longestLeaseMs: Math.max(state.longestLeaseMs, request.durationMs),
    });
    return {
      reply: {
        type: 'lease-granted',
        requestId: request.requestId,
        epoch: state.epoch,
        durationMs: request.durationMs,
        synced: request.synced,
      },
      nextState: next,
      nextLeaseEndsAtMs: leaseEndsAtMs,
      event:
        request.synced === state.synced
          ? null
          : { kind: 'synced-changed', epoch: state.epoch, synced: request.synced },
    };
  }

  private vote(
    request: Extract<WitnessRequest, { type: 'vote-request' | 'lease-request' }>,
    nowMs: number,
    synced: string | null,
  ): WitnessDecision {
    const state = this.stateNow;
    const candidate = request.stationId;
    const isHolder = candidate === state.holder;
    if (request.epoch < state.epoch || (request.epoch === state.epoch && !isHolder)) {
      return this.refuse(request, 'epoch-taken', nowMs);
    }
    if (state.holder !== '' && !isHolder && candidate !== state.synced) {
      return this.refuse(request, 'not-current', nowMs);
    }
    if (!isHolder && nowMs < this.leaseEndsAtMs) return this.refuse(request, 'lease-running', nowMs);
    // Granted (again, if the holder asks for its own epoch once more: its answer may have been lost).
    const next = withChanges(state, {
      epoch: request.epoch,
      holder: candidate,
      synced: request.epoch === state.epoch ? state.synced : synced,
      longestLeaseMs: Math.max(state.longestLeaseMs, request.durationMs),
    });
    return {
      reply:
        request.type === 'vote-request'
          ? {
              type: 'vote-granted',
              requestId: request.requestId,
              epoch: request.epoch,
              durationMs: request.durationMs,
            }
          : {
              type: 'lease-granted',
              requestId: request.requestId,
              epoch: request.epoch,
              durationMs: request.durationMs,
              synced: (next ?? state).synced,
            },
      nextState: next,
      nextLeaseEndsAtMs: isHolder
        ? Math.max(this.leaseEndsAtMs, grantorLeaseEndMs(nowMs, request.durationMs))
        : grantorLeaseEndMs(nowMs, request.durationMs),
      event:
        request.epoch === state.epoch
          ? null
          : { kind: 'vote-granted', epoch: request.epoch, stationId: candidate },
    };
  }

  private release(request: Extract<WitnessRequest, { type: 'release' }>): WitnessDecision {
    const state = this.stateNow;
    if (request.epoch !== state.epoch || request.stationId !== state.holder) {
      return this.refuse(request, request.epoch < state.epoch ? 'stale-epoch' : 'epoch-taken', 0);
    }
    return {
      reply: { type: 'released', requestId: request.requestId, epoch: state.epoch, synced: request.synced },
      nextState: withChanges(state, { synced: request.synced }),
      // The holder stopped taking writes: nothing is left to wait out.
      nextLeaseEndsAtMs: 0,
      event: { kind: 'released', epoch: state.epoch, stationId: request.stationId },
    };
  }

  private refuse(request: WitnessRequest, reason: WitnessRefusalReason, nowMs: number): WitnessDecision {
    const state = this.stateNow;
    return {
      reply: {
        type: 'refused',
        requestId: request.requestId,
        epoch: state.epoch,
        holder: state.holder,
        reason,
        retryAfterMs: reason === 'lease-running' ? Math.max(1, Math.ceil(this.leaseEndsAtMs - nowMs)) : 0,
      },
      nextState: null,
      nextLeaseEndsAtMs: this.leaseEndsAtMs,
      event: {
        kind: 'refused',
        request: request.type,
        stationId: request.stationId,
        epoch: request.epoch,
        reason,
      },
    };
  }
}

/** `state` with `changes`, or null if they change nothing (so nothing is written). */
function withChanges(state: WitnessState, changes: Partial<WitnessState>): WitnessState | null {
  const next = { ...state, ...changes };
  const same =
    next.epoch === state.epoch &&
    next.holder === state.holder &&
    next.synced === state.synced &&
    next.longestLeaseMs === state.longestLeaseMs;
  return same ? null : next;
}
