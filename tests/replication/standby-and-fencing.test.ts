/**
 * The standby backup and the epochs that fence the two stations apart:
 * (a) a standby backup refuses every change with UNAVAILABLE naming the
 *     primary's gRPC address, and answers reads (GetResult, PreAuth);
 * (b) after a take-over, tokens the old primary issued are accepted by the
 *     promoted backup;
 * (c) each change of primary raises the epoch (take-over, then hand-back),
 *     and while the old primary returns, catches up and takes its role back,
 *     the two stations never both report `writable: true`, and the returning
 *     station is never writable before it holds everything.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import { hourMs } from '../support/engine-fixtures.ts';
import type { StationProcess } from '../support/station-process.ts';
import { settle, type CallResult } from '../support/voting-client.ts';
import {
  connectedClient,
  createElections,
  expectUnavailable,
  fetchStatus,
  grpcAddressOf,
  logEntries,
  logEvents,
  signUpVoters,
  startNode,
  tokenOf,
  usePairNodes,
  waitForLogEvent,
  waitForStatus,
  watchStatuses,
  type StatusSample,
} from './pair-harness.ts';

const pairKey = generatePairingKey();
const failoverMs = 1_000;
const pollMs = 20;

function expectRefusedNaming(result: CallResult<number>, primaryAddress: string, what: string): void {
  expect(expectUnavailable(result, what).details, what).toContain(primaryAddress);
}

describe('standby backup, take-over and hand-back', () => {
  const factory = usePairNodes();

  it('refuses writes on the standby, honours the primary’s tokens after take-over, and fences by epoch', async () => {
    const {
      a,
      b,
      primaryProcess: firstPrimary,
      backupProcess,
    } = await factory.startPair({ pairKey, failoverMs });

    const primary = await connectedClient(a);
    const { voters, tokens } = await signUpVoters(primary, 10);
    const chair = voters[0];
    const refusedVoter = voters[5];
    if (chair === undefined || refusedVoter === undefined) throw new Error('no voters');
    const quickEndsAtMs = Date.now() + 2_000;
    await createElections(
      primary,
      tokenOf(tokens, chair),
      [
        ['Council', Date.now() + hourMs],
        ['Quick', quickEndsAtMs],
      ],
      ['red', 'green'],
    );
    const votedBefore = voters.slice(0, 4);
    for (const voter of voters.slice(0, 3))
      expect(
        await primary.castVote({ token: tokenOf(tokens, voter), election: 'Quick', choice: 'red' }),
      ).toBe(0);
    for (const voter of votedBefore)
      expect(
        await primary.castVote({ token: tokenOf(tokens, voter), election: 'Council', choice: 'green' }),
      ).toBe(0);

    // (a) The standby backup refuses every change and names the primary's gRPC address.
    const standby = await connectedClient(b);
    const primaryAddress = grpcAddressOf(a);
    expectRefusedNaming(
      await settle(
        standby.castVote({ token: tokenOf(tokens, refusedVoter), election: 'Council', choice: 'red' }),
      ),
      primaryAddress,
      'CastVote',
    );
    expectRefusedNaming(
      await settle(
        standby.registerVoter({ name: 'newcomer', group: 'hall', publicKey: nacl.sign.keyPair().publicKey }),
      ),
      primaryAddress,
      'RegisterVoter',
    );
    expectRefusedNaming(await settle(standby.unregisterVoter('voter-9')), primaryAddress, 'UnregisterVoter');
    expectRefusedNaming(
      await settle(
        standby.createElection({
          token: tokenOf(tokens, chair),
          name: 'Other',
          groups: ['hall'],
          choices: ['x', 'y'],
          endsAtMs: Date.now() + 60_000,
        }),
      ),
      primaryAddress,
      'CreateElection',
    );
    // ... and answers reads from its replica.
    expect(await standby.preAuth('voter-1')).toHaveLength(32);
    expect((await standby.getResult('Council')).status).toBe(2); // still open
    await sleep(Math.max(0, quickEndsAtMs - Date.now() + 100));
    const quickOnBackup = await standby.getResult('Quick');
    expect(quickOnBackup.status).toBe(0);
    expect(quickOnBackup.counts.map((count) => [count.choiceName, count.count])).toEqual([
      ['red', 3],
      ['green', 0],
    ]);
    expect(await primary.getResult('Quick')).toEqual(quickOnBackup);

    const pairedA = await fetchStatus(a);
    const pairedB = await fetchStatus(b);
    if (pairedA === null || pairedB === null) throw new Error('no status');
    expect(pairedB.epoch).toBe(pairedA.epoch);
    expect(pairedA.epoch).toBeGreaterThan(0);
    const epochBeforeTakeOver = pairedB.epoch;

    // (b) The primary dies; the backup takes over in a newer epoch and accepts the primary's tokens.
    await firstPrimary.stop('SIGKILL');
    const promoted = await waitForStatus(
      b,
      'takes over as primary',
      (status) => status.role === 'primary' && status.writable,
      15_000,
    );
    const epochAfterTakeOver = promoted.epoch;
    expect(epochAfterTakeOver).toBeGreaterThan(epochBeforeTakeOver);
    for (const voter of voters) {
      const answer = await standby.castVote({
        token: tokenOf(tokens, voter),
        election: 'Council',
        choice: 'green',
      });
      // Those who voted on the old primary are on record here; the others vote now, with its token.
      expect(answer, voter.name).toBe(votedBefore.includes(voter) ? 4 : 0);
    }
    expect(backupProcess.hasExited()).toBe(false);

    // (c) The old primary returns. Watch both stations from before it starts until the hand-back is over.
    const watcher = watchStatuses(a, b, pollMs);
    let samples: StatusSample[];
    let returning: StationProcess;
    try {
      returning = await startNode(a, { role: 'primary', peer: b, pairKey, failoverMs });
      await waitForStatus(
        a,
        'takes the primary role back with the backup in sync',
        (status) => status.role === 'primary' && status.writable && status.peer.inSync && !status.unprotected,
        20_000,
      );
      await waitForStatus(b, 'is the backup again', (status) => status.role === 'backup' && !status.writable);
      await sleep(300);
    } finally {
      samples = await watcher.stop();
    }

    expect(samples.length).toBeGreaterThan(10);
    const both = samples.filter((sample) => sample.a?.writable === true && sample.b?.writable === true);
    expect(both, 'moments where both stations reported writable: true').toEqual([]);
    // Before the hand-back the returning station was never writable in its old epoch.
    const firstWritableA = samples.find((sample) => sample.a?.writable === true)?.a;
    expect(firstWritableA?.role).toBe('primary');
    expect(firstWritableA?.epoch).toBeGreaterThan(epochAfterTakeOver);

    const handedBackA = await fetchStatus(a);
    const handedBackB = await fetchStatus(b);
    expect(handedBackA?.epoch).toBeGreaterThan(epochAfterTakeOver);
    expect(handedBackB?.epoch).toBe(handedBackA?.epoch);

    // It became primary only by the hand-over, holding exactly what the serving station had.
    const promotions = logEvents(returning, 'replication-promoted');
    expect(promotions).toHaveLength(1);
    expect(promotions[0]?.message).toContain('hand-over');
    const handOver = await waitForLogEvent(backupProcess, 'replication-handover-init');
    expect(promotions[0]?.['lastSeq']).toBe(handOver.at(-1)?.['lastSeq']);
    const events = logEntries(returning).map((entry) => entry.event);
    expect(events.indexOf('replication-peer-connected')).toBeLessThan(events.indexOf('replication-promoted'));

    // Every vote is on the returned primary, and the backup refuses writes naming it again.
    const restored = await connectedClient(a);
    for (const voter of voters)
      expect(
        await restored.castVote({ token: tokenOf(tokens, voter), election: 'Council', choice: 'red' }),
        voter.name,
      ).toBe(4);
    expectRefusedNaming(
      await settle(
        standby.registerVoter({ name: 'late', group: 'hall', publicKey: nacl.sign.keyPair().publicKey }),
      ),
      primaryAddress,
      'RegisterVoter after the hand-back',
    );
    primary.close();
    standby.close();
    restored.close();
  }, 45_000);
});
