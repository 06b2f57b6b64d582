/**
 * `--require-backup`: a primary whose backup is not running refuses every
 * change with gRPC UNAVAILABLE and a message saying a backup is required,
 * and changes nothing (once the backup is up and in sync, the very same
 * requests succeed as if for the first time), while reads go on working.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import { hourMs } from '../support/engine-fixtures.ts';
import { startStation } from '../support/station-process.ts';
import { settle, type CallResult } from '../support/voting-client.ts';
import {
  connectedClient,
  createElections,
  expectUnavailable,
  fetchStatus,
  grpcAddressOf,
  signUpVoters,
  startNode,
  tokenOf,
  usePairNodes,
  waitForPair,
  waitForStatus,
} from './pair-harness.ts';

const pairKey = generatePairingKey();

function expectBackupRequired(result: CallResult<number>, what: string): void {
  const refusal = expectUnavailable(result, what);
  expect(refusal.details, what).toMatch(/backup/i);
  expect(refusal.details, what).toMatch(/requires?|required/i);
}

describe('a primary that requires a backup', () => {
  const factory = usePairNodes();

  it('refuses changes without one, changing nothing, and keeps answering reads', async () => {
    const a = await factory.node('a');
    const b = await factory.node('b');

    // Set-up on the station running alone: voters, an open election, and a short one with a vote.
    const alone = await startStation({ dataDir: a.dataDir, grpcAddress: grpcAddressOf(a) });
    const setup = await connectedClient(a);
    const { voters, tokens: setupTokens } = await signUpVoters(setup, 4);
    const [first, second, third] = voters;
    if (first === undefined || second === undefined || third === undefined) throw new Error('no voters');
    const shortEndsAtMs = Date.now() + 1_500;
    await createElections(
      setup,
      tokenOf(setupTokens, first),
      [
        ['Council', Date.now() + hourMs],
        ['Straw poll', shortEndsAtMs],
      ],
      ['red', 'green'],
    );
    expect(
      await setup.castVote({ token: tokenOf(setupTokens, first), election: 'Straw poll', choice: 'green' }),
    ).toBe(0);
    setup.close();
    expect(await alone.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // Now paired with --require-backup, and the backup is not running.
    const primaryProcess = await startNode(a, {
      role: 'primary',
      peer: b,
      pairKey,
      failoverMs: 500,
      extraArgs: ['--require-backup'],
    });
    const serving = await waitForStatus(
      a,
      'serves as primary without its backup',
      (status) => status.role === 'primary' && status.writable,
    );
    expect(serving.unprotected).toBe(true);
    expect(serving.peer.connected).toBe(false);
    const primary = await connectedClient(a);

    const newcomer = { name: 'newcomer', group: 'hall', publicKey: nacl.sign.keyPair().publicKey };
    const vote = { token: tokenOf(setupTokens, second), election: 'Council', choice: 'red' };
    const referendum = {
      token: tokenOf(setupTokens, first),
      name: 'Referendum',
      groups: ['hall'],
      choices: ['yes', 'no'],
      endsAtMs: Date.now() + hourMs,
    };
    expectBackupRequired(await settle(primary.registerVoter(newcomer)), 'RegisterVoter');
    expectBackupRequired(await settle(primary.castVote(vote)), 'CastVote');
    expectBackupRequired(await settle(primary.unregisterVoter(third.name)), 'UnregisterVoter');
    expectBackupRequired(await settle(primary.createElection(referendum)), 'CreateElection');

    // Reads work: PreAuth and Auth (a full sign-in), and GetResult.
    const challenge = await primary.preAuth(third.name);
    expect(challenge).toHaveLength(32);
    const freshToken = await primary.signIn(second.name, second.keyPair.secretKey);
    expect(freshToken.length).toBeGreaterThan(0);
    expect((await primary.getResult('Council')).status).toBe(2); // still open
    await sleep(Math.max(0, shortEndsAtMs - Date.now() + 100));
    const result = await primary.getResult('Straw poll');
    expect(result.status).toBe(0);
    expect(result.counts.map((count) => [count.choiceName, count.count])).toEqual([
      ['red', 0],
      ['green', 1],
    ]);
    // Still refusing, and still without a backup.
    expectBackupRequired(await settle(primary.registerVoter(newcomer)), 'RegisterVoter again');
    expect(await fetchStatus(a)).toMatchObject({ role: 'primary', writable: true, unprotected: true });

    // The backup starts and catches up: the very same requests now take effect for the first time.
    await startNode(b, { role: 'backup', peer: a, pairKey, failoverMs: 500 });
    await waitForPair(a, b);
    expect(await primary.registerVoter(newcomer)).toBe(0);
    expect(await primary.castVote({ ...vote, token: freshToken })).toBe(0);
    expect(await primary.castVote(vote)).toBe(4);
    // The refused UnregisterVoter did not happen: the voter is still registered.
    expect(
      await primary.registerVoter({ name: third.name, group: 'hall', publicKey: third.keyPair.publicKey }),
    ).toBe(1);
    expect(await primary.createElection(referendum)).toBe(0);
    expect(primaryProcess.hasExited()).toBe(false);
    primary.close();
  }, 45_000);
});
