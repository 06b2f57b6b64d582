/**
 * The witness's rules (WitnessCore) without sockets or disks: who gets a vote
 * and when, leases only for the holder, the `synced` declaration, release,
 * the quiet period after a restart, and, over random request sequences, that
 * a vote never goes to a station while another's lease may still hold.
 */
import { fc, test as propertyTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { grantorLeaseEndMs, holderLeaseEndMs } from '../../core/witness/lease.ts';
import { WitnessCore } from '../../core/witness/witness-core.ts';
import type { WitnessReply, WitnessRequest } from '../../core/witness/witness-messages.ts';
import { initialWitnessState, type WitnessState } from '../../core/witness/witness-state.ts';

const durationMs = 1_000;

/** Decides and applies at once (as the server does once the state is durable). */
function ask(core: WitnessCore, request: WitnessRequest, nowMs: number): WitnessReply {
  const decision = core.decide(request, nowMs);
  core.apply(decision);
  return decision.reply;
}

function vote(stationId: string, epoch: number): WitnessRequest {
  return { type: 'vote-request', requestId: 1, epoch, stationId, fromEpoch: epoch - 1, durationMs };
}

function lease(stationId: string, epoch: number, synced: string | null): WitnessRequest {
  return { type: 'lease-request', requestId: 2, epoch, stationId, synced, durationMs };
}

function release(stationId: string, epoch: number, synced: string | null): WitnessRequest {
  return { type: 'release', requestId: 3, epoch, stationId, synced };
}

describe('witness rules', () => {
  it('votes for the first station to ask, with a lease, and stores the vote', () => {
    const core = new WitnessCore(initialWitnessState, 0);
    const decision = core.decide(vote('a', 1), 10);
    expect(decision.reply).toEqual({ type: 'vote-granted', requestId: 1, epoch: 1, durationMs });
    expect(decision.nextState).toEqual({ epoch: 1, holder: 'a', synced: null, longestLeaseMs: durationMs });
    // Nothing changes until the state is durable and the decision applied.
    expect(core.state).toEqual(initialWitnessState);
    core.apply(decision);
    expect(core.state.holder).toBe('a');
    expect(core.leaseRunningUntilMs).toBe(grantorLeaseEndMs(10, durationMs));
  });

  it('grants leases to the holder only, and refuses an older epoch', () => {
    const core = new WitnessCore(initialWitnessState, 0);
    ask(core, vote('a', 1), 0);
    expect(ask(core, lease('a', 1, null), 100)).toMatchObject({ type: 'lease-granted', epoch: 1 });
    expect(ask(core, lease('b', 1, null), 100)).toMatchObject({
      type: 'refused',
      reason: 'epoch-taken',
      epoch: 1,
      holder: 'a',
    });
    ask(core, lease('a', 1, 'b'), 200);
    ask(core, vote('b', 2), 5_000);
    expect(ask(core, lease('a', 1, null), 5_100)).toMatchObject({
      type: 'refused',
      reason: 'stale-epoch',
      epoch: 2,
      holder: 'b',
    });
  });

  it('votes for the other station only once the holder declared it synced and its lease ran out', () => {
    const core = new WitnessCore(initialWitnessState, 0);
    ask(core, vote('a', 1), 0);
    // a goes on alone (synced: null): b may lack acknowledged writes.
    ask(core, lease('a', 1, null), 100);
    expect(ask(core, vote('b', 2), 10_000)).toMatchObject({ type: 'refused', reason: 'not-current' });
    // b caught up: a declares it.
    ask(core, lease('a', 1, 'b'), 10_100);
    const refused = ask(core, vote('b', 2), 10_200);
    expect(refused).toMatchObject({ type: 'refused', reason: 'lease-running' });
    const endMs = grantorLeaseEndMs(10_100, durationMs);
    expect(refused.type === 'refused' ? refused.retryAfterMs : 0).toBe(endMs - 10_200);
    expect(ask(core, vote('b', 2), endMs - 1)).toMatchObject({ type: 'refused', reason: 'lease-running' });
    expect(ask(core, vote('b', 2), endMs)).toMatchObject({ type: 'vote-granted', epoch: 2 });
    // The new primary has acknowledged nothing yet: no one else is synced.
    expect(core.state).toMatchObject({ epoch: 2, holder: 'b', synced: null });
  });

  it('lets the holder take a newer epoch at once, and grants its own epoch again (a lost answer)', () => {
    const core = new WitnessCore(initialWitnessState, 0);
    ask(core, vote('a', 1), 0);
    ask(core, lease('a', 1, null), 10);
    expect(ask(core, vote('a', 2), 20)).toMatchObject({ type: 'vote-granted', epoch: 2 });
    expect(ask(core, vote('a', 2), 30)).toMatchObject({ type: 'vote-granted', epoch: 2 });
    expect(ask(core, vote('b', 2), 100_000)).toMatchObject({ type: 'refused', reason: 'epoch-taken' });
  });

  it('ends the lease on release, so a hand-over needs no wait', () => {
    const core = new WitnessCore(initialWitnessState, 0);
    ask(core, vote('b', 1), 0);
    ask(core, lease('b', 1, null), 100);
    expect(ask(core, release('a', 1, 'a'), 150)).toMatchObject({ type: 'refused', reason: 'epoch-taken' });
    expect(ask(core, release('b', 1, 'a'), 200)).toEqual({
      type: 'released',
      requestId: 3,
      epoch: 1,
      synced: 'a',
    });
    expect(ask(core, vote('a', 2), 201)).toMatchObject({ type: 'vote-granted', epoch: 2 });
  });

  it('after a restart, waits out the longest lease it ever granted before voting for another', () => {
    const stored: WitnessState = { epoch: 3, holder: 'a', synced: 'b', longestLeaseMs: durationMs };
    const core = new WitnessCore(stored, 50_000);
    const quietEndMs = grantorLeaseEndMs(50_000, durationMs);
    expect(ask(core, vote('b', 4), quietEndMs - 1)).toMatchObject({
      type: 'refused',
      reason: 'lease-running',
    });
    expect(ask(core, vote('b', 4), quietEndMs)).toMatchObject({ type: 'vote-granted', epoch: 4 });
    // The holder itself need not wait.
    const again = new WitnessCore(stored, 50_000);
    expect(ask(again, vote('a', 4), 50_001)).toMatchObject({ type: 'vote-granted', epoch: 4 });
  });

  it('treats a lease request for an epoch it never saw as a vote (a witness that lost its state)', () => {
    const core = new WitnessCore(initialWitnessState, 0);
    expect(ask(core, lease('a', 7, 'b'), 10)).toMatchObject({ type: 'lease-granted', epoch: 7, synced: 'b' });
    expect(core.state).toMatchObject({ epoch: 7, holder: 'a', synced: 'b' });
    expect(ask(core, vote('c', 8), 100_000)).toMatchObject({ type: 'refused', reason: 'not-current' });
  });

  it('stores nothing for a plain renewal', () => {
    const core = new WitnessCore(initialWitnessState, 0);
    ask(core, vote('a', 1), 0);
    ask(core, lease('a', 1, 'b'), 10);
    const renewal = core.decide(lease('a', 1, 'b'), 20);
    expect(renewal.nextState).toBeNull();
    expect(renewal.event).toBeNull();
    expect(core.decide(lease('a', 1, null), 30).nextState).toMatchObject({ synced: null });
  });
});

type Step =
  | { readonly op: 'lease'; readonly station: number; readonly synced: boolean; readonly dtMs: number }
  | { readonly op: 'vote'; readonly station: number; readonly dtMs: number }
  | { readonly op: 'release'; readonly station: number; readonly dtMs: number }
  | { readonly op: 'restart'; readonly dtMs: number };

const stations = ['a', 'b', 'c'];

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('lease' as const),
    station: fc.integer({ min: 0, max: 2 }),
    synced: fc.boolean(),
    dtMs: fc.integer({ min: 0, max: 800 }),
  }),
  fc.record({
    op: fc.constant('vote' as const),
    station: fc.integer({ min: 0, max: 2 }),
    dtMs: fc.integer({ min: 0, max: 800 }),
  }),
  fc.record({
    op: fc.constant('release' as const),
    station: fc.integer({ min: 0, max: 2 }),
    dtMs: fc.integer({ min: 0, max: 800 }),
  }),
  fc.record({ op: fc.constant('restart' as const), dtMs: fc.integer({ min: 0, max: 800 }) }),
);

