/**
 * The "station cannot be reached" banner follows the event stream live: it
 * shows when the stream drops, clears when it is back, and says what to do
 * when the station refused the page's secret. First with a link watch under
 * the test's control, then through the real HTTP client with a station that
 * goes away and comes back.
 */
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from 'vue';
import { encodeApiJson } from '../../../core/api/api-json.ts';
import type { StationOverview } from '../../../core/api/interface-api.ts';
import App from '../../../renderer/src/App.vue';
import { httpConnection } from '../../../renderer/src/api/station-connection.ts';
import { apiKey, linkKey, type LinkState, type LinkWatch } from '../../../renderer/src/api/use-api.ts';
import { useStationStore } from '../../../renderer/src/stores/station.ts';
import { FakeInterfaceApi, standaloneStatus } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';

afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

/** A link watch whose state the test sets, as the HTTP transport would report it. */
function controlledLink(): LinkWatch & { set(state: LinkState): void } {
  const listeners = new Set<(state: LinkState) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(state) {
      for (const listener of listeners) listener(state);
    },
  };
}

async function mountApp(options: { api?: FakeInterfaceApi; link?: LinkWatch } = {}) {
  const mounted = await mountScreen(App, { path: '/station', ...options });
  const banner = () => mounted.wrapper.get('[role="alert"]');
  return { ...mounted, banner };
}

describe('the banner in the app', () => {
  it('is silent while the link is up, shows when it drops, and clears on reconnecting', async () => {
    const link = controlledLink();
    const { banner } = await mountApp({ link });
    expect(banner().text()).toBe('');

    link.set('unreachable');
    await flushPromises();
    expect(banner().text()).toContain('The station cannot be reached');

    link.set('connected');
    await flushPromises();
    expect(banner().text()).toBe('');
  });

  it('says to open the new address once the station refused the page’s secret', async () => {
    const link = controlledLink();
    const { banner, station } = await mountApp({ link });
    link.set('access-refused');
    await flushPromises();
    expect(banner().text()).toBe(
      'The station no longer accepts this page: it was restarted. Open the new address it printed (the line starting with “ui:”).',
    );
    expect(station.unreachable).toBe(false);
  });

  it('clears a failed first overview once the link is up', async () => {
    const api = new FakeInterfaceApi();
    api.setUnreachable(true);
    const link = controlledLink();
    const { banner } = await mountApp({ api, link });
    expect(banner().text()).toContain('The station cannot be reached');
    api.setUnreachable(false);
    link.set('connected');
    await flushPromises();
    expect(banner().text()).toBe('');
  });
});

/**
 * A station behind `fetch`: it answers overview, and holds each event stream
 * open until `goAway` breaks it and refuses connections until `comeBack`.
 */
function stationBehindFetch() {
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  let away = false;
  const overview: StationOverview = { status: standaloneStatus, nowMs: 0, needsFirstOfficial: false };
  const fetch = vi.fn(async (input: RequestInfo | URL): Promise<Response> => {
    await Promise.resolve();
    if (away) throw new TypeError('Failed to fetch');
    const path = new URL(input instanceof Request ? input.url : input).pathname;
    if (path === '/api/events') {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          streams.push(controller);
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    }
    if (path === '/api/call/overview') return new Response(encodeApiJson(overview));
    return new Response(JSON.stringify({ error: `no ${path}` }), { status: 404 });
  });
  return {
    fetch,
    eventStreams: () => streams.length,
    goAway() {
      away = true;
      streams.at(-1)?.error(new TypeError('network error'));
    },
    comeBack() {
      away = false;
    },
  };
}

describe('the station store on the HTTP transport', () => {
  it('reports the event stream dropping and coming back', async () => {
    const remote = stationBehindFetch();
    const { api, link } = httpConnection({
      baseUrl: 'http://127.0.0.1:5780',
      secret: 's',
      fetch: remote.fetch,
    });
    const app = createApp({});
    app.provide(apiKey, api);
    app.provide(linkKey, link);
    const pinia = createPinia();
    app.use(pinia);
    setActivePinia(pinia);
    const station = useStationStore();
    await station.ready();
    await vi.waitFor(() => {
      expect(remote.eventStreams()).toBe(1);
    });
    expect(station.unreachable).toBe(false);

    remote.goAway();
    await vi.waitFor(() => {
      expect(station.unreachable).toBe(true);
    });

    remote.comeBack();
    // The client reconnects by itself after a pause of a quarter of a second or more.
    await vi.waitFor(
      () => {
        expect(station.unreachable).toBe(false);
      },
      { timeout: 3_000 },
    );
    expect(remote.eventStreams()).toBeGreaterThanOrEqual(2);
    expect(station.status).toEqual(standaloneStatus);
  });

  it('reports a refused secret to every watcher, late ones included, and stops trying', async () => {
    const fetch = vi.fn(() =>
      Promise.resolve(new Response(JSON.stringify({ error: 'wrong secret' }), { status: 401 })),
    );
    const { api, link } = httpConnection({ baseUrl: 'http://127.0.0.1:5780', secret: 'old', fetch });
    const states: LinkState[] = [];
    link.subscribe((state) => states.push(state));
    const stop = api.subscribe(() => undefined);
    await vi.waitFor(() => {
      expect(states).toEqual(['access-refused']);
    });
    const late: LinkState[] = [];
    link.subscribe((state) => late.push(state));
    expect(late).toEqual(['access-refused']);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(fetch).toHaveBeenCalledTimes(1);
    stop();
  });
});
