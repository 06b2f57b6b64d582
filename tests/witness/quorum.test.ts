/**
 * A station's quorum (core/witness/quorum.ts) against an in-process witness,
 * on a clock the test moves: the lease from the vote and its renewals, the
 * exact moment a lease lapses (send time + duration less the margin), the
 * backup's acknowledgements as a lease, confirming a write the backup does
 * not hold, votes refused while another lease runs, release for a hand-over,
 * and a newer epoch learnt from the witness.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { holderLeaseEndMs, leaseDurationMsFor, leaseRenewalMsFor } from '../../core/witness/lease.ts';
import { Quorum, type EpochVote } from '../../core/witness/quorum.ts';
import { manualTime, type ManualTime } from '../support/manual-time.ts';
import { flushMessages, memoryWitness, type MemoryWitness } from './memory-witness.ts';

const failoverMs = 1_500;
const leaseMs = leaseDurationMsFor(failoverMs);

interface TestQuorum {
  readonly quorum: Quorum;
  readonly logger: ReturnType<typeof createMemoryLogger>;
  readonly newerEpochs: number[];
  changes: number;
}

const started: Quorum[] = [];

afterEach(() => {
  for (const quorum of started.splice(0)) quorum.stop();
});

function startQuorum(stationId: string, time: ManualTime, witness: MemoryWitness): TestQuorum {
  const logger = createMemoryLogger();
  const newerEpochs: number[] = [];
  const test: TestQuorum = {
    logger,
    newerEpochs,
    changes: 0,
    quorum: new Quorum({
      stationId,
      witnessAddress: '127.0.0.1:50053',
      failoverMs,
      dial: (address) => witness.dial(address),
      clock: time.clock,
      wallClock: time.clock,
      timers: time.timers,
      logger,
      onChange: () => {
        test.changes += 1;
      },
      onNewerEpoch: (epoch) => newerEpochs.push(epoch),
    }),
  };
  test.quorum.start();
  started.push(test.quorum);
  return test;
}

/** Starts a quorum and lets it connect to the witness. */
async function connectedQuorum(
  stationId: string,
  time: ManualTime,
  witness: MemoryWitness,
): Promise<TestQuorum> {
  const test = startQuorum(stationId, time, witness);
  await flushMessages();
  return test;
}

/** Asks the witness for `epoch` (this station's record being in `current`) and gives the answer. */
async function voteOf(test: TestQuorum, epoch: number, current: number, exact: boolean): Promise<EpochVote> {
  const vote = test.quorum.acquireEpoch(epoch, current, exact);
  await flushMessages();
  return vote;
}

/** Starts a quorum, waits until it is connected, and has it win `epoch` and serve in it. */
async function servingQuorum(
  stationId: string,
  time: ManualTime,
  witness: MemoryWitness,
  epoch: number,
  peerSynced: string | null = null,
): Promise<TestQuorum> {
  const test = await connectedQuorum(stationId, time, witness);
  expect(await voteOf(test, epoch, epoch - 1, false)).toEqual({ granted: true, epoch });
  test.quorum.update(epoch, peerSynced);
  await flushMessages();
  return test;
}

