import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createElectionCodes,
  outcome,
  type CreateElectionReason,
} from '../../../core/protocol/status-codes.ts';
import ElectionsView from '../../../renderer/src/features/elections/ElectionsView.vue';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';
import { useTimeZone } from '../support/time-zone.ts';

const official = 'Official Lin';

useTimeZone('Asia/Taipei');
afterEach(() => {
  document.body.innerHTML = '';
});

// The fake station's clock: 2030-05-01 08:00 UTC, 16:00 in Taipei.
interface Entries {
  readonly name?: string;
  readonly groups?: string;
  readonly choices?: string;
  readonly date?: string;
  readonly time?: string;
}

async function fillAndSubmit(wrapper: VueWrapper, entries: Entries = {}): Promise<void> {
  await wrapper.get('#election-name').setValue(entries.name ?? ' Mayor 2030 ');
  await wrapper.get('#election-groups').setValue(entries.groups ?? 'north\n south \n\n');
  await wrapper.get('#election-choices').setValue(entries.choices ?? 'Chen\nLin');
  await wrapper.get('#election-end-date').setValue(entries.date ?? '2030-05-02');
  await wrapper.get('#election-end-time').setValue(entries.time ?? '18:00');
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

const fieldIds = {
  name: 'election-name',
  groups: 'election-groups',
  choices: 'election-choices',
  endsAt: 'election-end-date',
} as const;

describe('creating an election', () => {
  it('labels every field and names the time zone of the end time', async () => {
    const { wrapper } = await mountScreen(ElectionsView, { signedInAs: official });
    expect(wrapper.get('label[for="election-name"]').text()).toBe('Name of the election');
    expect(wrapper.get('label[for="election-groups"]').text()).toBe('Groups that may vote');
    expect(wrapper.get('label[for="election-choices"]').text()).toBe('Choices');
    expect(wrapper.get('fieldset legend').text()).toBe('Voting ends');
    expect(wrapper.get('#election-zone').text()).toBe('Time zone of this screen: Asia/Taipei, UTC+08:00');
    expect(wrapper.get('#election-end-date').attributes('aria-describedby')).toBe(
      'election-zone election-endsAt-problem',
    );
    expect(wrapper.get('#election-end-time').attributes('type')).toBe('time');
  });

  it('sends trimmed entries and the end converted from local time, then lists the new election', async () => {
    const { wrapper, api } = await mountScreen(ElectionsView, { signedInAs: official });
    await fillAndSubmit(wrapper);
    const [request] = api.callsOf('createElection');
    expect(request).toMatchObject({
      name: 'Mayor 2030',
      groups: ['north', 'south'],
      choices: ['Chen', 'Lin'],
      // 18:00 in Taipei (UTC+08:00) is 10:00 UTC.
      endsAtMs: Date.UTC(2030, 4, 2, 10, 0, 0),
    });
    expect(wrapper.get('[role="status"] .notice--ok').text()).toMatch(
      /^Election “Mayor 2030” created\. Voting ends May 2, 2030, 6:00\sPM \(Asia\/Taipei, UTC\+08:00\)\.$/,
    );
    expect((wrapper.get('#election-name').element as HTMLInputElement).value).toBe('');
    expect(wrapper.get('tbody th[scope="row"]').text()).toBe('Mayor 2030');
  });

  it('flags duplicates before sending, next to the field, and moves focus there', async () => {
    const { wrapper, api } = await mountScreen(ElectionsView, { signedInAs: official });
    await fillAndSubmit(wrapper, { groups: 'north\nsouth\nnorth ' });
    expect(api.callsOf('createElection')).toEqual([]);
    const groups = wrapper.get('#election-groups');
    expect(groups.attributes('aria-invalid')).toBe('true');
    expect(groups.attributes('aria-describedby')).toBe('election-groups-hint election-groups-problem');
    expect(wrapper.get('#election-groups-problem').attributes('aria-live')).toBe('polite');
    expect(wrapper.get('#election-groups-problem').text()).toBe(
      'The group “north” is listed more than once. Keep one line for it.',
    );
    expect(document.activeElement?.id).toBe('election-groups');
    // Editing the field clears its message.
    await groups.setValue('north\nsouth');
    expect(wrapper.get('#election-groups-problem').text()).toBe('');
    expect(groups.attributes('aria-invalid')).toBe('false');
  });

  it('shows every problem found before sending at once, focusing the first', async () => {
    const { wrapper, api } = await mountScreen(ElectionsView, { signedInAs: official });
    await fillAndSubmit(wrapper, { name: ' ', choices: '', date: '2030-05-01', time: '15:59' });
    expect(api.callsOf('createElection')).toEqual([]);
    expect(wrapper.get('#election-name-problem').text()).toBe('Enter a name for the election.');
    expect(wrapper.get('#election-groups-problem').text()).toBe('');
    expect(wrapper.get('#election-choices-problem').text()).toBe('Enter at least one choice.');
    expect(wrapper.get('#election-endsAt-problem').text()).toBe(
      'The end must be later than the station’s current time.',
    );
    expect(document.activeElement?.id).toBe('election-name');
  });

  const stationRefusals: readonly [
    Exclude<CreateElectionReason, 'ok'>,
    keyof typeof fieldIds | 'form',
    string,
  ][] = [
    ['invalid-token', 'form', 'The station no longer accepts your sign-in. Sign out and sign in again.'],
    ['missing-groups', 'groups', 'Enter at least one group.'],
    ['missing-choices', 'choices', 'Enter at least one choice.'],
    ['election-exists', 'name', 'An election with this name already exists. Choose another name.'],
    ['end-date-not-in-future', 'endsAt', 'The end must be later than the station’s current time.'],
    ['end-date-too-far', 'endsAt', 'The end is too far away: an election may run for at most ten years.'],
    ['invalid-end-date', 'endsAt', 'This is not a valid date and time.'],
    [
      'invalid-name',
      'name',
      'The station refused this name: it is blank, too long, or contains control characters.',
    ],
    [
      'invalid-group',
      'groups',
      'The station refused a group name: one is blank, too long, or contains control characters.',
    ],
    [
      'invalid-choice',
      'choices',
      'The station refused a choice: one is blank, too long, or contains control characters.',
    ],
    ['duplicate-group', 'groups', 'A group is listed more than once. Keep one line for each group.'],
    ['duplicate-choice', 'choices', 'A choice is listed more than once. Keep one line for each choice.'],
    ['too-many-groups', 'groups', 'Too many groups: 2 entered, at most 64 allowed.'],
    ['too-many-choices', 'choices', 'Too many choices: 2 entered, at most 64 allowed.'],
    [
      'too-many-elections',
      'form',
      'The station holds as many elections as it can (10000). No more can be created.',
    ],
  ];

  it.each(stationRefusals)('shows the station’s %s next to the %s field', async (reason, field, message) => {
    const api = new FakeInterfaceApi();
    vi.spyOn(api, 'createElection').mockResolvedValue(outcome(createElectionCodes, reason));
    const { wrapper } = await mountScreen(ElectionsView, { api, signedInAs: official });
    await fillAndSubmit(wrapper);
    const region = wrapper.get(`#election-${field}-problem`);
    expect(region.get('.field__error').text()).toBe(message);
    expect(region.text()).toContain(`Code for support: ${createElectionCodes[reason]} ${reason}`);
    // No other field shows a problem.
    const others = wrapper
      .findAll('[id^="election-"][id$="-problem"]')
      .filter((other) => other.element !== region.element);
    expect(others.map((other) => other.text())).toEqual(['', '', '', '']);
    if (field !== 'form') {
      expect(wrapper.get(`#${fieldIds[field]}`).attributes('aria-invalid')).toBe('true');
      expect(document.activeElement?.id).toBe(fieldIds[field]);
    }
    expect(wrapper.find('.notice--ok').exists()).toBe(false);
  });

  it('says why a station took no write, with its reason for support', async () => {
    const api = new FakeInterfaceApi();
    api.setUnavailable('backup-unavailable');
    const { wrapper } = await mountScreen(ElectionsView, { api, signedInAs: official });
    await fillAndSubmit(wrapper);
    const region = wrapper.get('#election-form-problem');
    expect(region.get('.field__error').text()).toBe(
      'No backup station is in sync, and this station is set to require one. The change was refused, or kept on this station only: check before trying again, and reconnect the backup.',
    );
    expect(region.text()).toContain('Code for support: backup-unavailable: fake: backup-unavailable');
    expect(api.elections.size).toBe(0);
  });

  it('warns that a lost answer may still have created the election', async () => {
    const { wrapper, api } = await mountScreen(ElectionsView, { signedInAs: official });
    api.setUnreachable(true);
    await fillAndSubmit(wrapper);
    expect(wrapper.get('#election-form-problem').text()).toBe(
      'The station did not answer. Check the list of elections before trying again: the election may have been created.',
    );
  });

  it('rejects a time the clocks skip in the screen’s zone', async () => {
    process.env.TZ = 'Europe/Berlin';
    const { wrapper, api } = await mountScreen(ElectionsView, { signedInAs: official });
    await fillAndSubmit(wrapper, { date: '2031-03-30', time: '02:30' });
    expect(api.callsOf('createElection')).toEqual([]);
    expect(wrapper.get('#election-endsAt-problem').text()).toBe(
      'This time does not exist in this time zone (the clocks skip it). Choose another time.',
    );
    // The zone shown follows the chosen date: summer time in July.
    await wrapper.get('#election-end-date').setValue('2031-07-01');
    await wrapper.get('#election-end-time').setValue('12:00');
    expect(wrapper.get('#election-zone').text()).toBe('Time zone of this screen: Europe/Berlin, UTC+02:00');
  });
});
