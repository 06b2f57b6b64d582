import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../../../renderer/src/App.vue';
import { apiKey } from '../../../renderer/src/api/use-api.ts';
import { publicKeyOf } from '../../../renderer/src/credentials/credential.ts';
import SetupView from '../../../renderer/src/features/setup/SetupView.vue';
import { createStationI18n } from '../../../renderer/src/i18n/index.ts';
import { createStationRouter } from '../../../renderer/src/router.ts';
import { useStationStore } from '../../../renderer/src/stores/station.ts';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';

/** A known seed, so the test can look for it in everything the station received. */
const seed = Uint8Array.from({ length: 32 }, (_, index) => 200 + (index % 50));

vi.mock('../../../renderer/src/credentials/credential.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../renderer/src/credentials/credential.ts')>();
  return {
    ...original,
    newCredential: (role: 'voter' | 'official', name: string) => ({
      role,
      name,
      seed: Uint8Array.from(seed),
    }),
  };
});

afterEach(() => {
  document.body.innerHTML = '';
});

async function submitName(name: string, api = new FakeInterfaceApi()) {
  const mounted = await mountScreen(SetupView, { api, path: '/setup' });
  await mounted.wrapper.get('input#setup-name').setValue(name);
  await mounted.wrapper.get('form').trigger('submit');
  await flushPromises();
  return mounted;
}

describe('the setup screen', () => {
  it('labels the name field and explains it', async () => {
    const { wrapper } = await mountScreen(SetupView, { path: '/setup' });
    const input = wrapper.get('input#setup-name');
    expect(wrapper.get('label[for="setup-name"]').text()).toBe('Your name');
    expect(input.attributes('aria-describedby')).toBe('setup-name-hint');
    expect(wrapper.get('h1').text()).toBe('Set up the station');
  });

  it('sends only a 32-byte public key, never the seed, and shows the credential once', async () => {
    const { wrapper, api } = await submitName('  Alice Chen ');
    const [request] = api.callsOf('createFirstOfficial');
    expect(request?.name).toBe('Alice Chen');
    expect(request?.publicKey).toBeInstanceOf(Uint8Array);
    expect(request?.publicKey).toHaveLength(32);
    expect(Object.keys(request ?? {}).sort()).toEqual(['name', 'publicKey']);
    expect(api.officials.has('Alice Chen')).toBe(true);

    // The seed appears nowhere in what reached the station.
    const card = wrapper.get('section[aria-label="Credential of Alice Chen"]');
    expect(card.text()).toContain('Alice Chen');
    expect(card.text()).toContain('Station station-a');
    expect(wrapper.text()).toContain('shown only this once');
    expect(wrapper.find('input#setup-name').exists()).toBe(false);
    expect(document.activeElement?.id).toBe('setup-created');
  });

  it('never sends the seed in any call', async () => {
    const { api } = await submitName('Alice');
    expect(api.calls.map((call) => call.operation)).toEqual(['overview', 'createFirstOfficial']);
    const sent = JSON.stringify(api.calls, (_key, value: unknown) =>
      value instanceof Uint8Array ? Array.from(value) : value,
    );
    // The key the station got is the one of this seed (so the seed below is the real one).
    expect(api.callsOf('createFirstOfficial')[0]?.publicKey).toEqual(
      publicKeyOf({ role: 'official', name: 'Alice', seed }),
    );
    expect(sent).not.toContain(Array.from(seed).join(','));
    expect(sent).not.toContain(
      btoa(String.fromCharCode(...seed))
        .replace(/=+$/, '')
        .slice(0, 20),
    );
  });

  it('continues to sign-in once the station knows it is set up', async () => {
    const { wrapper, router, station } = await submitName('Alice');
    expect(station.needsFirstOfficial).toBe(true);
    await wrapper.get('button.setup__continue').trigger('click');
    await flushPromises();
    expect(station.needsFirstOfficial).toBe(false);
    expect(router.currentRoute.value.path).toBe('/sign-in');
  });

  it('shows a precise message next to the field for an invalid name', async () => {
    const { wrapper, api } = await submitName('   ');
    const error = wrapper.get('#setup-name-error');
    expect(error.attributes('role')).toBe('alert');
    expect(error.text()).toContain('not blank, at most 256 bytes');
    expect(wrapper.get('input#setup-name').attributes('aria-describedby')).toBe(
      'setup-name-hint setup-name-error',
    );
    expect(wrapper.get('input#setup-name').attributes('aria-invalid')).toBe('true');
    expect(api.officials.size).toBe(0);
  });

  it('refuses a name over the protocol’s limit without asking the station', async () => {
    const { wrapper, api } = await submitName('名'.repeat(86));
    expect(wrapper.get('#setup-name-error').text()).toContain('at most 256 bytes long');
    expect(api.callsOf('createFirstOfficial')).toEqual([]);
  });

  it('says the station is already set up and links to sign-in', async () => {
    const api = new FakeInterfaceApi();
    api.officials.set('Bob', new Uint8Array(32));
    const { wrapper, station } = await submitName('Alice', api);
    expect(wrapper.get('#setup-name-error').text()).toContain('already set up');
    expect(wrapper.get('#setup-name-error a').attributes('href')).toBe('/sign-in');
    expect(station.needsFirstOfficial).toBe(false);
  });

  it('explains an unavailable station, naming the primary when known', async () => {
    const api = new FakeInterfaceApi();
    api.status = {
      ...api.status,
      role: 'backup',
      writable: false,
      peer: { ...api.status.peer, address: '10.0.0.5:50052' },
    };
    const { wrapper } = await submitName('Alice', api);
    expect(wrapper.get('#setup-name-error').text()).toBe(
      'This station is the backup, so nothing was saved. Make changes on the primary station, at 10.0.0.5:50052.',
    );
  });

  it('says so when the station does not answer', async () => {
    const api = new FakeInterfaceApi();
    const { wrapper } = await mountScreen(SetupView, { api, path: '/setup' });
    api.setUnreachable(true);
    await wrapper.get('input#setup-name').setValue('Alice');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('#setup-name-error').text()).toContain('The station did not answer');
  });
});

