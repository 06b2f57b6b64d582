/**
 * Officials in a station: challenge and sign-in with their own key, sessions
 * that are not voter tokens (and the reverse), officials creating elections,
 * officials kept across a restart, and the state
 * listener hearing each durable command.
 */
import nacl from 'tweetnacl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateChange, Station } from '../../core/station/station.ts';
import { challengeLifetimeMs, tokenLifetimeMs } from '../../core/protocol/limits.ts';
import { hourMs } from '../support/engine-fixtures.ts';
import {
  manualClock,
  newVoter,
  officialSignIn,
  openStation,
  registerOfficial,
  registerVoter,
  removeDirectory,
  signIn,
  temporaryDirectory,
} from '../support/station-fixtures.ts';

describe('officials in a station', () => {
  let dir: string;
  let station: Station | null = null;
  const clock = manualClock();
  const olga = newVoter('olga');

  beforeEach(async () => {
    dir = await temporaryDirectory();
    station = await openStation(dir, clock);
  });

  afterEach(async () => {
    await station?.close();
    station = null;
    await removeDirectory(dir);
  });

  function opened(): Station {
    if (station === null) throw new Error('no station');
    return station;
  }

  it('signs an official in for one hour with a single-use 60 s challenge', async () => {
    const s = opened();
    await registerOfficial(s, olga, null);
    const session = await officialSignIn(s, olga);
    expect(s.officialOf(session)).toMatchObject({ kind: 'official', name: 'olga' });
    clock.advance(tokenLifetimeMs);
    expect(s.officialOf(session)).toBeNull();

    const { challenge } = await s.officialChallenge({ name: 'olga' });
    const signature = nacl.sign.detached(challenge, olga.keyPair.secretKey);
    clock.advance(challengeLifetimeMs);
    expect(await s.officialSignIn({ name: 'olga', signature })).toEqual({ refused: 'authentication-failed' });
    // The late attempt used the challenge up.
    expect(await s.officialSignIn({ name: 'olga', signature })).toEqual({ refused: 'authentication-failed' });
  });

  it('refuses sign-in with another key, and unknown officials get a challenge that leads nowhere', async () => {
    const s = opened();
    await registerOfficial(s, olga, null);
    const impostor = newVoter('olga');
    const { challenge } = await s.officialChallenge({ name: 'olga' });
    expect(
      await s.officialSignIn({
        name: 'olga',
        signature: nacl.sign.detached(challenge, impostor.keyPair.secretKey),
      }),
    ).toEqual({ refused: 'authentication-failed' });
    const nobody = await s.officialChallenge({ name: 'nobody' });
    expect(nobody.challenge.length).toBe(32);
    expect(
      await s.officialSignIn({
        name: 'nobody',
        signature: nacl.sign.detached(nobody.challenge, impostor.keyPair.secretKey),
      }),
    ).toEqual({ refused: 'authentication-failed' });
  });

  it('keeps voter tokens and official sessions apart, even for one person who is both', async () => {
    const s = opened();
    await registerOfficial(s, olga, null);
    await registerVoter(s, olga, 'hall');
    const session = await officialSignIn(s, olga);
    const token = await signIn(s, olga);
    // A voter challenge is not an official's: signing it does not open a session.
    const { challenge } = await s.preAuth({ name: 'olga' });
    expect(
      await s.officialSignIn({
        name: 'olga',
        signature: nacl.sign.detached(challenge, olga.keyPair.secretKey),
      }),
    ).toEqual({ refused: 'authentication-failed' });

    expect(s.officialOf(token)).toBeNull();
    expect(s.voterOf(session)).toBeNull();
    expect(s.voterOf(token)).toMatchObject({ kind: 'voter', name: 'olga' });
    const election = {
      name: 'Council',
      groups: ['hall'],
      choices: ['yes', 'no'],
      endsAtMs: clock.nowMs() + hourMs,
    };
    // The protocol path takes voter tokens only; the interface path official sessions only.
    expect(await s.createElection({ token: session, ...election })).toEqual({
      code: 1,
      reason: 'invalid-token',
    });
    expect(await s.createElectionAsOfficial({ token, ...election })).toEqual({
      code: 1,
      reason: 'invalid-token',
    });
    expect(await s.createElectionAsOfficial({ token: session, ...election })).toEqual({
      code: 0,
      reason: 'ok',
    });
    expect(await s.castVote({ token: session, election: 'Council', choice: 'yes' })).toEqual({
      code: 1,
      reason: 'invalid-token',
    });
    expect(await s.castVote({ token, election: 'Council', choice: 'yes' })).toEqual({
      code: 0,
      reason: 'ok',
    });
    expect(
      await s.registerOfficial({
        session: token,
        name: 'otto',
        publicKey: newVoter('otto').keyPair.publicKey,
      }),
    ).toEqual({ code: 3, reason: 'invalid-token' });
  });

  it('lets officials register officials, and only one first official', async () => {
    const s = opened();
    await registerOfficial(s, olga, null);
    const otto = newVoter('otto');
    expect(
      await s.registerOfficial({ session: null, name: 'otto', publicKey: otto.keyPair.publicKey }),
    ).toEqual({
      code: 4,
      reason: 'already-set-up',
    });
    await registerOfficial(s, otto, await officialSignIn(s, olga));
    expect((await officialSignIn(s, otto)).length).toBeGreaterThan(32);
  });

  it('keeps officials and their sessions across a restart (the snapshot written at close)', async () => {
    const s = opened();
    await registerOfficial(s, olga, null);
    const session = await officialSignIn(s, olga);
    await registerOfficial(s, newVoter('otto'), session);
    await s.close();
    station = null;
    const reopened = await openStation(dir, clock);
    station = reopened;
    expect([...reopened.engineState.officials.keys()].sort()).toEqual(['olga', 'otto']);
    expect(reopened.officialOf(session)).toMatchObject({ name: 'olga' });
    await registerOfficial(reopened, newVoter('pia'), session);
  });

  it('tells state listeners about each durable command, in order', async () => {
    const s = opened();
    const changes: StateChange[] = [];
    const stop = s.onApplied((change) => changes.push(change));
    await registerOfficial(s, olga, null);
    await Promise.all([
      registerVoter(s, newVoter('ann'), 'hall'),
      registerVoter(s, newVoter('bob'), 'hall'),
      s.unregisterVoter({ name: 'nobody' }),
    ]);
    stop();
    await registerVoter(s, newVoter('cyd'), 'hall');
    expect(
      changes.map((change) => (change.type === 'command' ? [change.seq, change.command.kind] : [])),
    ).toEqual([
      [1, 'register-official'],
      [2, 'register-voter'],
      [3, 'register-voter'],
    ]);
  });
});
