import { enableAutoUnmount, flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  credentialFileText,
  credentialQrText,
  newCredential,
  type Credential,
} from '../../../renderer/src/credentials/credential.ts';
import VoteView from '../../../renderer/src/features/vote/VoteView.vue';
import {
  finishSeconds,
  inactivityWarningMs,
  inactivityWarningSeconds,
  useVotingStore,
} from '../../../renderer/src/stores/voting.ts';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';
import { changeElection, closeElection } from './vote-fixtures.ts';

const hourMs = 60 * 60 * 1000;
const alreadyVotedText = 'A vote from you in this election is already recorded. Each voter can vote once.';

enableAutoUnmount(afterEach);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

interface Station {
  readonly api: FakeInterfaceApi;
  readonly voter: Credential;
}

function station(): Station {
  const api = new FakeInterfaceApi();
  const voter = newCredential('voter', 'Vera');
  api.addVoter(voter, 'north');
  api.officials.set('Olga', new Uint8Array(32));
  const endsAtMs = api.nowMs + hourMs;
  api.addElection({ name: 'Mayor', groups: ['north'], choices: ['Blue', 'Green'], endsAtMs });
  return { api, voter };
}

async function openKiosk(api: FakeInterfaceApi) {
  return mountScreen(VoteView, { api, path: '/vote' });
}

function heading(wrapper: VueWrapper): string {
  return wrapper.get('h1').text();
}

async function scan(wrapper: VueWrapper, text: string): Promise<void> {
  await wrapper.get('input#vote-credential-text').setValue(text);
  await wrapper.get('form.vote-credential-text').trigger('submit');
  await flushPromises();
}

async function chooseFile(wrapper: VueWrapper, text: string): Promise<void> {
  const input = wrapper.get<HTMLInputElement>('input[type="file"]');
  Object.defineProperty(input.element, 'files', {
    value: [new File([text], 'voter-Vera.evote.json')],
    configurable: true,
  });
  await input.trigger('change');
  await flushPromises();
}

function button(wrapper: VueWrapper, name: string) {
  const found = wrapper.findAll('button').find((candidate) => candidate.text() === name);
  if (found === undefined) throw new Error(`no button "${name}" in: ${wrapper.text()}`);
  return found;
}

function radio(wrapper: VueWrapper, label: string) {
  const found = wrapper.findAll('label.vote-choice').find((candidate) => candidate.text() === label);
  if (found === undefined) throw new Error(`no option "${label}"`);
  return found.get<HTMLInputElement>('input[type="radio"]');
}

/** The choice form's Continue. */
async function submitChoice(wrapper: VueWrapper): Promise<void> {
  const form = wrapper.findAll('form').find((candidate) => candidate.find('fieldset').exists());
  if (form === undefined) throw new Error('no choice form');
  await form.trigger('submit');
  await flushPromises();
}

/** Signs in, chooses, continues: ends on the review step. */
async function toReview(wrapper: VueWrapper, voter: Credential, choice = 'Blue'): Promise<void> {
  await scan(wrapper, credentialQrText(voter));
  await radio(wrapper, choice).setValue(true);
  await submitChoice(wrapper);
  expect(heading(wrapper)).toBe('Check your choice');
}

