/**
 * The interface on a backup: it hears of commands that arrive by
 * replication (register and election changes) and of a full copy installed
 * from the primary, lists what the primary holds, accepts the sessions the
 * primary issued, and reports replication's status changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isSessionRefused } from '../../core/api/interface-api.ts';
import { systemClock, systemTimers } from '../../core/station/environment.ts';
import { Harness, servesWithBackup, statusOf, waitUntil, type Node } from '../support/in-process-pair.ts';
import { newVoter, registerVoter } from '../support/station-fixtures.ts';
import { eventsOf, interfaceFor, officialSession, type InterfaceUnderTest } from './interface-fixtures.ts';

const hourMs = 60 * 60 * 1000;

describe('the interface on a backup', () => {
  let harness = new Harness();
  const interfaces: InterfaceUnderTest[] = [];

  afterEach(async () => {
    for (const under of interfaces.splice(0)) under.api.close();
    await harness.close();
    harness = new Harness();
  });

  function interfaceOn(node: Node): InterfaceUnderTest {
    const under = interfaceFor(node.station, systemClock, systemTimers);
    interfaces.push(under);
    return under;
  }

  it('hears replicated registrations and elections, and serves the primary’s sessions', async () => {
    const { primary, backup } = await harness.nodePair();
    await harness.startPair({ primary, backup });
    const onPrimary = interfaceOn(primary);
    const onBackup = interfaceOn(backup);
    const olga = newVoter('olga');
    expect(
      await onPrimary.api.createFirstOfficial({ name: 'olga', publicKey: olga.keyPair.publicKey }),
    ).toEqual({
      code: 0,
      reason: 'ok',
    });
    const session = await officialSession(onPrimary.api, olga);

    await registerVoter(primary.station, newVoter('ann'), 'hall');
    await waitUntil(
      'the backup announces the new voter',
      () => eventsOf(onBackup, 'voters-changed').length > 0,
    );
    expect(
      await onPrimary.api.createElection({
        session,
        name: 'Council',
        groups: ['hall'],
        choices: ['yes', 'no'],
        endsAtMs: Date.now() + hourMs,
      }),
    ).toEqual({ code: 0, reason: 'ok' });
    await waitUntil(
      'the backup announces the election',
      () => eventsOf(onBackup, 'elections-changed').length > 0,
    );

    const voters = await onBackup.api.listVoters({ session, search: '', offset: 0, limit: 10 });
    expect(voters).toEqual({ total: 1, voters: [{ name: 'ann', group: 'hall' }] });
    const elections = await onBackup.api.listElections({ session });
    if (isSessionRefused(elections)) throw new Error('the backup refused the primary’s session');
    expect(elections.map((election) => election.name)).toEqual(['Council']);
    // Writes go to the primary.
    const refused = await onBackup.api.registerVoter({
      session,
      name: 'bob',
      group: 'hall',
      publicKey: newVoter('bob').keyPair.publicKey,
    });
    expect(refused).toMatchObject({ unavailable: 'not-primary' });
  });

  it('hears of a full copy from the primary, and of the status changes replication reports', async () => {
    // Small snapshots, so that the backup's copy comes as a snapshot and not only as the log.
    const { primary, backup } = await harness.nodePair(1_024);
    await harness.startManager(primary, backup, 'primary');
    await waitUntil('the primary serves alone', () => statusOf(primary).writable);
    const names = Array.from({ length: 40 }, (_, index) => `voter-${40 - index}`);
    for (const name of names) await registerVoter(primary.station, newVoter(name), 'hall');
    await waitUntil('the primary has a snapshot', () => primary.station.storage.latestSnapshot() !== null);
    const onBackup = interfaceOn(backup);
    harness.onStatus = () => {
      onBackup.setStatus({ ...statusOf(backup), stationId: backup.station.stationId });
      onBackup.api.statusChanged();
    };
    await harness.startManager(backup, primary, 'backup');
    await waitUntil('the backup is in sync', () => servesWithBackup(primary));
    await waitUntil(
      'the backup announces the copied register',
      () => eventsOf(onBackup, 'voters-changed').length > 0,
    );

    const olga = newVoter('olga');
    const onPrimary = interfaceOn(primary);
    await onPrimary.api.createFirstOfficial({ name: 'olga', publicKey: olga.keyPair.publicKey });
    const session = await officialSession(onPrimary.api, olga);
    await waitUntil('the backup holds the official', () => backup.station.engineState.officials.has('olga'));
    const voters = await onBackup.api.listVoters({ session, search: '', offset: 0, limit: 100 });
    expect(voters).toEqual({
      total: names.length,
      voters: [...names].sort().map((name) => ({ name, group: 'hall' })),
    });
    await waitUntil('the backup reports itself connected', () =>
      eventsOf(onBackup, 'status').some(
        (event) => event.status.role === 'backup' && event.status.peer.connected,
      ),
    );
  });
});
