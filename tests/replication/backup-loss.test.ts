/**
 * Losing the backup: with a primary and a backup in sync, the backup is
 * killed with SIGKILL. The primary goes on taking votes alone, says so
 * (`unprotected: true`, `peer.connected: false`, a `replication-peer-lost`
 * log event), and once the backup is restarted it catches up and protects
 * the votes again: after the primary is killed in turn, the backup takes
 * over holding every vote, including those cast while it was down.
 */
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import { hourMs } from '../support/engine-fixtures.ts';
import type { TestVoter } from '../support/station-fixtures.ts';
import type { VotingClient } from '../support/voting-client.ts';
import {
  connectedClient,
  createElections,
  fetchStatus,
  logEvents,
  signUpVoters,
  startNode,
  tokenOf,
  usePairNodes,
  waitForLogEvent,
  waitForPair,
  waitForStatus,
} from './pair-harness.ts';

const pairKey = generatePairingKey();
const failoverMs = 1_000;
const choices = ['red', 'green', 'blue'] as const;

describe('the backup is lost and comes back', () => {
  const factory = usePairNodes();

  it('keeps voting unprotected while the backup is down, then catches it up so it holds every vote', async () => {
    const { a, b, primaryProcess } = await factory.startPair({ pairKey, failoverMs });

    const primary = await connectedClient(a);
    const { voters, tokens } = await signUpVoters(primary, 60);
    const first = voters[0];
    if (first === undefined) throw new Error('no voters');
    await createElections(primary, tokenOf(tokens, first), [['Council', Date.now() + hourMs]], choices);
    /** `voter`'s vote in Council for the choice at `index` (round the list), cast through `client`. */
    const vote = (client: VotingClient, voter: TestVoter, index: number) =>
      client.castVote({
        token: tokenOf(tokens, voter),
        election: 'Council',
        choice: choices[index % choices.length] ?? 'red',
      });

    // Votes while the pair is whole.
    const beforeLoss = voters.slice(0, 20);
    for (const [index, voter] of beforeLoss.entries())
      expect(await vote(primary, voter, index), voter.name).toBe(0);
    expect((await fetchStatus(a))?.unprotected).toBe(false);

    // The backup dies without a word.
    await b.process?.stop('SIGKILL');
    const lost = await waitForLogEvent(primaryProcess, 'replication-peer-lost');
    expect(lost[0]?.level).toBe('warn');
    const alone = await waitForStatus(
      a,
      'reports that it serves without a backup',
      (status) => !status.peer.connected,
    );
    expect(alone).toMatchObject({ role: 'primary', writable: true, unprotected: true });
    expect(alone.peer).toMatchObject({ connected: false, inSync: false });

    // The primary keeps accepting votes, and keeps saying it is unprotected.
    const whileDown = voters.slice(20, 50);
    for (const [index, voter] of whileDown.entries())
      expect(await vote(primary, voter, index), voter.name).toBe(0);
    const lateVoter = { name: 'late-voter', group: 'hall', publicKey: nacl.sign.keyPair().publicKey };
    expect(await primary.registerVoter(lateVoter)).toBe(0);
    const stillAlone = await fetchStatus(a);
    expect(stillAlone).toMatchObject({ role: 'primary', writable: true, unprotected: true });
    expect(stillAlone?.peer.connected).toBe(false);
    expect(logEvents(primaryProcess, 'replication-promoted')).toHaveLength(1);

    // The backup comes back, catches up, and the primary is protected again.
    const backupProcess = await startNode(b, { role: 'backup', peer: a, pairKey, failoverMs });
    // Also waits for the backup's own `peer.inSync`: it takes over only once it knows it holds everything.
    await waitForPair(a, b);
    const protectedAgain = await fetchStatus(a);
    expect(protectedAgain).toMatchObject({ role: 'primary', writable: true, unprotected: false });
    expect(protectedAgain?.peer).toMatchObject({ connected: true, inSync: true, lagRecords: 0 });
    expect(protectedAgain?.peer.stationId).toBe((await fetchStatus(b))?.stationId);
    // It continued its log: the primary sent only what it missed, no full copy.
    expect(logEvents(backupProcess, 'replication-full-copy')).toEqual([]);

    // A few more votes with the pair whole again.
    const afterReturn = voters.slice(50);
    for (const [index, voter] of afterReturn.entries())
      expect(await vote(primary, voter, index), voter.name).toBe(0);

    // Now the primary dies: the backup takes over with every vote.
    await primaryProcess.stop('SIGKILL');
    await waitForStatus(
      b,
      'takes over as primary',
      (status) => status.role === 'primary' && status.writable,
      15_000,
    );
    await waitForLogEvent(backupProcess, 'replication-promoted');
    const promoted = await connectedClient(b);
    // Every vote was acknowledged by the old primary, so each is on the backup: re-voting answers 4.
    for (const [index, voter] of voters.entries())
      expect(await vote(promoted, voter, index), voter.name).toBe(4);
    // The registration made while the backup was down is there too (registering again answers 1).
    expect(await promoted.registerVoter(lateVoter)).toBe(1);
    primary.close();
    promoted.close();
  }, 45_000);
});
