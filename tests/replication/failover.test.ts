/**
 * Two real station processes paired on loopback with exactly the documented
 * flags (`--no-mdns`, `--peer`): the primary is killed with SIGKILL during
 * concurrent voting, every voter completes their vote on the backup with the
 * token the primary issued (an acknowledged vote answers 4 there), the old
 * primary is restarted, catches up, takes the primary role back, and holds
 * exactly the votes that were cast.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import { waitUntil } from '../support/polling.ts';
import { settle } from '../support/voting-client.ts';
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
  waitForStatus,
} from './pair-harness.ts';

const pairKey = generatePairingKey();
const choices = ['red', 'green', 'blue'] as const;

describe('primary/backup on loopback', () => {
  const factory = usePairNodes();

  it('takes over on SIGKILL without losing an acknowledged vote, and hands back after a restore', async () => {
    const { a, b } = await factory.startPair({ pairKey });
    expect((await fetchStatus(b))?.role).toBe('backup');

    const primary = await connectedClient(a);
    const backup = await connectedClient(b);
    const signedUp = await signUpVoters(primary, 120);
    const voters = signedUp.voters.map((voter, index) => ({
      name: voter.name,
      token: tokenOf(signedUp.tokens, voter),
      choice: choices[index % choices.length] ?? 'red',
    }));
    const creator = voters[0];
    if (creator === undefined) throw new Error('no voters');
    const endsAtMs = Date.now() + 25_000;
    await createElections(primary, creator.token, [['Council', endsAtMs]], choices);

    // A standby backup refuses writes and names the primary.
    const refused = expectUnavailable(
      await settle(backup.castVote({ token: creator.token, election: 'Council', choice: 'red' })),
      'CastVote on the standby',
    );
    expect(refused.message).toContain(grpcAddressOf(a));

    // Vote concurrently on the primary and kill it mid-way.
    const acknowledged = new Set<string>();
    const pending = voters.map(async (voter, index) => {
      await sleep(index * 3);
      const answer = await settle(
        primary.castVote({ token: voter.token, election: 'Council', choice: voter.choice }),
      );
      if (answer.ok && answer.value === 0) acknowledged.add(voter.name);
    });
    // Killed once some votes are acknowledged (not after a fixed time: a loaded machine is slow to start).
    await waitUntil('some votes are acknowledged', () => acknowledged.size >= 5);
    a.process?.process.kill('SIGKILL');
    await Promise.all(pending);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(acknowledged.size).toBeLessThan(voters.length);

    // The backup takes over; every voter completes their vote there with the primary's token.
    await waitForStatus(b, 'becomes primary', (status) => status.role === 'primary');
    for (const voter of voters) {
      const vote = { token: voter.token, election: 'Council', choice: voter.choice };
      let answer = await settle(backup.castVote(vote));
      for (let attempt = 0; !answer.ok && attempt < 50; attempt += 1) {
        await sleep(100);
        answer = await settle(backup.castVote(vote));
      }
      expect(answer.ok, `${voter.name}: ${JSON.stringify(answer)}`).toBe(true);
      // An acknowledged vote is on the backup; an unacknowledged one may or may not have reached it.
      const expected = acknowledged.has(voter.name) ? [4] : [0, 4];
      if (answer.ok) expect(expected, voter.name).toContain(answer.value);
    }

    // Restore: the old primary comes back, catches up and takes the primary role back.
    await startNode(a, { role: 'primary', peer: b, pairKey });
    await waitUntil(
      'the restored primary serves again with the backup in sync',
      async () => {
        const s = await fetchStatus(a);
        const t = await fetchStatus(b);
        return s?.role === 'primary' && s.writable && s.peer.inSync && t?.role === 'backup';
      },
      { timeoutMs: 30_000 },
    );
    // grpc-js shares a subchannel per address; the one to the killed process may still be backing off.
    const restored = await connectedClient(a);
    for (const voter of voters) {
      const answer = await restored.castVote({
        token: voter.token,
        election: 'Council',
        choice: voter.choice,
      });
      expect(answer, voter.name).toBe(4);
    }
    await sleep(Math.max(0, endsAtMs - Date.now() + 200));
    const result = await restored.getResult('Council');
    expect(result.status).toBe(0);
    expect(result.counts.map((count) => [count.choiceName, count.count])).toEqual(
      choices.map((choice) => [choice, voters.filter((voter) => voter.choice === choice).length]),
    );
    primary.close();
    backup.close();
    restored.close();
  }, 90_000);
});
