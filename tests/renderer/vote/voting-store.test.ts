import nacl from 'tweetnacl';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from 'vue';
import type { Challenge } from '../../../core/api/interface-api.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import { apiKey } from '../../../renderer/src/api/use-api.ts';
import {
  credentialFileText,
  credentialQrText,
  newCredential,
  publicKeyOf,
  type Credential,
} from '../../../renderer/src/credentials/credential.ts';
import {
  credentialFileBytesMax,
  finishSeconds,
  inactivityWarningMs,
  inactivityWarningSeconds,
  useVotingStore,
} from '../../../renderer/src/stores/voting.ts';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { changeElection, closeElection } from './vote-fixtures.ts';

const hourMs = 60 * 60 * 1000;

interface Kiosk {
  readonly api: FakeInterfaceApi;
  readonly voting: ReturnType<typeof useVotingStore>;
  readonly voter: Credential;
}

/** A station with one voter (group "north") and the elections given, and the voting store on it. */
function kiosk(
  elections: readonly { name: string; groups?: string[]; choices?: string[] }[] = [{ name: 'Mayor' }],
): Kiosk {
  const api = new FakeInterfaceApi();
  const voter = newCredential('voter', 'Vera');
  api.addVoter(voter, 'north');
  for (const election of elections) {
    api.addElection({
      name: election.name,
      groups: election.groups ?? ['north'],
      choices: election.choices ?? ['Blue', 'Green'],
      endsAtMs: api.nowMs + hourMs,
    });
  }
  const app = createApp({});
  app.provide(apiKey, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { api, voting: useVotingStore(), voter };
}

/** Signs in and chooses `choice` in the first election, ending on the review step. */
async function reviewed({ voting, voter }: Kiosk, choice = 'Blue'): Promise<void> {
  await voting.signIn(credentialQrText(voter));
  voting.choose(choice);
  voting.review();
  expect(voting.step).toBe('reviewing');
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('signing in', () => {
  it('signs the station’s challenge with the voter’s key and shows the ballot', async () => {
    const station = kiosk();
    const { api, voting, voter } = station;
    const challenges = vi.spyOn(api, 'voterChallenge');
    await voting.signIn(credentialQrText(voter));

    const challenge = await (challenges.mock.results[0]?.value as Promise<Challenge>);
    const [signIn] = api.callsOf('voterSignIn');
    expect(api.callsOf('voterChallenge')).toEqual([{ name: 'Vera' }]);
    expect(signIn?.name).toBe('Vera');
    expect(
      nacl.sign.detached.verify(
        challenge.challenge,
        signIn?.signature ?? new Uint8Array(),
        publicKeyOf(voter),
      ),
    ).toBe(true);
    expect(voting.step).toBe('choosing');
    expect(voting.signedIn).toBe(true);
    expect(voting.election?.name).toBe('Mayor');
    expect(voting.notice).toBeNull();
  });

  it('takes the credential file’s text as well as the QR text', async () => {
    const { voting, voter } = kiosk();
    await voting.signInWithFile(new Blob([credentialFileText(voter)]));
    expect(voting.step).toBe('choosing');
  });

  it('refuses an official’s credential without asking the station', async () => {
    const { api, voting } = kiosk();
    await voting.signIn(credentialQrText(newCredential('official', 'Olga')));
    expect(voting.step).toBe('idle');
    expect(voting.notice).toEqual({ problem: 'wrong-role', election: '' });
    expect(api.callsOf('voterChallenge')).toEqual([]);
  });

  it('refuses text that is no credential, and a file too large to be one without reading it', async () => {
    const { voting } = kiosk();
    await voting.signIn('hello');
    expect(voting.notice?.problem).toBe('not-a-credential');
    const large = new Blob([new Uint8Array(credentialFileBytesMax + 1)]);
    const read = vi.spyOn(large, 'text');
    await voting.signInWithFile(large);
    expect(voting.notice?.problem).toBe('not-a-credential');
    expect(read).not.toHaveBeenCalled();
  });

  it('ends the visit when the station does not recognise the voter', async () => {
    const { voting } = kiosk();
    await voting.signIn(credentialQrText(newCredential('voter', 'Vera')));
    expect(voting.step).toBe('refused');
    expect(voting.notice?.problem).toBe('not-recognised');
    expect(voting.signedIn).toBe(false);
  });

  it('stays on the start with a message when the station cannot be reached', async () => {
    const { api, voting, voter } = kiosk();
    api.setUnreachable(true);
    await voting.signIn(credentialQrText(voter));
    expect(voting.step).toBe('idle');
    expect(voting.notice?.problem).toBe('unreachable');
    expect(voting.signedIn).toBe(false);
  });

  it('says so when no election is open to the voter', async () => {
    const { voting, voter } = kiosk([{ name: 'Council', groups: ['south'] }]);
    await voting.signIn(credentialQrText(voter));
    expect(voting.step).toBe('refused');
    expect(voting.notice?.problem).toBe('no-open-elections');
    vi.advanceTimersByTime(finishSeconds * 1000);
    expect(voting.step).toBe('idle');
    expect(voting.notice).toBeNull();
  });

  it('says so when the voter has voted in every election open to them', async () => {
    const { api, voting, voter } = kiosk();
    api.elections.get('Mayor')?.voted.add('Vera');
    await voting.signIn(credentialQrText(voter));
    expect(voting.step).toBe('refused');
    expect(voting.notice?.problem).toBe('all-voted');
  });
});

describe('choosing and casting', () => {
  it('asks for a choice before the review', async () => {
    const { voting, voter } = kiosk();
    await voting.signIn(credentialQrText(voter));
    voting.review();
    expect(voting.step).toBe('choosing');
    expect(voting.notice?.problem).toBe('no-choice');
    voting.choose('Green');
    expect(voting.notice).toBeNull();
  });

  it('goes back from the review with the choice kept', async () => {
    const station = kiosk();
    await reviewed(station, 'Green');
    station.voting.change();
    expect(station.voting.step).toBe('choosing');
    expect(station.voting.choice).toBe('Green');
  });

  it('records the vote, forgets the choice and the token, and starts over after the countdown', async () => {
    const station = kiosk();
    const { api, voting } = station;
    await reviewed(station);
    await voting.confirm();

    expect(api.callsOf('castVote').map(({ election, choice }) => ({ election, choice }))).toEqual([
      { election: 'Mayor', choice: 'Blue' },
    ]);
    expect(voting.step).toBe('done');
    expect(voting.recordedElection).toBe('Mayor');
    expect(voting.choice).toBeNull();
    expect(voting.signedIn).toBe(false);
    expect(voting.countdown).toEqual({ kind: 'finish', seconds: finishSeconds });

    vi.advanceTimersByTime(3_000);
    expect(voting.countdown).toEqual({ kind: 'finish', seconds: finishSeconds - 3 });
    vi.advanceTimersByTime((finishSeconds - 3) * 1000);
    expect(voting.step).toBe('idle');
    expect(voting.recordedElection).toBeNull();
    expect(voting.elections).toEqual([]);
    expect(voting.countdown).toBeNull();
  });

  it('shows only one election at a time and moves on to the next after a vote', async () => {
    const station = kiosk([{ name: 'Mayor' }, { name: 'Council', choices: ['Red', 'Yellow'] }]);
    const { voting } = station;
    await reviewed(station);
    await voting.confirm();
    expect(voting.step).toBe('done');
    expect(voting.countdown).toBeNull();
    expect(voting.votable.map((election) => election.name)).toEqual(['Council']);

    voting.nextElection();
    expect(voting.step).toBe('choosing');
    expect(voting.election?.name).toBe('Council');
    expect(voting.elections.find((election) => election.name === 'Mayor')?.alreadyVoted).toBe(true);
    voting.choose('Red');
    voting.review();
    await voting.confirm();
    expect(voting.step).toBe('done');
    expect(voting.signedIn).toBe(false);
    expect(voting.countdown?.kind).toBe('finish');
  });

  it('skips elections already voted in', async () => {
    const { api, voting, voter } = kiosk([{ name: 'Mayor' }, { name: 'Council' }]);
    api.elections.get('Mayor')?.voted.add('Vera');
    await voting.signIn(credentialQrText(voter));
    expect(voting.election?.name).toBe('Council');
  });
});

describe('refusals of a vote', () => {
  it('already voted: ends the visit with the reason, naming the election', async () => {
    const station = kiosk();
    await reviewed(station);
    station.api.elections.get('Mayor')?.voted.add('Vera');
    await station.voting.confirm();
    expect(station.voting.step).toBe('refused');
    expect(station.voting.notice).toEqual({ problem: 'already-voted', election: 'Mayor' });
    expect(station.voting.signedIn).toBe(false);
    expect(station.voting.choice).toBeNull();
  });

  it('election closed: moves on to the voter’s next election with the reason', async () => {
    const station = kiosk([{ name: 'Mayor' }, { name: 'Council' }]);
    await reviewed(station);
    closeElection(station.api, 'Mayor');
    await station.voting.confirm();
    expect(station.voting.step).toBe('choosing');
    expect(station.voting.election?.name).toBe('Council');
    expect(station.voting.notice).toEqual({ problem: 'election-closed', election: 'Mayor' });
    expect(station.voting.elections.map((election) => election.name)).toEqual(['Council']);
  });

  it('group not allowed and unknown election: the reason, and the visit ends when nothing is left', async () => {
    for (const [problem, change] of [
      [
        'group-not-allowed',
        (api: FakeInterfaceApi) => {
          changeElection(api, 'Mayor', { groups: ['south'] });
        },
      ],
      [
        'unknown-election',
        (api: FakeInterfaceApi) => {
          api.elections.delete('Mayor');
        },
      ],
    ] as const) {
      const station = kiosk();
      await reviewed(station);
      change(station.api);
      await station.voting.confirm();
      expect(station.voting.step).toBe('refused');
      expect(station.voting.notice).toEqual({ problem, election: 'Mayor' });
    }
  });

  it('unknown choice: back to choosing, the choice cleared', async () => {
    const station = kiosk();
    await reviewed(station);
    changeElection(station.api, 'Mayor', { choices: ['Green', 'Red'] });
    await station.voting.confirm();
    expect(station.voting.step).toBe('choosing');
    expect(station.voting.notice).toEqual({ problem: 'unknown-choice', election: '' });
    expect(station.voting.choice).toBeNull();
  });

  it('invalid token: the session is over, start again', async () => {
    const station = kiosk();
    await reviewed(station);
    // The token lives an hour; the election is moved so that it is still open.
    station.api.setNow(station.api.nowMs + 2 * hourMs - 1);
    changeElection(station.api, 'Mayor', { endsAtMs: station.api.nowMs + hourMs });
    await station.voting.confirm();
    expect(station.voting.step).toBe('refused');
    expect(station.voting.notice).toEqual({ problem: 'invalid-token', election: '' });
  });

  it.each([
    ['not-primary', 'unavailable-retry'],
    ['backup-unavailable', 'unavailable-retry'],
    ['stopping', 'unavailable-retry'],
    ['no-quorum', 'unavailable-retry'],
    ['storage-full', 'unavailable-ask-official'],
    ['storage-failed', 'unavailable-ask-official'],
  ] as const)(
    'unavailable (%s): stays on the review with the choice, to try again',
    async (reason: UnavailableReason, problem) => {
      const station = kiosk();
      await reviewed(station);
      station.api.setUnavailable(reason);
      await station.voting.confirm();
      expect(station.voting.step).toBe('reviewing');
      expect(station.voting.notice).toEqual({ problem, election: '' });
      expect(station.voting.choice).toBe('Blue');

      station.api.setUnavailable(null);
      await station.voting.confirm();
      expect(station.voting.step).toBe('done');
    },
  );

  it('a lost connection: stays on the review with the choice', async () => {
    const station = kiosk();
    await reviewed(station);
    station.api.setUnreachable(true);
    await station.voting.confirm();
    expect(station.voting.step).toBe('reviewing');
    expect(station.voting.notice?.problem).toBe('unreachable');
    expect(station.voting.choice).toBe('Blue');
  });
});

describe('changes pushed by the station', () => {
  it('an election closing in front of the voter moves them on, with the reason', async () => {
    const station = kiosk();
    await reviewed(station);
    closeElection(station.api, 'Mayor');
    await station.voting.ballotChanged();
    expect(station.voting.step).toBe('refused');
    expect(station.voting.notice).toEqual({ problem: 'election-closed', election: 'Mayor' });
  });

  it('another election changing keeps the voter where they are', async () => {
    const station = kiosk();
    await reviewed(station);
    station.api.addElection({
      name: 'Council',
      groups: ['north'],
      choices: ['Red'],
      endsAtMs: station.api.nowMs + hourMs,
    });
    await station.voting.ballotChanged();
    expect(station.voting.step).toBe('reviewing');
    expect(station.voting.choice).toBe('Blue');
    expect(station.voting.elections.map((election) => election.name)).toEqual(['Mayor', 'Council']);
  });

  it('a ballot fetched before a vote is not shown after it', async () => {
    const station = kiosk([{ name: 'Mayor' }, { name: 'Council' }]);
    await reviewed(station);
    const changed = station.voting.ballotChanged();
    await station.voting.confirm();
    await changed;
    expect(station.voting.elections.find((election) => election.name === 'Mayor')?.alreadyVoted).toBe(true);
  });
});

describe('inactivity', () => {
  it('warns, then starts over and forgets everything', async () => {
    const station = kiosk();
    await reviewed(station);
    vi.advanceTimersByTime(inactivityWarningMs - 1);
    expect(station.voting.countdown).toBeNull();
    vi.advanceTimersByTime(1);
    expect(station.voting.countdown).toEqual({ kind: 'inactive', seconds: inactivityWarningSeconds });
    vi.advanceTimersByTime(inactivityWarningSeconds * 1000);
    expect(station.voting.step).toBe('idle');
    expect(station.voting.signedIn).toBe(false);
    expect(station.voting.choice).toBeNull();
    expect(station.voting.elections).toEqual([]);
  });

  it('any input during the warning lets the voter go on', async () => {
    const station = kiosk();
    await reviewed(station);
    vi.advanceTimersByTime(inactivityWarningMs + 5_000);
    station.voting.noteActivity();
    expect(station.voting.countdown).toBeNull();
    vi.advanceTimersByTime(inactivityWarningMs - 1);
    expect(station.voting.step).toBe('reviewing');
    expect(station.voting.choice).toBe('Blue');
  });

  it('drops an answer that arrives after the kiosk started over', async () => {
    const { voting, voter } = kiosk();
    const signingIn = voting.signIn(credentialQrText(voter));
    expect(voting.step).toBe('signing-in');
    voting.reset();
    await signingIn;
    expect(voting.step).toBe('idle');
    expect(voting.signedIn).toBe(false);
  });
});
