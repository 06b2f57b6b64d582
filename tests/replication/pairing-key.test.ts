/**
 * The pairing key decides who may pair. Two stations given different keys
 * reach each other's sync port but never pair: each logs
 * `replication-peer-rejected`, neither reports a connected peer, the one
 * started as primary serves alone once --failover-ms has passed, and the one
 * started as backup stays a backup that refuses writes (it only takes over
 * from a primary it followed). A malformed key stops `evote station` before
 * it serves, with a message that says what is wrong.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { generatePairingKey } from '../../core/replication/pairing-key.ts';
import { runEvote } from '../support/station-process.ts';
import { settle } from '../support/voting-client.ts';
import {
  connectedClient,
  expectUnavailable,
  fetchStatus,
  grpcAddressOf,
  logEvents,
  startNode,
  usePairNodes,
  waitForLogEvent,
  waitForStatus,
  watchStatuses,
} from './pair-harness.ts';

const failoverMs = 800;
/** How long both stations are watched for a moment where they pair (or the backup serves). */
const watchMs = 4_000;

describe('pairing keys', () => {
  const factory = usePairNodes();

  it('stations with different keys never pair; the primary serves alone, the backup stays a backup', async () => {
    const a = await factory.node('a');
    const b = await factory.node('b');
    const keyA = generatePairingKey();
    const keyB = generatePairingKey();
    expect(keyA).not.toBe(keyB);
    const startedAtMs = Date.now();
    const primaryProcess = await startNode(a, { role: 'primary', peer: b, pairKey: keyA, failoverMs });
    const backupProcess = await startNode(b, { role: 'backup', peer: a, pairKey: keyB, failoverMs });

    // Both dial each other and both refuse the other's key.
    const [rejectedByA, rejectedByB] = await Promise.all([
      waitForLogEvent(primaryProcess, 'replication-peer-rejected'),
      waitForLogEvent(backupProcess, 'replication-peer-rejected'),
    ]);
    for (const entry of [...rejectedByA, ...rejectedByB]) {
      expect(entry.level).toBe('warn');
      expect(entry['reason']).toBe('wrong pairing key');
    }

    // Watch both for a while: never a peer, and the backup never serves.
    const watcher = watchStatuses(a, b, 50);
    await sleep(watchMs);
    const samples = await watcher.stop();
    expect(samples.length).toBeGreaterThan(20);
    for (const sample of samples) {
      if (sample.a === null || sample.b === null) throw new Error('a station stopped answering /api/status');
      expect(sample.a.peer.connected).toBe(false);
      expect(sample.b.peer.connected).toBe(false);
      expect(sample.b).toMatchObject({ role: 'backup', writable: false });
    }
    // The rejections go on (each station keeps dialling), and they never pair.
    expect(logEvents(primaryProcess, 'replication-peer-connected')).toEqual([]);
    expect(logEvents(backupProcess, 'replication-peer-connected')).toEqual([]);
    expect(logEvents(backupProcess, 'replication-promoted')).toEqual([]);

    // The primary serves alone, having waited --failover-ms for a peer first.
    const serving = await waitForStatus(
      a,
      'serves alone',
      (status) => status.role === 'primary' && status.writable,
    );
    expect(serving).toMatchObject({ unprotected: true, peer: { connected: false, inSync: false } });
    const promoted = logEvents(primaryProcess, 'replication-promoted');
    expect(promoted).toHaveLength(1);
    expect(promoted[0]?.message).toContain('no peer answered');
    expect(Date.parse(String(promoted[0]?.['time']))).toBeGreaterThanOrEqual(startedAtMs + failoverMs);
    const primary = await connectedClient(a);
    const aliceKeys = nacl.sign.keyPair();
    const voter = { name: 'alice', group: 'hall', publicKey: aliceKeys.publicKey };
    expect(await primary.registerVoter(voter)).toBe(0);

    // The backup refuses writes and names no primary (it follows none).
    const backup = await connectedClient(b);
    const refused = expectUnavailable(
      await settle(backup.registerVoter({ ...voter, name: 'bob' })),
      'RegisterVoter on the backup',
    );
    expect(refused.details).toMatch(/not the primary/);
    expect(refused.details).not.toContain(grpcAddressOf(a));
    // Nothing reached it from the other station: alice can sign in on the primary only.
    expect((await primary.signIn(voter.name, aliceKeys.secretKey)).length).toBeGreaterThan(0);
    const signInOnBackup = await settle(backup.signIn(voter.name, aliceKeys.secretKey));
    expect(signInOnBackup.ok ? 'signed in' : signInOnBackup.error.code).toBe(16); // UNAUTHENTICATED
    expect((await fetchStatus(b))?.epoch).toBe(0);
    primary.close();
    backup.close();
  }, 45_000);

  it.each([
    ['too short', 'ABCD-EFGH', /too short/],
    ['too long', `${generatePairingKey()}-Z`, /too long/],
    ['with a character that is not in the alphabet', 'UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU', /"U"/],
    ['empty', '', /too short/],
  ])('a malformed --pair-key (%s) stops `evote station` with a clear message', async (_case, key, reason) => {
    const dir = await factory.node('malformed');
    const outcome = await runEvote([
      'station',
      '--data',
      dir.dataDir,
      '--grpc',
      '127.0.0.1:0',
      '--sync',
      '127.0.0.1:0',
      '--no-mdns',
      '--pair-key',
      key,
    ]);
    expect(outcome.code, outcome.stderr).not.toBe(0);
    expect(outcome.code).not.toBeNull();
    expect(outcome.stderr).toMatch(/pair-key/);
    expect(outcome.stderr).toMatch(/pairing key/);
    expect(outcome.stderr).toMatch(reason);
    // It never served.
    expect(outcome.stdout).not.toContain('grpc: ');
  });
});