describe('witness safety over random requests', () => {
  propertyTest.prop([fc.array(stepArbitrary, { maxLength: 80 }), fc.integer({ min: 0, max: 40 })])(
    'a vote never goes to a station while another one may still count a lease, and epochs only grow',
    (steps, networkDelayMs) => {
      let nowMs = 0;
      let core = new WitnessCore(initialWitnessState, nowMs);
      // Each station's view: its epoch and the end of its lease (holder side, same real clock here).
      const views = stations.map(() => ({ epoch: 0, leaseEndMs: 0 }));
      let lastEpoch = 0;
      for (const step of steps) {
        nowMs += step.dtMs;
        if (step.op === 'restart') {
          // The state is durable; what is in memory (the lease end) is lost.
          core = new WitnessCore(core.state, nowMs);
          continue;
        }
        const name = stations[step.station] ?? 'a';
        const view = views[step.station] ?? { epoch: 0, leaseEndMs: 0 };
        const other = stations[(step.station + 1) % stations.length] ?? 'b';
        // The request was sent `networkDelayMs` before the witness reads it.
        const sentAtMs = nowMs - networkDelayMs;
        if (step.op === 'vote') {
          const reply = ask(core, vote(name, Math.max(view.epoch, core.state.epoch) + 1), nowMs);
          if (reply.type === 'vote-granted') {
            // The new primary takes writes once it has the answer, no earlier than now.
            views.forEach((otherView, index) => {
              if (index !== step.station) expect(otherView.leaseEndMs).toBeLessThanOrEqual(nowMs);
            });
            expect(reply.epoch).toBeGreaterThan(lastEpoch);
            lastEpoch = reply.epoch;
            view.epoch = reply.epoch;
            view.leaseEndMs = holderLeaseEndMs(sentAtMs, reply.durationMs);
          }
        } else if (step.op === 'lease') {
          const reply = ask(core, lease(name, view.epoch, step.synced ? other : null), nowMs);
          if (reply.type === 'lease-granted') {
            views.forEach((otherView, index) => {
              if (index !== step.station && otherView.epoch === view.epoch) throw new Error('two holders');
            });
            view.leaseEndMs = Math.max(view.leaseEndMs, holderLeaseEndMs(sentAtMs, reply.durationMs));
          }
        } else {
          const reply = ask(core, release(name, view.epoch, other), nowMs);
          // The releasing station stopped counting its lease when it sent the release.
          if (reply.type === 'released') view.leaseEndMs = Math.min(view.leaseEndMs, sentAtMs);
        }
      }
    },
  );
});