describe('the voting kiosk', () => {
  it('takes a voter from credential to recorded vote, and never shows the choice afterwards', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
    expect(wrapper.get('input#vote-credential-text').attributes('type')).toBe('password');

    await scan(wrapper, credentialQrText(voter));
    expect(heading(wrapper)).toBe('Make your choice');
    expect(wrapper.get('fieldset legend').text()).toBe('Mayor');
    expect(wrapper.findAll('label.vote-choice').map((label) => label.text())).toEqual(['Blue', 'Green']);

    await radio(wrapper, 'Green').setValue(true);
    await submitChoice(wrapper);
    expect(heading(wrapper)).toBe('Check your choice');
    expect(wrapper.get('.vote-summary').text()).toBe('You chose Green in the election Mayor.');

    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    expect(api.callsOf('castVote').map(({ election, choice }) => `${election}:${choice}`)).toEqual([
      'Mayor:Green',
    ]);
    expect(heading(wrapper)).toBe('Thank you');
    expect(wrapper.get('.vote-recorded').text()).toBe('Your vote in Mayor has been recorded.');
    expect(document.body.textContent).not.toContain('Green');
    expect(document.body.innerHTML).not.toContain('Green');
    expect(wrapper.text()).toContain(`This screen starts over in ${finishSeconds} seconds.`);

    vi.advanceTimersByTime(4_000);
    await flushPromises();
    expect(wrapper.text()).toContain(`This screen starts over in ${finishSeconds - 4} seconds.`);
    vi.advanceTimersByTime((finishSeconds - 4) * 1000);
    await flushPromises();
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
    expect(document.body.innerHTML).not.toContain('Mayor');
    expect(wrapper.get<HTMLInputElement>('input#vote-credential-text').element.value).toBe('');
  });

  it('signs in with the credential file, and empties the file input', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    expect(button(wrapper, 'Open my credential file').attributes('type')).toBe('button');
    await chooseFile(wrapper, credentialFileText(voter));
    expect(heading(wrapper)).toBe('Make your choice');
  });

  it('finishes at once with “Finish now”', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await toReview(wrapper, voter);
    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    await button(wrapper, 'Finish now').trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
  });

  it('shows only the open elections of the voter’s group, one at a time, and marks those already voted', async () => {
    const { api, voter } = station();
    const endsAtMs = api.nowMs + hourMs;
    api.addElection({ name: 'Council', groups: ['north', 'south'], choices: ['Red', 'Yellow'], endsAtMs });
    api.addElection({ name: 'Harbour board', groups: ['south'], choices: ['Yes', 'No'], endsAtMs });
    api.addElection({ name: 'Old poll', groups: ['north'], choices: ['Yes', 'No'], endsAtMs: api.nowMs - 1 });
    api.addElection({ name: 'Library', groups: ['north'], choices: ['Open late', 'Close early'], endsAtMs });
    api.elections.get('Mayor')?.voted.add('Vera');
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(voter));

    const items = wrapper.findAll('.vote-elections li').map((item) => item.text());
    expect(items).toEqual(['Mayor (already voted)', 'Council (choosing now)', 'Library (still to vote)']);
    expect(wrapper.get('.vote-elections li[aria-current="step"]').text()).toContain('Council');
    expect(wrapper.findAll('fieldset')).toHaveLength(1);
    expect(wrapper.get('fieldset legend').text()).toBe('Council');
    expect(wrapper.text()).not.toContain('Harbour board');
    expect(wrapper.text()).not.toContain('Old poll');

    await radio(wrapper, 'Red').setValue(true);
    await submitChoice(wrapper);
    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    expect(wrapper.text()).toContain('You can also vote in one more election.');
    expect(wrapper.text()).not.toContain('Red');
    await button(wrapper, 'Vote in the next election').trigger('click');
    await flushPromises();
    expect(wrapper.get('fieldset legend').text()).toBe('Library');
    expect(wrapper.findAll('.vote-elections li').map((item) => item.text())).toEqual([
      'Mayor (already voted)',
      'Council (already voted)',
      'Library (choosing now)',
    ]);
  });

  it('asks for a choice next to the options when none is chosen', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(voter));
    await submitChoice(wrapper);
    const error = wrapper.get('fieldset [role="alert"]');
    expect(error.text()).toBe('Please choose one option before you continue.');
    expect(wrapper.get('fieldset').attributes('aria-describedby')).toBe(error.attributes('id'));
  });

  it('lets the voter change their choice from the review', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await toReview(wrapper, voter, 'Blue');
    await button(wrapper, 'Change my choice').trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Make your choice');
    expect(radio(wrapper, 'Blue').element.checked).toBe(true);
  });

  it('leaves without voting and forgets the voter', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(voter));
    await button(wrapper, 'Leave without voting').trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
    expect(document.body.innerHTML).not.toContain('Mayor');
  });
});

