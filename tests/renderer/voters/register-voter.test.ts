import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  outcome,
  registerVoterCodes,
  type RegisterVoterReason,
} from '../../../core/protocol/status-codes.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import { newCredential, publicKeyOf } from '../../../renderer/src/credentials/credential.ts';
import RegisterVoterForm from '../../../renderer/src/features/voters/components/RegisterVoterForm.vue';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';
import { buttonNamed, descriptionOf, fieldLabelled } from './screen-queries.ts';

afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

async function mountForm(api = new FakeInterfaceApi()) {
  return mountScreen(RegisterVoterForm, { api, signedInAs: 'Official Lin' });
}

async function fill(
  wrapper: VueWrapper,
  voter: { name: string; group: string; key?: string },
): Promise<void> {
  await fieldLabelled(wrapper, 'Name').setValue(voter.name);
  await fieldLabelled(wrapper, 'Group').setValue(voter.group);
  if (voter.key !== undefined) {
    await fieldLabelled(wrapper, 'Use the voter’s existing public key').setValue(true);
    await fieldLabelled(wrapper, 'Public key').setValue(voter.key);
  }
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

describe('registering a voter with a new credential', () => {
  it('sends a 32-byte public key made here and hands the credential over as a card', async () => {
    const { wrapper, api } = await mountForm();
    await fill(wrapper, { name: '  Chen Mei ', group: 'District 3 ' });

    const [request] = api.callsOf('registerVoter');
    expect(request?.name).toBe('Chen Mei');
    expect(request?.group).toBe('District 3');
    expect(request?.publicKey).toHaveLength(32);
    expect(api.voters.get('Chen Mei')?.group).toBe('District 3');

    const card = wrapper.get('section[aria-label="Credential of Chen Mei"]');
    expect(card.text()).toContain('Voter credential');
    expect(card.text()).toContain('Station station-a');
    expect(wrapper.text()).toContain('Chen Mei is registered in group District 3.');
    expect(wrapper.text()).toContain('It is shown only once');
    expect(document.activeElement?.textContent).toContain('Chen Mei is registered');
    expect(wrapper.find('form').exists()).toBe(false);
  });

  it('clears everything on "Done, next voter" and puts focus in the name field', async () => {
    const { wrapper } = await mountForm();
    await fill(wrapper, { name: 'Chen Mei', group: 'District 3' });
    await buttonNamed(wrapper, 'Done, next voter').trigger('click');
    await flushPromises();

    expect(wrapper.find('section[aria-label="Credential of Chen Mei"]').exists()).toBe(false);
    expect(fieldLabelled(wrapper, 'Name').element.value).toBe('');
    expect(fieldLabelled(wrapper, 'Group').element.value).toBe('');
    expect(fieldLabelled(wrapper, 'Create a new credential (file and printable card)').element.checked).toBe(
      true,
    );
    expect(document.activeElement).toBe(fieldLabelled(wrapper, 'Name').element);
  });

  it('suggests the groups already used', async () => {
    const api = new FakeInterfaceApi();
    api.addVoter(newCredential('voter', 'Wang'), 'District 1');
    const { wrapper, pinia } = await mountForm(api);
    const { useVotersStore } = await import('../../../renderer/src/stores/voters.ts');
    useVotersStore(pinia).ensureRows(0, 0);
    await flushPromises();
    await fill(wrapper, { name: 'Lee', group: 'District 2' });
    await buttonNamed(wrapper, 'Done, next voter').trigger('click');
    await flushPromises();

    const group = fieldLabelled(wrapper, 'Group');
    const options = wrapper.get(`datalist[id="${group.attributes('list') ?? ''}"]`).findAll('option');
    expect(options.map((option) => option.attributes('value'))).toEqual(['District 1', 'District 2']);
  });
});

describe('registering a voter with an existing public key', () => {
  const key = publicKeyOf(newCredential('voter', 'anyone'));

  it.each([
    ['base64', base64(key)],
    ['hexadecimal', hex(key)],
    ['wrapped base64', `${base64(key).slice(0, 20)}\n ${base64(key).slice(20)}\n`],
  ])('accepts the key as %s and sends exactly those bytes', async (_form, text) => {
    const { wrapper, api } = await mountForm();
    await fill(wrapper, { name: 'Lin', group: 'B', key: text });

    expect(api.callsOf('registerVoter')[0]?.publicKey).toEqual(key);
    expect(wrapper.get('[role="status"]').text()).toBe('Lin is registered in group B.');
    // Nothing to hand over: the form is ready for the next voter.
    expect(wrapper.find('section[aria-label="Credential of Lin"]').exists()).toBe(false);
    expect(fieldLabelled(wrapper, 'Name').element.value).toBe('');
    expect(document.activeElement).toBe(fieldLabelled(wrapper, 'Name').element);
  });

  it.each([
    ['', 'Paste the voter’s public key.'],
    ['not a key!', 'This is neither base64 nor hexadecimal text.'],
    [hex(key).slice(0, 62), 'This key is 31 bytes long; a public key is exactly 32 bytes.'],
    [base64(new Uint8Array(33).fill(0xff)), 'This key is 33 bytes long; a public key is exactly 32 bytes.'],
  ])('refuses %j before sending, next to the key field', async (text, problem) => {
    const { wrapper, api } = await mountForm();
    await fill(wrapper, { name: 'Lin', group: 'B', key: text });

    const field = fieldLabelled(wrapper, 'Public key');
    expect(descriptionOf(wrapper, field)).toContain(problem);
    expect(field.attributes('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(field.element);
    expect(api.callsOf('registerVoter')).toEqual([]);
  });
});

describe('problems next to the field concerned', () => {
  it('asks for a name and a group before sending', async () => {
    const { wrapper, api } = await mountForm();
    await fill(wrapper, { name: '  ', group: '' });

    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'Name'))).toContain('Enter the voter’s name.');
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'Group'))).toContain('Enter the voter’s group.');
    expect(document.activeElement).toBe(fieldLabelled(wrapper, 'Name').element);
    expect(api.callsOf('registerVoter')).toEqual([]);
  });

  it('shows voter-exists by the name field', async () => {
    const api = new FakeInterfaceApi();
    api.addVoter(newCredential('voter', 'Chen Mei'), 'A');
    const { wrapper } = await mountForm(api);
    await fill(wrapper, { name: 'Chen Mei', group: 'B' });

    const name = fieldLabelled(wrapper, 'Name');
    expect(descriptionOf(wrapper, name)).toContain('A voter named “Chen Mei” is already registered.');
    expect(name.attributes('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(name.element);
    // The form keeps what was typed, so only the name needs changing.
    expect(fieldLabelled(wrapper, 'Group').element.value).toBe('B');
  });

  it('shows invalid-name by the name field', async () => {
    const { wrapper } = await mountForm();
    await fill(wrapper, { name: 'Li\u0007n', group: 'B' });
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'Name'))).toContain('This name cannot be used');
  });

  it('says which label is too long before asking the station, which would refuse the request', async () => {
    const { wrapper, api } = await mountForm();
    await fill(wrapper, { name: '名'.repeat(86), group: 'g'.repeat(129) });
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'Name'))).toContain(
      'This name is too long: at most 256 bytes (a Chinese character takes 3).',
    );
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'Group'))).toContain(
      'This group is too long: at most 128 bytes (a Chinese character takes 3).',
    );
    expect(api.callsOf('registerVoter')).toEqual([]);
  });

  it('shows invalid-group by the group field', async () => {
    const { wrapper } = await mountForm();
    await fill(wrapper, { name: 'Lin', group: 'tab\tinside' });
    const group = fieldLabelled(wrapper, 'Group');
    expect(descriptionOf(wrapper, group)).toContain('This group cannot be used');
    expect(document.activeElement).toBe(group.element);
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'Name'))).not.toContain('cannot be used');
  });

  it.each<[RegisterVoterReason, string, string]>([
    ['invalid-public-key', 'Public key', 'The station refused this public key'],
    ['voter-exists', 'Name', 'A voter named “Lin” is already registered.'],
  ])('shows the station’s %s by the %s field', async (reason, label, text) => {
    const api = new FakeInterfaceApi();
    vi.spyOn(api, 'registerVoter').mockResolvedValue(outcome(registerVoterCodes, reason));
    const { wrapper } = await mountForm(api);
    await fill(wrapper, { name: 'Lin', group: 'B', key: hex(new Uint8Array(32)) });
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, label))).toContain(text);
  });

  it('shows register-full for the whole form', async () => {
    const api = new FakeInterfaceApi();
    vi.spyOn(api, 'registerVoter').mockResolvedValue(outcome(registerVoterCodes, 'register-full'));
    const { wrapper } = await mountForm(api);
    await fill(wrapper, { name: 'Lin', group: 'B' });
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toContain('The station holds as many voters as it can');
    expect(document.activeElement).toBe(alert.element);
  });

  it.each<[UnavailableReason, string]>([
    ['storage-full', 'The station’s disk is full'],
    ['storage-failed', 'could not write to its disk'],
    ['stopping', 'shutting down'],
    ['not-primary', 'This station is not the primary right now'],
    ['backup-unavailable', 'No backup station is in sync'],
    ['no-quorum', 'could not confirm that it is still the primary'],
  ])('explains %s for the whole form and keeps the credential unshown', async (reason, text) => {
    const api = new FakeInterfaceApi();
    api.setUnavailable(reason);
    const { wrapper } = await mountForm(api);
    await fill(wrapper, { name: 'Lin', group: 'B' });
    expect(wrapper.get('[role="alert"]').text()).toContain(text);
    expect(wrapper.find('section[aria-label="Credential of Lin"]').exists()).toBe(false);
  });

  it('says that an unanswered registration may or may not have happened', async () => {
    const api = new FakeInterfaceApi();
    const { wrapper } = await mountForm(api);
    api.setUnreachable(true);
    await fill(wrapper, { name: 'Lin', group: 'B' });
    expect(wrapper.get('[role="alert"]').text()).toContain('may or may not have been saved');
  });

  it('shows the messages in Traditional Chinese after switching', async () => {
    const api = new FakeInterfaceApi();
    api.addVoter(newCredential('voter', 'Chen Mei'), 'A');
    const { wrapper } = await mountForm(api);
    await fill(wrapper, { name: 'Chen Mei', group: 'B' });
    (wrapper.vm.$i18n as unknown as { locale: string }).locale = 'zh-TW';
    await flushPromises();
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, '姓名'))).toContain(
      '名為「Chen Mei」的選民已經登記',
    );
  });
});
