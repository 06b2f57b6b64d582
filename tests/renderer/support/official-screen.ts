/**
 * Mounts an official screen as a signed-in official sees it: like
 * `mountScreen`, with an official registered in the fake and signed in
 * through the session store before the screen mounts.
 */
import { defineComponent, h, ref, type Component } from 'vue';
import { newCredential, publicKeyOf } from '../../../renderer/src/credentials/credential.ts';
import { useSessionStore } from '../../../renderer/src/stores/session.ts';
import { FakeInterfaceApi } from './fake-api.ts';
import { mountScreen, type MountScreenOptions } from './mount.ts';

export async function mountOfficialScreen(component: Component, options: MountScreenOptions = {}) {
  const api = options.api ?? new FakeInterfaceApi();
  const official = newCredential('official', 'Official Lin');
  api.officials.set(official.name, publicKeyOf(official));
  const SignedIn = defineComponent({
    name: 'SignedInOfficial',
    inheritAttrs: false,
    setup(_props, { attrs }) {
      const session = useSessionStore();
      const ready = ref(false);
      void session.signIn(official).then((result) => {
        if (result !== 'ok') throw new Error(`the official could not sign in: ${result}`);
        ready.value = true;
      });
      return () => (ready.value ? h(component, attrs) : null);
    },
  });
  return mountScreen(SignedIn, { ...options, api });
}
