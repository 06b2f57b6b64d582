/**
 * Catch-up between two in-process stations, each with its own
 * ReplicationManager, linked by in-memory channels (one new pair per dial):
 * a full copy from a snapshot plus the log tail, resuming a broken snapshot
 * transfer, live streaming with acknowledgement after the backup has the
 * write, a divergent log replaced by a full copy, and take-over then
 * hand-back without two writable primaries at once.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/station/environment.ts';
import { isUnavailable, type Unavailable } from '../../core/station/station-api.ts';
import type { Station } from '../../core/station/station.ts';
import type { Outcome } from '../../core/protocol/status-codes.ts';
import { canonicalState, hourMs } from '../support/engine-fixtures.ts';
import {
  Harness,
  defaultFailoverMs,
  endOf,
  servesWithBackup,
  statusOf,
  waitUntil,
  type Link,
  type Node,
  type NodePair,
} from '../support/in-process-pair.ts';
import { nthOfType, type MemoryChannel } from '../support/memory-channel.ts';
import { newVoter, openStation, registerVoter, signIn, type TestVoter } from '../support/station-fixtures.ts';

function expectOk(answer: Outcome<string> | Unavailable, what: string): void {
  if (isUnavailable(answer) || answer.code !== 0)
    throw new Error(`${what} failed: ${JSON.stringify(answer)}`);
}

interface Electorate {
  /** Voters with key pairs, signed in on the station that registered them. */
  readonly voters: readonly TestVoter[];
  readonly tokens: ReadonlyMap<string, Uint8Array>;
  readonly elections: readonly string[];
}

const choices = ['red', 'green', 'blue'];

/**
 * Registers `registered` voters (of whom `voting` can sign in), creates
 * `elections` elections open to all and has every signed-in voter vote in
 * each; writes go in concurrent batches so that group commit keeps it quick.
 */
async function populate(
  station: Station,
  options: {
    readonly prefix: string;
    readonly registered: number;
    readonly voting: number;
    readonly elections: number;
  },
): Promise<Electorate> {
  const voters = Array.from({ length: options.voting }, (_, index) =>
    newVoter(`${options.prefix}-v${index}`),
  );
  const registrations = [
    ...voters.map((voter) => ({ name: voter.name, publicKey: voter.keyPair.publicKey })),
    ...Array.from({ length: options.registered - options.voting }, (_, index) => ({
      name: `${options.prefix}-r${index}`,
      publicKey: new Uint8Array(randomBytes(32)),
    })),
  ];
  for (let start = 0; start < registrations.length; start += 500) {
    const answers = await Promise.all(
      registrations
        .slice(start, start + 500)
        .map((voter) => station.registerVoter({ ...voter, group: 'hall' })),
    );
    for (const answer of answers) expectOk(answer, 'registration');
  }
  const tokens = new Map<string, Uint8Array>();
  for (const voter of voters) tokens.set(voter.name, await signIn(station, voter));
  const creator = tokens.get(voters[0]?.name ?? '') ?? new Uint8Array();
  const elections = Array.from(
    { length: options.elections },
    (_, index) => `${options.prefix}-council-${index}`,
  );
  for (const name of elections) {
    expectOk(
      await station.createElection({
        token: creator,
        name,
        groups: ['hall'],
        choices,
        endsAtMs: Date.now() + hourMs,
      }),
      'election',
    );
  }
  const votes = elections.flatMap((election) =>
    voters.map((voter, index) => ({
      token: tokens.get(voter.name) ?? new Uint8Array(),
      election,
      choice: choices[index % choices.length] ?? 'red',
    })),
  );
  for (const answer of await Promise.all(votes.map((vote) => station.castVote(vote))))
    expectOk(answer, 'vote');
  return { voters, tokens, elections };
}

/** Registers one more voter with a throw-away key; returns the seq the station gave it. */
async function registerOne(station: Station, name: string): Promise<number> {
  expectOk(
    await station.registerVoter({ name, group: 'hall', publicKey: new Uint8Array(randomBytes(32)) }),
    `registering ${name}`,
  );
  return station.lastSeq;
}

