import { describe, expect, it } from 'vitest';
import { newCredential } from '../../../renderer/src/credentials/credential.ts';
import { FakeInterfaceApi } from './fake-api.ts';

describe('the fake interface API', () => {
  it('signs an official in with a genuine signature only, and refuses calls without a session', async () => {
    const api = new FakeInterfaceApi();
    const alice = newCredential('official', 'Alice');
    const session = await api.signInOfficial(alice);
    expect(await api.listVoters({ session, search: '', offset: 0, limit: 10 })).toEqual({
      total: 0,
      voters: [],
    });
    expect(await api.listVoters({ session: new Uint8Array(16), search: '', offset: 0, limit: 10 })).toEqual({
      refused: 'not-signed-in',
    });
    const { challenge } = await api.officialChallenge({ name: 'Alice' });
    expect(challenge).toHaveLength(32);
    expect(await api.officialSignIn({ name: 'Alice', signature: new Uint8Array(64) })).toEqual({
      refused: 'authentication-failed',
    });
  });

  it('answers results only after the end, and expires sessions with its clock', async () => {
    const api = new FakeInterfaceApi({ nowMs: 1_000 });
    const session = await api.signInOfficial(newCredential('official', 'Alice'));
    const created = await api.createElection({
      session,
      name: 'Mayor',
      groups: ['a'],
      choices: ['x'],
      endsAtMs: 5_000,
    });
    expect(created).toEqual({ code: 0, reason: 'ok' });
    expect((await api.getResult({ election: 'Mayor' })).outcome.reason).toBe('election-ongoing');
    api.setNow(5_000);
    expect(await api.getResult({ election: 'Mayor' })).toEqual({
      outcome: { code: 0, reason: 'ok' },
      counts: [{ choice: 'x', count: 0 }],
    });
    api.setNow(1_000 + 60 * 60 * 1000);
    expect(await api.listElections({ session })).toEqual({ refused: 'not-signed-in' });
  });

  it('pushes events to subscribers and rejects every call while unreachable', async () => {
    const api = new FakeInterfaceApi();
    const events: string[] = [];
    const stop = api.subscribe((event) => events.push(event.type));
    api.setStatus({ writable: false });
    api.addAudit('warn', 'replication-unprotected', 'no backup');
    stop();
    api.emit({ type: 'voters-changed' });
    expect(events).toEqual(['status', 'audit']);
    api.setUnreachable(true);
    await expect(api.overview()).rejects.toThrow(TypeError);
  });
});