describe('two tabs left on the setup screen', () => {
  /** One browser tab: the whole app with its own stores and the real routes and guard, on the shared station. */
  async function openTab(api: FakeInterfaceApi) {
    const pinia = createPinia();
    const router = createStationRouter(pinia);
    const wrapper = mount(App, {
      attachTo: document.body,
      global: { plugins: [pinia, createStationI18n('en'), router], provide: { [apiKey]: api } },
    });
    await router.push('/setup');
    await flushPromises();
    return { wrapper, router, station: useStationStore(pinia) };
  }

  it('lets only the first create the first official; the second is sent to sign in', async () => {
    const api = new FakeInterfaceApi();
    const first = await openTab(api);
    const second = await openTab(api);
    expect(second.router.currentRoute.value.path).toBe('/setup');

    await first.wrapper.get('input#setup-name').setValue('Alice');
    await first.wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(first.wrapper.text()).toContain('You are the station’s first official.');

    // The second tab still shows the form: nothing tells it that setup happened elsewhere until it asks.
    await second.wrapper.get('input#setup-name').setValue('Mallory');
    await second.wrapper.get('form').trigger('submit');
    await flushPromises();
    expect([...api.officials.keys()]).toEqual(['Alice']);
    const error = second.wrapper.get('#setup-name-error');
    expect(error.text()).toContain('This station is already set up');
    expect(second.wrapper.find('section[aria-label="Credential of Mallory"]').exists()).toBe(false);
    expect(second.station.needsFirstOfficial).toBe(false);

    // The link to sign-in gets past the route guard, which no longer sends everyone to setup.
    await error.get('a').trigger('click');
    // The sign-in screen is loaded on demand, as in the app: wait for it rather than for one tick.
    await vi.waitFor(() => {
      expect(second.wrapper.find('h1').text()).toBe('Official sign-in');
    });
    expect(second.router.currentRoute.value.path).toBe('/sign-in');
    // And setup cannot be reached any more.
    await second.router.push('/setup');
    await flushPromises();
    expect(second.router.currentRoute.value.path).toBe('/sign-in');
  });
});