/** Registers `count` voters `${prefix}-0` … one after the other. */
async function registerInTurn(station: Station, prefix: string, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await registerOne(station, `${prefix}-${index}`);
}

/** Registers `count` voters `${prefix}-0` … all at once. */
async function registerAtOnce(station: Station, prefix: string, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, index) => registerOne(station, `${prefix}-${index}`)));
}

function expectSameState(a: Node, b: Node): void {
  expect(canonicalState(b.station.engineState)).toEqual(canonicalState(a.station.engineState));
  expect(b.station.lastSeq).toBe(a.station.lastSeq);
}

/** Waits until `primary` serves with `backup` in sync, then checks that both hold the same state. */
async function expectCaughtUp({ primary, backup }: NodePair, what = 'the backup is in sync'): Promise<void> {
  await waitUntil(what, () => servesWithBackup(primary));
  expectSameState(primary, backup);
}

/** A new write on `primary` is on `backup` by the time it is acknowledged. */
async function expectReplicatedWrite({ primary, backup }: NodePair, name: string): Promise<void> {
  const seq = await registerOne(primary.station, name);
  expect(backup.station.lastSeq).toBeGreaterThanOrEqual(seq);
}

/**
 * Cuts the primary off from its backup and waits until it notices; returns how many links
 * were made before the cut and the backup's last seq at the cut.
 */
async function cutOffPrimary(
  harness: Harness,
  { primary, backup }: NodePair,
): Promise<{ beforeCut: number; backupSeq: number }> {
  const beforeCut = harness.links.length;
  harness.cutOff(primary);
  await waitUntil('the primary notices', () => !statusOf(primary).peer.connected);
  return { beforeCut, backupSeq: backup.station.lastSeq };
}

function events(node: Node, event: string): number {
  return node.logger.entries.filter((entry) => entry.event === event).length;
}

/** Everything a node's log says about replication, for failure messages. */
function replicationLog(node: Node): string {
  return node.logger.entries
    .filter((entry) => entry.event.startsWith('replication-'))
    .map((entry) => `${entry.event} ${entry.message} ${JSON.stringify(entry.fields)}`)
    .join('\n');
}

/** How many records the log holds after its newest snapshot. */
async function recordsAfterSnapshot(station: Station): Promise<number> {
  const snapshot = station.storage.latestSnapshot();
  if (snapshot === null) return station.lastSeq;
  let count = 0;
  await station.storage.readRecords(snapshot.seq + 1, () => {
    count += 1;
  });
  return count;
}

/**
 * A primary serving alone in epoch 1 with a snapshot of several chunks and a
 * log tail after it, and an empty backup station not yet started.
 */
async function primaryWithSnapshot(harness: Harness): Promise<NodePair> {
  const { primary, backup } = await harness.nodePair(128 * 1024);
  await harness.startManager(primary, backup, 'primary');
  await waitUntil('the primary serves alone', () => statusOf(primary).writable);
  await populate(primary.station, { prefix: 'p', registered: 6_000, voting: 30, elections: 3 });
  // Write on until a snapshot holds the elections and votes too, then leave a log tail after it.
  const votedSeq = primary.station.lastSeq;
  for (let batch = 0; (primary.station.storage.latestSnapshot()?.seq ?? 0) <= votedSeq; batch += 1) {
    if (batch > 200) throw new Error('no snapshot was taken');
    await registerAtOnce(primary.station, `p-pad-${batch}`, 50);
    await sleep(5);
  }
  await registerInTurn(primary.station, 'p-late', 20);
  const snapshot = primary.station.storage.latestSnapshot();
  expect(snapshot).not.toBeNull();
  expect(snapshot?.seq ?? 0).toBeGreaterThan(0);
  expect(snapshot?.seq ?? 0).toBeLessThan(primary.station.lastSeq);
  expect(await recordsAfterSnapshot(primary.station)).toBeGreaterThan(0);
  return { primary, backup };
}

