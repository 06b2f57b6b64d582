import { afterEach, describe, expect, it } from 'vitest';
import type { StationEvent } from '../../core/api/interface-api.ts';
import {
  AccessRefusedError,
  createHttpInterfaceClient,
  RequestRefusedError,
  StationUnreachableError,
  type ConnectionState,
} from '../../core/api/http-interface-client.ts';
import { waitUntil } from '../support/polling.ts';
import { createFakeInterfaceApi, sampleStatus, type FakeInterfaceApi } from './fake-interface-api.ts';
import { startTestServer, testSecret, type TestServer } from './http-support.ts';

let running: TestServer[] = [];
const unsubscribes: (() => void)[] = [];

afterEach(async () => {
  for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
  await Promise.all(running.map((test) => test.server.stop()));
  running = [];
});

async function start(
  options: { readonly port?: number; readonly api?: FakeInterfaceApi } = {},
): Promise<TestServer> {
  const test = await startTestServer({ interfaceDir: '/nonexistent', ...options });
  running.push(test);
  return test;
}

describe('createHttpInterfaceClient', () => {
  it('carries each call and its answer, bytes included', async () => {
    const { origin, api } = await start();
    const client = createHttpInterfaceClient({ baseUrl: origin, secret: testSecret });
    expect(await client.overview()).toEqual({
      status: sampleStatus,
      nowMs: 1_800_000_000_000,
      needsFirstOfficial: false,
    });
    const challenge = await client.voterChallenge({ name: 'alice' });
    expect(challenge.challenge).toBeInstanceOf(Uint8Array);
    expect(challenge.challenge).toEqual(new Uint8Array(32).fill(9));
    const signature = new Uint8Array(64).fill(5);
    expect(await client.voterSignIn({ name: 'alice', signature })).toEqual({
      token: new Uint8Array([1, 2, 3]),
      expiresAtMs: 1_800_003_600_000,
    });
    expect(await client.getResult({ election: 'Mayor' })).toEqual({
      outcome: { code: 0, reason: 'ok' },
      counts: [{ choice: 'yes', count: 3 }],
    });
    expect(api.calls.map((call) => call.operation)).toEqual([
      'overview',
      'voterChallenge',
      'voterSignIn',
      'getResult',
    ]);
    expect(api.calls[2]?.request).toEqual({ name: 'alice', signature });
  });

  it('rejects with AccessRefusedError for a wrong secret', async () => {
    const { origin, api } = await start();
    const client = createHttpInterfaceClient({ baseUrl: origin, secret: 'not-the-secret' });
    await expect(client.getResult({ election: 'Mayor' })).rejects.toBeInstanceOf(AccessRefusedError);
    expect(api.calls).toEqual([]);
  });

  it('rejects with RequestRefusedError for a request the station refuses', async () => {
    const { origin, api } = await start();
    const client = createHttpInterfaceClient({ baseUrl: origin, secret: testSecret });
    const malformed = { election: 42 } as unknown as { election: string };
    const refusal = client.getResult(malformed);
    await expect(refusal).rejects.toBeInstanceOf(RequestRefusedError);
    await expect(refusal).rejects.toMatchObject({ status: 400 });
    expect(api.calls).toEqual([]);
  });

  it('rejects with StationUnreachableError when nothing answers or the station fails', async () => {
    const { origin, server } = await start();
    await server.stop();
    running = [];
    const client = createHttpInterfaceClient({ baseUrl: origin, secret: testSecret });
    const unreachable = client.overview();
    await expect(unreachable).rejects.toBeInstanceOf(StationUnreachableError);
    await expect(unreachable).rejects.toThrow(origin);

    const failing = createFakeInterfaceApi();
    const test = await startTestServer({
      interfaceDir: '/nonexistent',
      api: { ...failing, overview: () => Promise.reject(new Error('disk on fire')) },
    });
    running.push(test);
    const failed = createHttpInterfaceClient({ baseUrl: test.origin, secret: testSecret }).overview();
    await expect(failed).rejects.toBeInstanceOf(StationUnreachableError);
    expect(test.logger.entries.some((entry) => entry.event === 'internal-error')).toBe(true);
  });

  it('delivers the current status, then events, and closes the stream on unsubscribe', async () => {
    const { origin, api } = await start();
    const client = createHttpInterfaceClient({ baseUrl: origin, secret: testSecret });
    const events: StationEvent[] = [];
    const unsubscribe = client.subscribe((event) => events.push(event));
    unsubscribes.push(unsubscribe);
    await waitUntil('the status arrives', () => events.length === 1);
    expect(events).toEqual([{ type: 'status', status: sampleStatus }]);
    await waitUntil('the station has a subscriber', () => api.subscriberCount() === 1);
    api.emit({ type: 'election-closed', election: 'Mayor' });
    await waitUntil('the event arrives', () => events.length === 2);
    expect(events[1]).toEqual({ type: 'election-closed', election: 'Mayor' });

    const second: StationEvent[] = [];
    unsubscribes.push(client.subscribe((event) => second.push(event)));
    api.emit({ type: 'voters-changed' });
    await waitUntil('both listeners have it', () => second.length === 1 && events.length === 3);
    expect(api.subscriberCount()).toBe(1);

    unsubscribes.splice(0).forEach((stop) => {
      stop();
    });
    await waitUntil('the stream is closed', () => api.subscriberCount() === 0);
  });

  it('reconnects after the station restarts and delivers fresh state', async () => {
    const first = await start();
    const port = first.server.port;
    const states: ConnectionState[] = [];
    const client = createHttpInterfaceClient({
      baseUrl: first.origin,
      secret: testSecret,
      onConnection: (state) => states.push(state),
    });
    const events: StationEvent[] = [];
    unsubscribes.push(client.subscribe((event) => events.push(event)));
    await waitUntil('the first status arrives', () => events.length === 1);

    await first.server.stop();
    running = [];
    await waitUntil('the drop is reported', () => states.some((state) => !state.connected));
    const dropped = states.find((state) => !state.connected);
    expect(dropped?.connected === false && dropped.error).toBeInstanceOf(StationUnreachableError);

    const restartedApi = createFakeInterfaceApi();
    const promoted = { ...sampleStatus, epoch: 2, unprotected: false };
    restartedApi.setStatus(promoted);
    await start({ port, api: restartedApi });
    await waitUntil('the fresh status arrives', () =>
      events.some((event) => event.type === 'status' && event.status.epoch === 2),
    );
    expect(events.slice(-4)).toEqual([
      { type: 'status', status: promoted },
      { type: 'voters-changed' },
      { type: 'elections-changed' },
      { type: 'conflicts-changed' },
    ]);
    expect(states.at(-1)).toEqual({ connected: true });
    await waitUntil('the new station has the subscriber', () => restartedApi.subscriberCount() === 1);
    restartedApi.emit({ type: 'elections-changed' });
    await waitUntil('events flow again', () => events.length === 6);
  });

  it('stops retrying once the station refuses the secret', async () => {
    const { origin, api } = await start();
    const states: ConnectionState[] = [];
    const client = createHttpInterfaceClient({
      baseUrl: origin,
      secret: 'stale-secret',
      onConnection: (state) => states.push(state),
    });
    unsubscribes.push(client.subscribe(() => undefined));
    await waitUntil('the refusal is reported', () => states.length === 1);
    expect(states[0]?.connected === false && states[0].error).toBeInstanceOf(AccessRefusedError);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(states).toHaveLength(1);
    expect(api.subscriberCount()).toBe(0);
  });
});