describe('credentials the kiosk refuses', () => {
  it('an official’s card: a precise message tied to the field', async () => {
    const { api } = station();
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(newCredential('official', 'Olga')));
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toBe(
      "This is an official's credential. Voters sign in with their own voter credential.",
    );
    const field = wrapper.get('input#vote-credential-text');
    expect(field.attributes('aria-describedby')?.split(' ')).toContain(alert.attributes('id'));
    expect(field.attributes('aria-invalid')).toBe('true');
    expect(button(wrapper, 'Open my credential file').attributes('aria-describedby')).toBe(
      alert.attributes('id'),
    );
    expect(field.element).toHaveProperty('value', '');
    expect(api.callsOf('voterChallenge')).toEqual([]);
  });

  it('a file that is not a credential', async () => {
    const { api } = station();
    const { wrapper } = await openKiosk(api);
    await chooseFile(wrapper, '{"hello": 1}');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'This is not a voter credential. Use the credential file or card you were given when you registered.',
    );
  });

  it('a voter the station does not know', async () => {
    const { api } = station();
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(newCredential('voter', 'Mallory')));
    expect(heading(wrapper)).toBe('Credential not recognised');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'This credential is not recognised here. Please ask an official.',
    );
  });

  it('a station that does not answer', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    api.setUnreachable(true);
    await scan(wrapper, credentialQrText(voter));
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'The station did not answer. Please wait a moment and try again.',
    );
  });

  it('nothing to vote on', async () => {
    const { api, voter } = station();
    api.elections.get('Mayor')?.voted.add('Vera');
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(voter));
    expect(heading(wrapper)).toBe('Nothing to vote on now');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'A vote from you is already recorded in every election open to you. Each voter can vote once.',
    );
    vi.advanceTimersByTime(finishSeconds * 1000);
    await flushPromises();
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
  });
});

describe('refusals of a vote, each with its own message', () => {
  const cases: readonly (readonly [string, (api: FakeInterfaceApi) => void, string, string])[] = [
    [
      'already voted',
      (api) => {
        api.elections.get('Mayor')?.voted.add('Vera');
      },
      'Your vote was not recorded',
      `Mayor: ${alreadyVotedText}`,
    ],
    [
      'election closed',
      (api) => {
        closeElection(api, 'Mayor');
      },
      'Your vote was not recorded',
      'Mayor: This election has closed, so your vote in it was not recorded.',
    ],
    [
      'group not allowed',
      (api) => {
        changeElection(api, 'Mayor', { groups: ['south'] });
      },
      'Your vote was not recorded',
      'Mayor: Your voter group may not vote in this election, so your vote in it was not recorded. If you think this is wrong, please ask an official.',
    ],
    [
      'unknown election',
      (api) => {
        api.elections.delete('Mayor');
      },
      'Your vote was not recorded',
      'Mayor: This election no longer exists, so your vote in it was not recorded.',
    ],
    [
      'invalid token',
      (api) => {
        api.voters.delete('Vera');
      },
      'Your vote was not recorded',
      'Your session has expired, so your vote was not recorded. Please start again.',
    ],
    [
      'unknown choice',
      (api) => {
        changeElection(api, 'Mayor', { choices: ['Green'] });
      },
      'Make your choice',
      "That option is not on this election's ballot. Please choose again.",
    ],
    [
      'unavailable (take-over)',
      (api) => {
        api.setUnavailable('not-primary');
      },
      'Check your choice',
      'The station could not confirm your vote at this moment (for example, the backup station is taking over). Please wait a moment and try again: if your vote was recorded after all, the screen will say so.',
    ],
    [
      'unavailable (disk full)',
      (api) => {
        api.setUnavailable('storage-full');
      },
      'Check your choice',
      'The station cannot record votes at this moment. Your vote is not recorded. Please ask an official.',
    ],
  ];

  it.each(cases)('%s', async (_name, refuse, title, message) => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await toReview(wrapper, voter);
    refuse(api);
    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe(title);
    expect(wrapper.get('[role="alert"]').text()).toBe(message);
    expect(document.activeElement).toBe(wrapper.get('h1').element);
  });

  it('keeps the choice after Unavailable so the voter can simply try again', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await toReview(wrapper, voter);
    api.setUnavailable('not-primary');
    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    expect(wrapper.get('.vote-summary').text()).toBe('You chose Blue in the election Mayor.');
    api.setUnavailable(null);
    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Thank you');
  });

  it('moves on when the election closes while the voter is choosing (pushed by the station)', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(voter));
    closeElection(api, 'Mayor');
    api.emit({ type: 'election-closed', election: 'Mayor' });
    await flushPromises();
    expect(heading(wrapper)).toBe('Your vote was not recorded');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'Mayor: This election has closed, so your vote in it was not recorded.',
    );
  });
});

