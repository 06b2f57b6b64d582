/**
 * The signed-in official. The session token lives in memory only: a reload or
 * entering the kiosk asks for the credential again.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { isSessionRefused, type OfficialAnswer } from '../../../core/api/interface-api.ts';
import { useApi } from '../api/use-api.ts';
import { signChallenge, type Credential } from '../credentials/credential.ts';

export type SignInResult = 'ok' | 'refused' | 'unreachable';

export const useSessionStore = defineStore('session', () => {
  const api = useApi();
  const token = shallowRef<Uint8Array | null>(null);
  const official = ref<string | null>(null);
  const expiresAtMs = ref(0);

  async function signIn(credential: Credential): Promise<SignInResult> {
    try {
      const { challenge } = await api.officialChallenge({ name: credential.name });
      const answer = await api.officialSignIn({
        name: credential.name,
        signature: signChallenge(credential, challenge),
      });
      if ('refused' in answer) return 'refused';
      token.value = answer.token;
      official.value = credential.name;
      expiresAtMs.value = answer.expiresAtMs;
      return 'ok';
    } catch {
      return 'unreachable';
    }
  }

  function signOut(): void {
    token.value = null;
    official.value = null;
    expiresAtMs.value = 0;
  }

  /**
   * Runs an official call with the session; a session the station refuses
   * (expired, or the station changed hands without it) signs the official out,
   * and App.vue then shows the sign-in screen. Answers null in that case.
   */
  async function call<T extends object>(
    operation: (session: Uint8Array) => Promise<OfficialAnswer<T>>,
  ): Promise<T | null> {
    if (token.value === null) return null;
    const answer = await operation(token.value);
    if (isSessionRefused(answer)) {
      signOut();
      return null;
    }
    return answer;
  }

  const signedIn = computed(() => token.value !== null);
  return { official, expiresAtMs, signedIn, signIn, signOut, call };
});
