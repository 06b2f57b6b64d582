/**
 * What a store that screens "follow" needs: a load through the official's
 * session that keeps the state a screen shows, a reload that a burst of
 * events cannot multiply, and listening to the station's pushed events only
 * while at least one screen follows. Shared by the elections and the
 * conflict report; nothing here polls.
 */
import type { Ref } from 'vue';
import type { StationEvent } from '../../../core/api/interface-api.ts';

export type LoadState = 'idle' | 'loading' | 'ready' | 'unreachable';

/**
 * A load of what an official's call answers (`call`, through the session store: null once
 * signed out) into `apply`, with `state` kept as screens show it: 'loading' only until the first
 * answer, 'unreachable' when the station did not answer, 'idle' when signed out.
 */
export function officialLoad<T>(
  state: Ref<LoadState>,
  call: () => Promise<T | null>,
  apply: (value: T) => void,
): () => Promise<void> {
  return async () => {
    if (state.value !== 'ready') state.value = 'loading';
    try {
      const loaded = await call();
      // Signed out: the sign-in screen follows, and following again after it loads.
      if (loaded === null) {
        state.value = 'idle';
        return;
      }
      apply(loaded);
      state.value = 'ready';
    } catch {
      state.value = 'unreachable';
    }
  };
}

/**
 * `load`, run now; asked again while it runs, it runs once more after, not
 * once per request. The promise settles when the last load has.
 */
export function coalescedReload(load: () => Promise<void>): () => Promise<void> {
  let loading: Promise<void> | null = null;
  let reloadWanted = false;
  return () => {
    if (loading !== null) {
      reloadWanted = true;
      return loading;
    }
    loading = (async () => {
      try {
        for (let again = true; again; again = reloadWanted) {
          reloadWanted = false;
          await load();
        }
      } finally {
        loading = null;
      }
    })();
    return loading;
  };
}

/**
 * A store's `follow()`: each call refreshes and keeps `onEvent` listening (through `listen`, the
 * station store's) until every follower has called the function it was given back.
 */
export function eventFollower(
  listen: (listener: (event: StationEvent) => void) => () => void,
  onEvent: (event: StationEvent) => void,
  refresh: () => Promise<void>,
): () => () => void {
  let followers = 0;
  let stopListening: (() => void) | null = null;
  return () => {
    followers += 1;
    if (followers === 1) stopListening = listen(onEvent);
    void refresh();
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      followers -= 1;
      if (followers === 0) {
        stopListening?.();
        stopListening = null;
      }
    };
  };
}
