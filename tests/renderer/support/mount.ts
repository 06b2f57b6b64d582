/**
 * Mounts a screen as the app would show it: Pinia, English messages, a router
 * at the given path (memory history, with a stub for every other path so a
 * screen can navigate away), and the fake API provided as the interface API.
 * Like the app's route guard, it loads the station store before the screen
 * mounts (a host component waits for it), and can sign an official in first.
 * The whole app (App.vue) mounts the same way, with every path on a stub screen.
 */
import { flushPromises, mount, type ComponentMountingOptions } from '@vue/test-utils';
import { createPinia, type Pinia } from 'pinia';
import { defineComponent, h, ref, type Component } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { apiKey, linkKey, type LinkWatch } from '../../../renderer/src/api/use-api.ts';
import { createStationI18n } from '../../../renderer/src/i18n/index.ts';
import { newCredential, publicKeyOf } from '../../../renderer/src/credentials/credential.ts';
import { useSessionStore } from '../../../renderer/src/stores/session.ts';
import { useStationStore } from '../../../renderer/src/stores/station.ts';
import { FakeInterfaceApi } from './fake-api.ts';

/** Stands in for every screen other than the one under test. */
export const OtherScreen: Component = { name: 'OtherScreen', render: () => h('p', 'other screen') };

export interface MountScreenOptions {
  readonly api?: FakeInterfaceApi;
  /** Where the router is when the screen mounts, e.g. `/sign-in?next=/voters`. */
  readonly path?: string;
  /** Load the station store first, as the route guard does (default true). */
  readonly stationReady?: boolean;
  readonly props?: Record<string, unknown>;
  /** Sign this official in (registering them with the fake) before the screen mounts. */
  readonly signedInAs?: string;
  /** The event stream's state, as the HTTP transport reports it (none: a link that never drops, as over IPC). */
  readonly link?: LinkWatch;
}

export async function mountScreen(component: Component, options: MountScreenOptions = {}) {
  const api = options.api ?? new FakeInterfaceApi();
  const pinia: Pinia = createPinia();
  const router: Router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:pathMatch(.*)*', component: OtherScreen, meta: { titleKey: 'common.appName' } }],
  });
  await router.push(options.path ?? '/');
  await router.isReady();
  const props = options.props ?? {};
  const waitForStation = options.stationReady ?? true;
  const Host = defineComponent({
    name: 'ScreenHost',
    setup() {
      const station = useStationStore();
      const session = useSessionStore();
      const ready = ref(false);
      async function prepare(): Promise<void> {
        if (waitForStation) await station.ready();
        if (options.signedInAs !== undefined) {
          const credential = newCredential('official', options.signedInAs);
          api.officials.set(credential.name, publicKeyOf(credential));
          if ((await session.signIn(credential)) !== 'ok') throw new Error('the fake refused the official');
        }
        ready.value = true;
      }
      void prepare();
      return () => (ready.value ? h(component, props) : null);
    },
  });
  const mountingOptions: ComponentMountingOptions<typeof Host> = {
    attachTo: document.body,
    global: {
      plugins: [pinia, createStationI18n('en'), router],
      provide: options.link === undefined ? { [apiKey]: api } : { [apiKey]: api, [linkKey]: options.link },
    },
  };
  const wrapper = mount(Host, mountingOptions);
  await flushPromises();
  return { wrapper, api, router, pinia, station: useStationStore(pinia), session: useSessionStore(pinia) };
}
