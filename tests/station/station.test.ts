import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Station } from '../../core/station/station.ts';
import { hourMs } from '../support/engine-fixtures.ts';
import {
  manualClock,
  newVoter,
  openStation,
  registerVoter,
  removeDirectory,
  signIn,
  temporaryDirectory,
} from '../support/station-fixtures.ts';

describe('station', () => {
  let dir: string;
  let station: Station | null = null;

  beforeEach(async () => {
    dir = await temporaryDirectory();
  });

  afterEach(async () => {
    await station?.close();
    station = null;
    await removeDirectory(dir);
  });

  it('signs voters in with their Ed25519 key and refuses a wrong signature or a reused challenge', async () => {
    const clock = manualClock();
    station = await openStation(dir, clock);
    const ann = newVoter('ann');
    await registerVoter(station, ann, 'north');
    expect((await signIn(station, ann)).length).toBeGreaterThan(32);

    const { challenge } = await station.preAuth({ name: 'ann' });
    const impostor = newVoter('ann');
    const { default: nacl } = await import('tweetnacl');
    expect(
      await station.auth({
        name: 'ann',
        signature: nacl.sign.detached(challenge, impostor.keyPair.secretKey),
      }),
    ).toEqual({
      refused: 'authentication-failed',
    });
    // The failed attempt used the challenge up.
    expect(
      await station.auth({ name: 'ann', signature: nacl.sign.detached(challenge, ann.keyPair.secretKey) }),
    ).toEqual({
      refused: 'authentication-failed',
    });
  });

  it('a challenge expires after 60 s', async () => {
    const clock = manualClock();
    station = await openStation(dir, clock);
    const ann = newVoter('ann');
    await registerVoter(station, ann, 'north');
    const { challenge } = await station.preAuth({ name: 'ann' });
    clock.advance(60_000);
    const { default: nacl } = await import('tweetnacl');
    expect(
      await station.auth({ name: 'ann', signature: nacl.sign.detached(challenge, ann.keyPair.secretKey) }),
    ).toEqual({
      refused: 'authentication-failed',
    });
  });

  it('keeps voters, elections, votes and tokens across a restart', async () => {
    const clock = manualClock();
    station = await openStation(dir, clock);
    const ann = newVoter('ann');
    await registerVoter(station, ann, 'north');
    const token = await signIn(station, ann);
    const endsAtMs = clock.nowMs() + hourMs / 2;
    expect(
      await station.createElection({
        token,
        name: 'Council',
        groups: ['north'],
        choices: ['yes', 'no'],
        endsAtMs,
      }),
    ).toEqual({
      code: 0,
      reason: 'ok',
    });
    expect(await station.castVote({ token, election: 'Council', choice: 'no' })).toEqual({
      code: 0,
      reason: 'ok',
    });
    await station.close();

    station = await openStation(dir, clock);
    expect(await station.castVote({ token, election: 'Council', choice: 'yes' })).toEqual({
      code: 4,
      reason: 'already-voted',
    });
    expect(
      await station.createElection({ token, name: 'Budget', groups: ['north'], choices: ['a'], endsAtMs }),
    ).toMatchObject({ code: 0 });
    clock.advance(hourMs);
    expect(await station.getResult({ election: 'Council' })).toEqual({
      outcome: { code: 0, reason: 'ok' },
      counts: [
        { choice: 'yes', count: 0 },
        { choice: 'no', count: 1 },
      ],
    });
    // The token was issued an hour ago: it has now expired.
    expect(await station.castVote({ token, election: 'Budget', choice: 'a' })).toMatchObject({ code: 1 });
  });

  it('unregistering a voter kills their live tokens', async () => {
    const clock = manualClock();
    station = await openStation(dir, clock);
    const ann = newVoter('ann');
    await registerVoter(station, ann, 'north');
    const token = await signIn(station, ann);
    expect(await station.unregisterVoter({ name: 'ann' })).toEqual({ code: 0, reason: 'ok' });
    await registerVoter(station, ann, 'north');
    expect(
      await station.createElection({
        token,
        name: 'Council',
        groups: ['north'],
        choices: ['a'],
        endsAtMs: clock.nowMs() + 1000,
      }),
    ).toEqual({ code: 1, reason: 'invalid-token' });
  });

  it('answers a merge sent again only once the first is durable', async () => {
    const clock = manualClock();
    station = await openStation(dir, clock);
    const ann = newVoter('ann');
    await registerVoter(station, ann, 'north');
    const commonSeq = station.lastSeq;
    const batch = [
      {
        seq: commonSeq + 1,
        command: {
          kind: 'register-voter',
          atMs: clock.nowMs(),
          name: 'bob',
          group: 'north',
          publicKey: newVoter('bob').keyPair.publicKey,
        },
        memberKey: null,
        electionFromSplit: false,
      },
    ] as const;
    // The same batch on a replaced link while the first merge is still on its way to the disk.
    const first = station.mergeDiverged('station-b', commonSeq, batch);
    const again = station.mergeDiverged('station-b', commonSeq, batch);
    expect(await again).toEqual({ code: 1, reason: 'already-merged' });
    expect(station.lastSeq).toBe(commonSeq + 1);
    expect(await first).toEqual({ code: 0, reason: 'ok' });
    expect(station.lastSeq).toBe(commonSeq + 1);
  });

  it('refuses a second station on the same data directory', async () => {
    station = await openStation(dir, manualClock());
    await expect(openStation(dir, manualClock())).rejects.toThrow(/already in use by another station/);
  });

  it('compacts the log into snapshots under load, and no per-vote record stays on disk after a clean stop', async () => {
    const clock = manualClock();
    station = await openStation(dir, clock, { snapshotAfterBytes: 4096 });
    const voters = Array.from({ length: 60 }, (_, index) => newVoter(`voter-${index}`));
    for (const voter of voters) await registerVoter(station, voter, 'north');
    const tokens = await Promise.all(voters.map(async (voter) => signIn(station as Station, voter)));
    const token = tokens[0] ?? new Uint8Array();
    await station.createElection({
      token,
      name: 'Council',
      groups: ['north'],
      choices: ['yes', 'no'],
      endsAtMs: clock.nowMs() + hourMs,
    });
    const answers = await Promise.all(
      tokens.map(async (voterToken, index) =>
        (station as Station).castVote({
          token: voterToken,
          election: 'Council',
          choice: index % 3 === 0 ? 'no' : 'yes',
        }),
      ),
    );
    expect(answers.every((answer) => 'code' in answer && answer.code === 0)).toBe(true);
    await station.close();

    const files = await readdir(dir);
    for (const file of files) {
      const content = await readFile(path.join(dir, file)).catch(() => Buffer.alloc(0));
      expect(content.includes('cast-vote'), `${file} holds a per-vote record`).toBe(false);
    }

    station = await openStation(dir, clock);
    clock.advance(hourMs);
    expect(await station.getResult({ election: 'Council' })).toEqual({
      outcome: { code: 0, reason: 'ok' },
      counts: [
        { choice: 'yes', count: 40 },
        { choice: 'no', count: 20 },
      ],
    });
  });
});