describe('quorum with a witness', () => {
  it('holds from the vote, renews, and lapses exactly at the last send time plus the lease less the margin', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const { quorum, logger } = await servingQuorum('a', time, witness, 1);
    expect(quorum.held()).toBe(true);
    expect(quorum.quorumStatus()).toMatchObject({ held: true });

    // Renewals every failoverMs / 4 keep it, each counted from its own send time.
    for (let renewal = 0; renewal < 5; renewal += 1) {
      time.advance(leaseRenewalMsFor(failoverMs));
      await flushMessages();
    }
    expect(quorum.held()).toBe(true);
    expect(witness.requests.filter((request) => request.type === 'lease-request')).toHaveLength(6);

    // The witness freezes: requests go unanswered, the last lease runs out on the station's own clock.
    witness.answering = false;
    const lastSentAtMs = time.clock.nowMs();
    time.advance(holderLeaseEndMs(lastSentAtMs, leaseMs) - lastSentAtMs - 1);
    await flushMessages();
    expect(quorum.held()).toBe(true);
    time.advance(1);
    expect(quorum.held()).toBe(false);
    expect(quorum.quorumStatus()).toMatchObject({ held: false });
    expect(logger.entries.map((entry) => entry.event)).toContain('quorum-lost');
  });

  it('counts from the send time: a slow answer shortens the lease, it never lengthens it', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const test = await connectedQuorum('a', time, witness);
    const sentAtMs = time.clock.nowMs();
    const votePromise = test.quorum.acquireEpoch(1, 0, false);
    // The answer takes 300 ms.
    time.advance(300);
    await flushMessages();
    expect(await votePromise).toEqual({ granted: true, epoch: 1 });
    witness.answering = false;
    test.quorum.update(1, null);
    time.advance(holderLeaseEndMs(sentAtMs, leaseMs) - time.clock.nowMs() - 1);
    expect(test.quorum.held()).toBe(true);
    time.advance(1);
    expect(test.quorum.held()).toBe(false);
  });

  it("counts the backup's acknowledgements as a lease while the backup is in sync", async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const { quorum } = await servingQuorum('a', time, witness, 1, 'b');
    witness.answering = false;
    witness.cutAll();
    await flushMessages();
    for (let step = 0; step < 10; step += 1) {
      quorum.peerAcknowledged(quorum.nowMs());
      time.advance(300);
    }
    // Long past the witness lease: the backup keeps the majority.
    expect(quorum.held()).toBe(true);
    const lastHeartbeatMs = quorum.nowMs();
    quorum.peerAcknowledged(lastHeartbeatMs);
    time.advance(holderLeaseEndMs(lastHeartbeatMs, failoverMs) - time.clock.nowMs() - 1);
    expect(quorum.held()).toBe(true);
    time.advance(1);
    expect(quorum.held()).toBe(false);
    // A backup that is not in sync confirms nothing, even with fresh acknowledgements.
    quorum.peerAcknowledged(quorum.nowMs());
    expect(quorum.held()).toBe(true);
    quorum.update(1, null);
    expect(quorum.held()).toBe(false);
  });

  it('confirms a write the backup lacks only once the witness recorded that the primary goes on alone', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const { quorum } = await servingQuorum('a', time, witness, 1, 'b');
    expect(witness.core.state.synced).toBe('b');
    // The backup is lost.
    quorum.update(1, null);
    const confirmed = quorum.confirmAlone();
    let settled = false;
    void confirmed.then(() => {
      settled = true;
    });
    expect(settled).toBe(false);
    await flushMessages();
    expect(await confirmed).toBe(true);
    expect(witness.core.state.synced).toBeNull();
  });

  it('does not confirm such a write when the witness stops answering before its lease runs out', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const { quorum } = await servingQuorum('a', time, witness, 1, 'b');
    witness.answering = false;
    quorum.update(1, null);
    const confirmed = quorum.confirmAlone();
    await flushMessages();
    time.advance(leaseMs);
    await flushMessages();
    expect(await confirmed).toBe(false);
    expect(witness.core.state.synced).toBe('b');
  });

  it('takes over only with the vote: refused while the primary holds a lease, granted once it ran out', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const primary = await servingQuorum('a', time, witness, 1, 'b');
    const backup = await connectedQuorum('b', time, witness);
    const refusal = await voteOf(backup, 2, 1, false);
    expect(refusal.granted).toBe(false);
    expect(backup.quorum.quorumStatus().reason).toMatch(/lease has run out/);

    // The primary dies: no more renewals. Its own lease ends before the witness lets b in.
    primary.quorum.stop();
    const diedAtMs = time.clock.nowMs();
    time.advance(failoverMs);
    expect(await voteOf(backup, 2, 1, false)).toEqual({ granted: true, epoch: 2 });
    expect(holderLeaseEndMs(diedAtMs, leaseMs)).toBeLessThan(time.clock.nowMs());
    backup.quorum.update(2, null);
    expect(backup.quorum.held()).toBe(true);
  });

  it('says why it cannot take over when the witness is unreachable', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    witness.reachable = false;
    const { quorum, logger } = startQuorum('b', time, witness);
    await flushMessages();
    const vote = await quorum.acquireEpoch(1, 0, false);
    expect(vote).toMatchObject({ granted: false });
    expect(quorum.quorumStatus()).toMatchObject({ held: false });
    expect(quorum.quorumStatus().reason).toMatch(/cannot be reached/);
    expect(quorum.witnessStatus()).toEqual({
      configured: true,
      connected: false,
      address: '127.0.0.1:50053',
    });
    expect(logger.entries.filter((entry) => entry.event === 'quorum-refused')).toHaveLength(1);
  });

  it('gives the lease up for a hand-over, so the other station is voted for at once', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const serving = await servingQuorum('b', time, witness, 1, 'a');
    const returning = await connectedQuorum('a', time, witness);
    const released = serving.quorum.release(1, 'a');
    await flushMessages();
    expect(await released).toBe(true);
    expect(serving.quorum.held()).toBe(false);
    expect(await voteOf(returning, 2, 1, true)).toEqual({ granted: true, epoch: 2 });
  });

  it('learns of a newer epoch from a refused renewal', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const old = await servingQuorum('a', time, witness, 1, 'b');
    const other = await connectedQuorum('b', time, witness);
    // The old primary is frozen: it renews nothing while the other takes over.
    old.quorum.update(null, null);
    time.advance(failoverMs * 2);
    await flushMessages();
    expect(await voteOf(other, 2, 1, false)).toEqual({ granted: true, epoch: 2 });
    // It comes back and asks to renew in epoch 1: refused, and told of epoch 2.
    old.quorum.update(1, 'b');
    await flushMessages();
    expect(old.newerEpochs).toEqual([2]);
    expect(old.quorum.held()).toBe(false);
  });

  it('a restarted holder following a caught-up leader vouches for it, so the leader can be voted for', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    // y served epoch 1 alone (its backup x was not in sync), then stopped.
    const before = await servingQuorum('y', time, witness, 1, null);
    before.quorum.stop();
    const leader = await connectedQuorum('x', time, witness);
    // x caught up meanwhile and leads the pair, but the witness only knows y went on alone.
    expect(await voteOf(leader, 2, 1, false)).toMatchObject({ granted: false });
    expect(leader.quorum.quorumStatus().reason).toMatch(/may not hold/);
    // y, restarted, follows x and is caught up: it vouches.
    const restarted = await connectedQuorum('y', time, witness);
    restarted.quorum.vouch(1, 'x');
    await flushMessages();
    expect(witness.core.state.synced).toBe('x');
    expect(restarted.logger.entries.map((entry) => entry.event)).toContain('quorum-vouched');
    expect(await voteOf(leader, 2, 1, false)).toEqual({ granted: true, epoch: 2 });
    // A station that is not the holder vouches for nothing.
    const other = await connectedQuorum('z', time, witness);
    other.quorum.vouch(2, 'y');
    await flushMessages();
    expect(witness.core.state).toMatchObject({ epoch: 2, holder: 'x', synced: null });
  });

  it('a station the witness voted for without its knowing gives that epoch up when it vouches for its leader', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    // x served epoch 1, then fell silent; y asked for epoch 2 once x's lease ran out and was
    // granted it, but never heard the answer (it never began epoch 2).
    const served = await servingQuorum('x', time, witness, 1, 'y');
    served.quorum.stop();
    time.advance(2 * leaseMs);
    const late = await connectedQuorum('y', time, witness);
    expect(await voteOf(late, 2, 1, false)).toEqual({ granted: true, epoch: 2 });
    late.quorum.stop();
    // x is back and leads the pair; the witness knows only that y holds epoch 2.
    const leader = await connectedQuorum('x', time, witness);
    expect(await voteOf(leader, 2, 1, false)).toMatchObject({ granted: false });
    // y follows x, caught up, in epoch 1: its vouch for epoch 1 is stale, so it gives epoch 2 up.
    const follower = await connectedQuorum('y', time, witness);
    follower.quorum.vouch(1, 'x');
    await flushMessages();
    expect(witness.core.state).toMatchObject({ epoch: 2, holder: 'y', synced: 'x' });
    expect(await voteOf(leader, 2, 1, false)).toEqual({ granted: true, epoch: 3 });
  });

  it('vouches even when it last heard of another holder: the witness may since have voted for it', async () => {
    const time = manualTime();
    const witness = memoryWitness(time.clock);
    const served = await servingQuorum('x', time, witness, 1, 'y');
    // y asks for epoch 2 while x's lease runs: refused, so y last heard that x holds epoch 1.
    const follower = await connectedQuorum('y', time, witness);
    expect(await voteOf(follower, 2, 1, false)).toMatchObject({ granted: false });
    // x falls silent; a later request of y is granted epoch 2, an answer y never hears (a second
    // client stands for it here).
    served.quorum.stop();
    time.advance(2 * leaseMs);
    const lost = await connectedQuorum('y', time, witness);
    expect(await voteOf(lost, 2, 1, false)).toEqual({ granted: true, epoch: 2 });
    lost.quorum.stop();
    // y follows x again, caught up: it still believes x holds the witness's epoch, yet vouches,
    // learns the epoch is its own, and gives it up; x can then be voted for.
    follower.quorum.vouch(1, 'x');
    await flushMessages();
    expect(witness.core.state).toMatchObject({ epoch: 2, holder: 'y', synced: 'x' });
    const leader = await connectedQuorum('x', time, witness);
    expect(await voteOf(leader, 3, 1, false)).toEqual({ granted: true, epoch: 3 });
  });
});