describe('keyboard and screen readers', () => {
  it('moves focus to each step’s heading and announces it politely', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    const live = () => wrapper.get('[aria-live="polite"]').text();
    await scan(wrapper, credentialQrText(voter));
    expect(document.activeElement).toBe(wrapper.get('h1').element);
    expect(document.activeElement?.textContent).toBe('Make your choice');
    expect(live()).toBe('Make your choice');
    await radio(wrapper, 'Blue').setValue(true);
    await submitChoice(wrapper);
    expect(document.activeElement?.textContent).toBe('Check your choice');
    expect(live()).toBe('Check your choice');
    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    expect(document.activeElement?.textContent).toBe('Thank you');
    expect(live()).toBe('Thank you');
  });

  it('uses only native, named controls and no positive tab order on every step', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    /** Tab follows the document order only if no tabindex reorders it; native controls take Enter and Space. */
    const expectKeyboardFriendly = (): void => {
      expect(
        wrapper
          .findAll('[tabindex]')
          .map((element) => [element.element.tagName, element.attributes('tabindex')]),
      ).toEqual([['H1', '-1']]);
      expect(wrapper.findAll('[role="button"], [onclick], a:not([href])')).toHaveLength(0);
      for (const control of wrapper.findAll('button')) {
        expect(control.attributes('type')).toMatch(/^(button|submit)$/);
        expect(control.text()).not.toBe('');
      }
    };
    expectKeyboardFriendly();
    await scan(wrapper, credentialQrText(voter));
    expectKeyboardFriendly();
    const radios = wrapper.findAll('input[type="radio"]');
    expect(new Set(radios.map((input) => input.attributes('name')))).toEqual(new Set(['vote-choice']));
    await radio(wrapper, 'Blue').setValue(true);
    await submitChoice(wrapper);
    expectKeyboardFriendly();
    await button(wrapper, 'Confirm my vote').trigger('click');
    await flushPromises();
    expectKeyboardFriendly();
  });

  it('chooses with the arrow keys and confirms with Enter alone', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await scan(wrapper, credentialQrText(voter));
    // happy-dom has no keyboard defaults: `press` does what a browser does for the key on the focused element.
    const first = radio(wrapper, 'Blue');
    first.element.focus();
    await press(first.element, ' ');
    expect(first.element.checked).toBe(true);
    await press(first.element, 'ArrowDown');
    expect(radio(wrapper, 'Green').element.checked).toBe(true);
    expect(document.activeElement).toBe(radio(wrapper, 'Green').element);
    await press(document.activeElement, 'Enter');
    expect(document.activeElement?.textContent).toBe('Check your choice');
    expect(wrapper.get('.vote-summary').text()).toBe('You chose Green in the election Mayor.');
    button(wrapper, 'Confirm my vote').element.focus();
    await press(document.activeElement, 'Enter');
    expect(document.activeElement?.textContent).toBe('Thank you');
  });
});