/** The welcome the leader sent on its end of a link. */
function welcomeOn(leaderEnd: MemoryChannel): unknown {
  return leaderEnd.sent.find((message) => message.type === 'welcome');
}

/** Snapshot chunks the leader sent on each link, in link order. */
function chunksSent(links: readonly Link[], leader: Node): { index: number; count: number }[][] {
  return links.map((link) =>
    endOf(link, leader).sent.flatMap((message) =>
      message.type === 'snapshot-chunk' ? [{ index: message.index, count: message.count }] : [],
    ),
  );
}

describe('replication catch-up between two in-process stations', () => {
  let harness = new Harness();

  afterEach(async () => {
    await harness.close();
    harness = new Harness();
  });

  it('gives an empty backup a full copy: the snapshot in chunks, then the log tail', async () => {
    const { primary, backup } = await primaryWithSnapshot(harness);
    const firstLink = harness.links.length;
    await harness.startManager(backup, primary, 'backup');
    await waitUntil('the backup is in sync', () => servesWithBackup(primary));

    expectSameState(primary, backup);
    expect(Buffer.from(backup.station.tokenKey)).toEqual(Buffer.from(primary.station.tokenKey));
    expect(statusOf(primary)).toMatchObject({ role: 'primary', writable: true, unprotected: false });
    expect(statusOf(backup)).toMatchObject({
      role: 'backup',
      writable: false,
      epoch: statusOf(primary).epoch,
    });
    // The backup calls itself caught up at the leader's next heartbeat.
    await waitUntil('the backup knows it is caught up', () => statusOf(backup).peer.inSync);

    const links = harness.linksSince(firstLink);
    expect(links).toHaveLength(1);
    const [chunks = []] = chunksSent(links, primary);
    const count = chunks[0]?.count ?? 0;
    expect(count).toBeGreaterThanOrEqual(5);
    expect(chunks.map((chunk) => chunk.index)).toEqual(Array.from({ length: count }, (_, index) => index));
    const leaderEnd = endOf(links[0] as Link, primary);
    expect(leaderEnd.countSent('records')).toBeGreaterThan(0);
    expect(welcomeOn(leaderEnd)).toMatchObject({
      continueAfterSeq: 0,
    });

    // The copy is durable: the backup's store recovers the same state.
    await harness.kill(backup);
    await backup.station.close();
    const reopened = await openStation(backup.dir, systemClock);
    try {
      expect(canonicalState(reopened.engineState)).toEqual(canonicalState(primary.station.engineState));
    } finally {
      await reopened.close();
    }
  });

  it('keeps the link while the backup takes longer than the failover time to install a snapshot', async () => {
    const { primary, backup } = await primaryWithSnapshot(harness);
    const commit = backup.station.commitSnapshotInstall.bind(backup.station);
    backup.station.commitSnapshotInstall = async (install) => {
      await sleep(3 * defaultFailoverMs);
      await commit(install);
    };
    const firstLink = harness.links.length;
    await harness.startManager(backup, primary, 'backup');
    await expectCaughtUp({ primary, backup });
    expect(harness.linksSince(firstLink)).toHaveLength(1);
    expect(events(primary, 'replication-peer-silent')).toBe(0);
  });

  it('resumes a snapshot transfer that broke off after its 2nd chunk from where the backup stopped', async () => {
    const { primary, backup } = await primaryWithSnapshot(harness);
    const firstLink = harness.links.length;
    harness.onNextLink((link) => {
      endOf(link, primary).pauseAfter(nthOfType('snapshot-chunk', 2));
    });
    await harness.startManager(backup, primary, 'backup');
    // The network stalls after the 2nd chunk; once the backup has stored both, it breaks.
    await waitUntil('the backup stored two chunks', async () => {
      const partial = await backup.station.storage.partialSnapshot();
      return partial?.receivedChunks === 2;
    });
    const broken = harness.links[firstLink] as Link;
    expect(endOf(broken, primary).isPaused).toBe(true);
    endOf(broken, primary).cut();

    await expectCaughtUp({ primary, backup });

    const links = harness.linksSince(firstLink);
    expect(links.length).toBeGreaterThanOrEqual(2);
    const perLink = chunksSent(links, primary);
    const count = perLink[0]?.[0]?.count ?? 0;
    expect(perLink[1]?.[0]?.index, replicationLog(backup)).toBe(2);
    const total = perLink.flat().length;
    expect(total).toBeLessThan(2 * count);
  });

  it('resumes a snapshot transfer cut right after its 2nd chunk, while the backup is still storing', async () => {
    const { primary, backup } = await primaryWithSnapshot(harness);
    const firstLink = harness.links.length;
    harness.onNextLink((link) => {
      endOf(link, primary).cutAfter(nthOfType('snapshot-chunk', 2));
    });
    await harness.startManager(backup, primary, 'backup');
    await expectCaughtUp({ primary, backup });

    const links = harness.linksSince(firstLink);
    const perLink = chunksSent(links, primary);
    const count = perLink[0]?.[0]?.count ?? 0;
    const total = perLink.flat().length;
    expect(total, `chunks per link ${JSON.stringify(perLink)}\n${replicationLog(backup)}`).toBeLessThan(
      2 * count,
    );
  });

  // BUG (core/station/station.ts beginSnapshotInstall): the backup's manager offers to resume at
  // the chunk count it saw when the link dropped, but the chunk being written then still lands;
  // the resumed transfer is refused ("the primary resumes its snapshot at chunk 1 but 2 are
  // here") and the next link starts over from chunk 0. SnapshotInstall.write already ignores
  // resent chunks, so `install.receivedChunks < fromChunk` (not `!==`) fixes it. Make this `it`
  // once fixed.
  it('resumes a snapshot transfer when the link breaks while the backup is still writing a chunk', async () => {
    const { primary, backup } = await primaryWithSnapshot(harness);
    const firstLink = harness.links.length;
    harness.onNextLink((link) => {
      endOf(link, primary).pauseAfter(nthOfType('snapshot-chunk', 2));
    });
    // The backup's write of chunk 1 is on its way to the disk when the link breaks: it is held
    // until the backup has noticed the break, then lands before the backup dials again.
    let releaseWrite = (): void => undefined;
    const writeReleased = new Promise<void>((resolve) => {
      releaseWrite = resolve;
    });
    const held: { write: Promise<void> | null } = { write: null };
    const begin = backup.station.beginSnapshotInstall.bind(backup.station);
    let wrapped = false;
    backup.station.beginSnapshotInstall = async (seq, count, fromChunk) => {
      const install = await begin(seq, count, fromChunk);
      if (wrapped) return install;
      wrapped = true;
      return {
        seq: install.seq,
        count: install.count,
        get receivedChunks() {
          return install.receivedChunks;
        },
        write: (index, chunk) => {
          if (index !== 1) return install.write(index, chunk);
          held.write = writeReleased.then(() => install.write(index, chunk));
          return held.write;
        },
        commit: () => install.commit(),
        abandon: () => install.abandon(),
      };
    };
    await harness.startManager(backup, primary, 'backup');
    await waitUntil('the backup is writing chunk 1', () => held.write !== null);
    expect((await backup.station.storage.partialSnapshot())?.receivedChunks).toBe(1);
    backup.reachable = false;
    endOf(harness.links[firstLink] as Link, primary).cut();
    await waitUntil('the backup noticed the break', () => !statusOf(backup).peer.connected);
    releaseWrite();
    await held.write;
    expect((await backup.station.storage.partialSnapshot())?.receivedChunks).toBe(2);
    backup.reachable = true;

    await expectCaughtUp({ primary, backup });
    const perLink = chunksSent(harness.linksSince(firstLink), primary);
    const restarts = perLink.slice(1).filter((chunks) => chunks[0]?.index === 0).length;
    expect(restarts, `chunks per link ${JSON.stringify(perLink)}\n${replicationLog(backup)}`).toBe(0);
    expect(events(backup, 'replication-channel-error')).toBe(0);
  });

  it('acknowledges a write only once the backup has it, goes on alone when the link breaks, then catches up by the log tail', async () => {
    // Long enough that the backup does not take over while the link is down for the test.
    const failoverMs = 3_000;
    const { primary, backup } = await harness.nodePair();
    await harness.startPair(
      { primary, backup },
      { primary: { failoverMs, dials: false }, backup: { failoverMs } },
    );
    // Concurrent writes while the backup is attached.
    const electorate = await populate(primary.station, {
      prefix: 'p',
      registered: 300,
      voting: 20,
      elections: 1,
    });
    await expectCaughtUp({ primary, backup });
    expect(statusOf(primary).unprotected).toBe(false);

    // Live: each write is on the backup by the time it is acknowledged.
    const election = electorate.elections[0] ?? '';
    const late = Array.from({ length: 10 }, (_, index) => newVoter(`late-${index}`));
    for (const voter of late) {
      expectOk(
        await primary.station.registerVoter({
          name: voter.name,
          group: 'hall',
          publicKey: voter.keyPair.publicKey,
        }),
        'registration',
      );
      expect(backup.station.lastSeq).toBeGreaterThanOrEqual(primary.station.lastSeq);
      const token = await signIn(primary.station, voter);
      expectOk(await primary.station.castVote({ token, election, choice: 'green' }), 'vote');
      expect(backup.station.lastSeq).toBeGreaterThanOrEqual(primary.station.lastSeq);
    }
    // Concurrent writes too.
    const seqs = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        await registerOne(primary.station, `burst-${index}`);
        return backup.station.lastSeq;
      }),
    );
    expect(Math.min(...seqs)).toBeGreaterThan(0);
    expect(backup.station.lastSeq).toBe(primary.station.lastSeq);
    expectSameState(primary, backup);

    // The link breaks and stays down: the primary goes on alone, unprotected.
    const { beforeCut, backupSeq } = await cutOffPrimary(harness, { primary, backup });
    for (let index = 0; index < 30; index += 1) await registerOne(primary.station, `alone-${index}`);
    expect(statusOf(primary)).toMatchObject({ role: 'primary', writable: true, unprotected: true });
    expect(statusOf(backup).writable).toBe(false);
    expect(backup.station.lastSeq).toBe(backupSeq);

    // It heals: the backup continues its log, no snapshot.
    primary.reachable = true;
    await expectCaughtUp({ primary, backup }, 'the backup is in sync again');
    expect(statusOf(primary).unprotected).toBe(false);
    const relinks = harness.linksSince(beforeCut);
    expect(relinks.length).toBeGreaterThanOrEqual(1);
    const leaderEnd = endOf(relinks[relinks.length - 1] as Link, primary);
    expect(leaderEnd.countSent('snapshot-chunk')).toBe(0);
    expect(welcomeOn(leaderEnd)).toMatchObject({
      continueAfterSeq: backupSeq,
    });
    expect(events(backup, 'replication-full-copy')).toBe(0);
    await expectReplicatedWrite({ primary, backup }, 'after-heal');
  });

  it('keeps the records a cut-off backup lacks past the primary’s snapshots, then lets compaction remove them', async () => {
    const { primary, backup } = await harness.nodePair(32 * 1024);
    await harness.startPair(
      { primary, backup },
      { primary: { failoverMs: 3_000, dials: false }, backup: { failoverMs: 3_000 } },
    );
    await populate(primary.station, { prefix: 'p', registered: 500, voting: 10, elections: 1 });
    await waitUntil('the backup is in sync', () => servesWithBackup(primary));

    const { beforeCut, backupSeq } = await cutOffPrimary(harness, { primary, backup });
    // Enough alone that a snapshot compacts away the records the backup lacks.
    for (let batch = 0; batch < 20; batch += 1) {
      await Promise.all(
        Array.from({ length: 50 }, (_, index) => registerOne(primary.station, `alone-${batch}-${index}`)),
      );
    }
    const stillInLog = async (seq: number): Promise<boolean> => {
      try {
        await primary.station.storage.readRecords(seq, () => undefined, { toSeq: seq });
        return true;
      } catch {
        return false;
      }
    };
    await waitUntil('a snapshot covers the gap', () => {
      const snapshot = primary.station.storage.latestSnapshot();
      return snapshot !== null && snapshot.seq > backupSeq + 1;
    });
    // The backup has not confirmed them: after a split they could have to be merged elsewhere.
    expect(await stillInLog(backupSeq + 1)).toBe(true);

    primary.reachable = true;
    await expectCaughtUp({ primary, backup }, 'the backup is in sync again');
    const leaderEnd = endOf(harness.linksSince(beforeCut).at(-1) as Link, primary);
    expect(welcomeOn(leaderEnd)).toMatchObject({
      continueAfterSeq: backupSeq,
    });
    // Caught up from the log, no snapshot needed.
    expect(leaderEnd.countSent('snapshot-chunk')).toBe(0);
    expect(events(backup, 'replication-full-copy')).toBe(0);
    await expectReplicatedWrite({ primary, backup }, 'after-heal');

    // Confirmed by the backup now: the next snapshot removes them (ballot secrecy at rest).
    const confirmedSeq = primary.station.lastSeq;
    for (let batch = 0; batch < 20; batch += 1) {
      await Promise.all(
        Array.from({ length: 50 }, (_, index) => registerOne(primary.station, `after-${batch}-${index}`)),
      );
    }
    await waitUntil('a newer snapshot covers them', () => {
      const snapshot = primary.station.storage.latestSnapshot();
      return snapshot !== null && snapshot.seq > confirmedSeq;
    });
    await waitUntil('compaction removed them', async () => !(await stillInLog(backupSeq + 1)));
  });

  it('merges the records an old primary logged but never replicated into the new primary, then takes a full copy', async () => {
    const { primary, backup } = await harness.nodePair(64 * 1024);
    await harness.startPair({ primary, backup }, { primary: { dials: false } });
    await populate(primary.station, { prefix: 'p', registered: 1_500, voting: 10, elections: 1 });
    expect(backup.station.lastSeq).toBe(primary.station.lastSeq);
    const epoch = statusOf(primary).epoch;
    const keptSeq = primary.station.lastSeq;

    // The primary dies, but not before logging records the backup never received.
    await harness.kill(primary);
    primary.station.setReplicator(null);
    for (let index = 0; index < 5; index += 1) await registerOne(primary.station, `lost-${index}`);
    expect(primary.station.lastSeq).toBe(keptSeq + 5);

    await waitUntil('the backup takes over', () => statusOf(backup).writable, 5_000);
    expect(statusOf(backup)).toMatchObject({ role: 'primary', epoch: epoch + 1 });
    for (let index = 0; index < 40; index += 1) await registerOne(backup.station, `kept-${index}`);

    // The old primary comes back: its records after keptSeq are not the cluster's until merged.
    await harness.startManager(primary, backup, 'primary');
    await waitUntil('the old primary took a full copy', () => events(primary, 'replication-full-copy') > 0);
    await waitUntil(
      'the old primary serves again with the backup in sync',
      () =>
        servesWithBackup(primary) &&
        !statusOf(backup).writable &&
        backup.station.lastSeq === primary.station.lastSeq,
    );
    expectSameState(backup, primary);
    expect(primary.station.engineState.voters.has('lost-4')).toBe(true);
    expect(primary.station.engineState.voters.has('kept-39')).toBe(true);
    expect(events(backup, 'replication-merged')).toBeGreaterThan(0);
    expect(primary.station.conflictReport()).toEqual({
      merges: [
        expect.objectContaining({ sourceStationId: primary.station.stationId, commands: 5, applied: 5 }),
      ],
      conflicts: [],
    });
    await expectReplicatedWrite({ primary, backup }, 'after-return');
  });

  it('takes over when the primary dies and hands back once it returns, never with two writable stations', async () => {
    const { primary, backup } = await harness.nodePair();
    // Moments when both stations would take a write, and when both statuses say writable.
    const overlaps: string[] = [];
    const statusOverlaps: { readonly primaryTakesWrites: boolean; readonly backupTakesWrites: boolean }[] =
      [];
    const check = (): void => {
      if (primary.manager === null || backup.manager === null) return;
      const [p, b] = [primary.manager.status(), backup.manager.status()];
      const primaryTakesWrites = primary.manager.writeRefusal() === null;
      const backupTakesWrites = backup.manager.writeRefusal() === null;
      if (primaryTakesWrites && backupTakesWrites) {
        overlaps.push(`both take writes (epochs ${p.epoch}, ${b.epoch})`);
      }
      if (p.writable && b.writable) statusOverlaps.push({ primaryTakesWrites, backupTakesWrites });
    };
    harness.onStatus = check;
    const sampler = setInterval(check, 2);
    try {
      await harness.startManager(primary, backup, 'primary');
      await harness.startManager(backup, primary, 'backup');
      await waitUntil('the pair is in sync', () => servesWithBackup(primary));
      await populate(primary.station, { prefix: 'p', registered: 200, voting: 10, elections: 1 });
      expect(backup.station.lastSeq).toBe(primary.station.lastSeq);
      const epoch = statusOf(primary).epoch;

      await harness.kill(primary);
      const killedAtMs = Date.now();
      await waitUntil('the backup takes over', () => statusOf(backup).writable, 5_000);
      expect(Date.now() - killedAtMs).toBeGreaterThanOrEqual(defaultFailoverMs - 100);
      expect(statusOf(backup)).toMatchObject({ role: 'primary', epoch: epoch + 1, unprotected: true });
      for (let index = 0; index < 20; index += 1) await registerOne(backup.station, `during-${index}`);

      await harness.startManager(primary, backup, 'primary');
      await waitUntil(
        'the returned primary serves again with the backup in sync',
        () =>
          statusOf(primary).role === 'primary' &&
          servesWithBackup(primary) &&
          statusOf(backup).role === 'backup' &&
          !statusOf(backup).writable,
      );
      expect(statusOf(primary).epoch).toBe(epoch + 2);
      expect(statusOf(backup).epoch).toBe(epoch + 2);
      expectSameState(primary, backup);
      expect(primary.station.engineState.voters.has('during-19')).toBe(true);
      expect(events(primary, 'replication-full-copy')).toBe(0);
      const seq = await registerOne(primary.station, 'after-hand-back');
      expect(backup.station.lastSeq).toBeGreaterThanOrEqual(seq);
      expect(
        isUnavailable(
          await backup.station.registerVoter({ name: 'x', group: 'hall', publicKey: new Uint8Array(32) }),
        ),
      ).toBe(true);
    } finally {
      clearInterval(sampler);
      harness.onStatus = null;
    }
    expect(overlaps).toEqual([]);
    // Known reporting flaw: during the hand-over, from the new primary's promotion until the
    // old one hears `handover-done`, both statuses say writable: true, although the old one
    // already refuses writes (status() reports `writable` without `handingOver`). Until that
    // is fixed, every such moment must have one of the two refusing.
    for (const overlap of statusOverlaps) {
      expect(overlap.primaryTakesWrites && overlap.backupTakesWrites).toBe(false);
    }
  });

  it('reconciles a split: both sides take votes, the newer epoch wins, the other side is merged, a double vote counts once and is listed', async () => {
    const { primary, backup } = await harness.nodePair();
    await harness.startPair({ primary, backup });
    const [ann, bob, cy, dee] = ['ann', 'bob', 'cy', 'dee'].map((name) => newVoter(name)) as [
      TestVoter,
      TestVoter,
      TestVoter,
      TestVoter,
    ];
    for (const voter of [ann, bob, cy]) await registerVoter(primary.station, voter, 'hall');
    const election = 'Mayor';
    expectOk(
      await primary.station.createElection({
        token: await signIn(primary.station, ann),
        name: election,
        groups: ['hall'],
        choices,
        endsAtMs: Date.now() + hourMs,
      }),
      'election',
    );
    const vote = async (station: Station, voter: TestVoter, choice: string) => {
      expectOk(await station.castVote({ token: await signIn(station, voter), election, choice }), 'vote');
    };

    // The link is cut: the primary goes on alone, the backup takes over; both take votes.
    harness.cutOff(primary);
    await waitUntil('the backup takes over', () => statusOf(backup).writable, 5_000);
    expect(statusOf(primary).writable).toBe(true);
    await vote(primary.station, ann, 'red');
    await vote(primary.station, bob, 'red');
    await registerVoter(primary.station, dee, 'hall');
    await vote(primary.station, dee, 'green');
    await vote(backup.station, ann, 'blue');
    await vote(backup.station, cy, 'blue');

    // It heals: the backup's epoch is newer, so the primary's votes are merged into it; then the
    // officials' primary takes its role back.
    primary.reachable = true;
    await waitUntil(
      'the primary serves again with the backup in sync',
      () => servesWithBackup(primary) && statusOf(backup).role === 'backup',
      10_000,
    );
    await backup.station.settle();
    expectSameState(primary, backup);
    const merged = primary.station.engineState.elections.get(election);
    expect([...(merged?.voted ?? [])].sort()).toEqual(['ann', 'bob', 'cy', 'dee']);
    // ann's vote on the winning side (blue) counts; the one on the other side is listed.
    expect(merged?.tallies).toEqual([1, 1, 2]);
    const report = primary.station.conflictReport();
    expect(report).toEqual(backup.station.conflictReport());
    expect(report.merges).toEqual([
      expect.objectContaining({ sourceStationId: primary.station.stationId, commands: 4, applied: 3 }),
    ]);
    expect(report.conflicts).toEqual([
      expect.objectContaining({ kind: 'double-vote', member: 'ann', election, command: 'cast-vote' }),
    ]);
  });

  it('gives two stations that promote without hearing each other different epochs, and merges the split when they meet', async () => {
    const { primary, backup } = await harness.nodePair();
    await harness.startPair({ primary, backup });
    await populate(primary.station, { prefix: 'p', registered: 200, voting: 5, elections: 1 });
    const epoch = statusOf(primary).epoch;

    // The primary dies; the backup takes over and records votes of its own.
    await harness.kill(primary);
    await waitUntil('the backup takes over', () => statusOf(backup).writable, 5_000);
    for (let index = 0; index < 10; index += 1) await registerOne(backup.station, `b-split-${index}`);
    // The primary restarts while the backup is unreachable, and serves alone after failoverMs.
    backup.reachable = false;
    for (const link of harness.links) link.ends.get(backup.name)?.cut();
    await harness.startManager(primary, backup, 'primary');
    await waitUntil('the restarted primary serves alone', () => statusOf(primary).writable, 5_000);
    // Each began an epoch of its own parity: never the same number from the same seq.
    expect(statusOf(backup).epoch).toBe(epoch + 1);
    expect(statusOf(primary).epoch).toBe(epoch + 2);
    for (let index = 0; index < 30; index += 1) await registerOne(primary.station, `p-split-${index}`);

    // The network heals: whoever leads, the other must not keep records the leader never had.
    backup.reachable = true;
    await waitUntil(
      'one station serves with the other in sync',
      () => servesWithBackup(primary) || servesWithBackup(backup),
      5_000,
    );
    await primary.station.settle();
    await backup.station.settle();
    expectSameState(primary, backup);
    // The newer epoch (the primary's) won; the backup's records of the split were merged into it.
    expect(servesWithBackup(primary)).toBe(true);
    for (const name of ['b-split-0', 'b-split-9', 'p-split-0', 'p-split-29'])
      expect(primary.station.engineState.voters.has(name), name).toBe(true);
    expect(primary.station.conflictReport()).toEqual({
      merges: [
        expect.objectContaining({ sourceStationId: backup.station.stationId, commands: 10, applied: 10 }),
      ],
      conflicts: [],
    });
  });
});
