import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  credentialFileText,
  credentialQrText,
  newCredential,
  publicKeyOf,
  type Credential,
} from '../../../renderer/src/credentials/credential.ts';
import SignInView from '../../../renderer/src/features/setup/SignInView.vue';
import { useSessionStore } from '../../../renderer/src/stores/session.ts';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

function stationWithOfficial(credential: Credential): FakeInterfaceApi {
  const api = new FakeInterfaceApi();
  api.officials.set(credential.name, new Uint8Array(32));
  return api;
}

async function chooseFile(wrapper: VueWrapper, text: string, name = 'official-Alice.evote.json') {
  const input = wrapper.get<HTMLInputElement>('input#sign-in-file');
  Object.defineProperty(input.element, 'files', { value: [new File([text], name)], configurable: true });
  await input.trigger('change');
  await wrapper.get('section[aria-labelledby="sign-in-file-heading"] form').trigger('submit');
  await flushPromises();
}

async function scanCard(wrapper: VueWrapper, text: string) {
  await wrapper.get('input#sign-in-card').setValue(text);
  await wrapper.get('section[aria-labelledby="sign-in-card-heading"] form').trigger('submit');
  await flushPromises();
}

describe('the sign-in screen', () => {
  it('labels both ways of signing in, and hides the scanned text', async () => {
    const { wrapper } = await mountScreen(SignInView, { path: '/sign-in' });
    expect(wrapper.get('label[for="sign-in-file"]').text()).toBe('Credential file');
    expect(wrapper.get('label[for="sign-in-card"]').text()).toBe('Text of the card’s QR code');
    expect(wrapper.get('input#sign-in-card').attributes('type')).toBe('password');
    expect(wrapper.findAll('button').map((button) => button.text())).toEqual([
      'Sign in with the file',
      'Sign in with the card',
    ]);
  });

  it('signs in with the credential file and goes to the station screen', async () => {
    const alice = newCredential('official', 'Alice');
    const api = new FakeInterfaceApi();
    const { wrapper, router, pinia } = await mountScreen(SignInView, { api, path: '/sign-in' });
    api.officials.set('Alice', publicKeyOf(alice));
    await chooseFile(wrapper, credentialFileText(alice));
    expect(useSessionStore(pinia).official).toBe('Alice');
    expect(router.currentRoute.value.path).toBe('/station');
  });

  it('signs in with the card’s QR text and goes back where the official was headed', async () => {
    const alice = newCredential('official', 'Alice');
    const api = new FakeInterfaceApi();
    await api.signInOfficial(alice);
    const { wrapper, router } = await mountScreen(SignInView, {
      api,
      path: '/sign-in?next=/voters%3Fsearch%3Dx',
    });
    await scanCard(wrapper, `${credentialQrText(alice)}\n`);
    expect(router.currentRoute.value.fullPath).toBe('/voters?search=x');
    expect(
      (wrapper.find<HTMLInputElement>('input#sign-in-card').element as HTMLInputElement | undefined)?.value ??
        '',
    ).toBe('');
  });

  it.each(['//evil.example/station', 'https://evil.example/', '/\\evil.example', '/sign-in'])(
    'ignores a next address that is not a screen of this interface: %s',
    async (next) => {
      const alice = newCredential('official', 'Alice');
      const api = new FakeInterfaceApi();
      await api.signInOfficial(alice);
      const { wrapper, router } = await mountScreen(SignInView, {
        api,
        path: `/sign-in?next=${encodeURIComponent(next)}`,
      });
      await scanCard(wrapper, credentialQrText(alice));
      expect(router.currentRoute.value.fullPath).toBe('/station');
    },
  );

  it('says the station refused a credential it does not know', async () => {
    const stranger = newCredential('official', 'Mallory');
    const api = stationWithOfficial(newCredential('official', 'Alice'));
    const { wrapper, router } = await mountScreen(SignInView, { api, path: '/sign-in' });
    await chooseFile(wrapper, credentialFileText(stranger));
    const error = wrapper.get('#sign-in-file-error');
    expect(error.attributes('role')).toBe('alert');
    expect(error.text()).toContain('The station did not accept this credential');
    expect(wrapper.get('input#sign-in-file').attributes('aria-describedby')).toBe(
      'sign-in-file-hint sign-in-file-error',
    );
    expect(router.currentRoute.value.path).toBe('/sign-in');
  });

  it('says precisely that a voter’s credential is the wrong one, without asking the station', async () => {
    const voter = newCredential('voter', 'Vera');
    const { wrapper, api } = await mountScreen(SignInView, { path: '/sign-in' });
    await scanCard(wrapper, credentialQrText(voter));
    expect(wrapper.get('#sign-in-card-error').text()).toBe(
      'This is a voter’s credential. Officials sign in with an official credential.',
    );
    await chooseFile(wrapper, credentialFileText(voter));
    expect(wrapper.get('#sign-in-file-error').text()).toContain('voter’s credential');
    expect(api.callsOf('officialChallenge')).toEqual([]);
  });

  it('says when a file or a text is not a credential, or nothing was given', async () => {
    const { wrapper } = await mountScreen(SignInView, { path: '/sign-in' });
    await chooseFile(wrapper, '{"hello": 1}', 'notes.json');
    expect(wrapper.get('#sign-in-file-error').text()).toContain('This file is not a credential');
    await scanCard(wrapper, 'evote1:official:short:Alice');
    expect(wrapper.get('#sign-in-card-error').text()).toContain('not the text of a credential’s QR code');
    // No official can have a name over 256 bytes: the station would refuse even the challenge request.
    await scanCard(wrapper, credentialQrText(newCredential('official', 'x'.repeat(257))));
    expect(wrapper.get('#sign-in-card-error').text()).toContain('not the text of a credential’s QR code');
    await scanCard(wrapper, '   ');
    expect(wrapper.get('#sign-in-card-error').text()).toBe('Scan the QR code of your card first.');
  });

  it('says when the station does not answer', async () => {
    const alice = newCredential('official', 'Alice');
    const api = new FakeInterfaceApi();
    const { wrapper } = await mountScreen(SignInView, { api, path: '/sign-in' });
    api.setUnreachable(true);
    await scanCard(wrapper, credentialQrText(alice));
    expect(wrapper.get('#sign-in-card-error').text()).toContain('The station did not answer');
  });
});