describe('inactivity and leaving', () => {
  it('warns after a while without input, then starts over and clears the screen', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await toReview(wrapper, voter);
    vi.advanceTimersByTime(inactivityWarningMs);
    await flushPromises();
    const warning = wrapper.get('.vote-inactive');
    expect(warning.attributes('role')).toBe('alert');
    expect(warning.text()).toContain(`this screen starts over in ${inactivityWarningSeconds} seconds`);
    vi.advanceTimersByTime(inactivityWarningSeconds * 1000);
    await flushPromises();
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
    expect(wrapper.find('.vote-inactive').exists()).toBe(false);
    expect(document.body.innerHTML).not.toContain('Blue');
    expect(document.body.innerHTML).not.toContain('Mayor');
  });

  it('any key or touch keeps the voter’s place', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    await toReview(wrapper, voter);
    vi.advanceTimersByTime(inactivityWarningMs + 3_000);
    await flushPromises();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Shift', bubbles: true }));
    await flushPromises();
    expect(wrapper.find('.vote-inactive').exists()).toBe(false);
    vi.advanceTimersByTime(inactivityWarningMs - 1);
    await flushPromises();
    expect(heading(wrapper)).toBe('Check your choice');
  });

  it('clears text typed on the start screen when the voter walks away', async () => {
    const { api } = station();
    const { wrapper } = await openKiosk(api);
    const field = wrapper.get<HTMLInputElement>('input#vote-credential-text');
    await field.setValue('evote1:voter:half-scanned');
    vi.advanceTimersByTime(inactivityWarningMs + inactivityWarningSeconds * 1000);
    await flushPromises();
    expect(wrapper.get<HTMLInputElement>('input#vote-credential-text').element.value).toBe('');
  });

  it('puts the language back for the next voter', async () => {
    const { api, voter } = station();
    const { wrapper } = await openKiosk(api);
    const i18n = wrapper.getComponent(VoteView).vm.$i18n as { locale: string };
    await scan(wrapper, credentialQrText(voter));
    i18n.locale = 'zh-TW';
    await flushPromises();
    expect(heading(wrapper)).toBe('請做出選擇');
    await button(wrapper, '不投票並離開').trigger('click');
    await flushPromises();
    expect(heading(wrapper)).toBe('Welcome: please present your voter credential');
  });

  it('“Official” leaves the kiosk for the sign-in screen and forgets the voter', async () => {
    const { api, voter } = station();
    const { wrapper, router, pinia } = await openKiosk(api);
    await scan(wrapper, credentialQrText(voter));
    await button(wrapper, 'Official').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/sign-in');
    // The app's RouterView unmounts the kiosk on navigation; the test host does not, so unmount it here.
    wrapper.unmount();
    const voting = useVotingStore(pinia);
    expect(voting.step).toBe('idle');
    expect(voting.signedIn).toBe(false);
    expect(voting.elections).toEqual([]);
  });
});

async function press(target: Element | null, key: string): Promise<void> {
  if (!(target instanceof HTMLElement)) throw new Error('nothing has focus');
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  if (target instanceof HTMLInputElement && target.type === 'radio') {
    if (key === ' ') target.click();
    if (key === 'ArrowDown' || key === 'ArrowRight') {
      const group = [
        ...document.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${target.name}"]`),
      ];
      const next = group[(group.indexOf(target) + 1) % group.length];
      next?.focus();
      next?.click();
    }
    if (key === 'Enter') target.form?.requestSubmit();
  } else if (target instanceof HTMLButtonElement && (key === 'Enter' || key === ' ')) {
    target.click();
  }
  await flushPromises();
}
