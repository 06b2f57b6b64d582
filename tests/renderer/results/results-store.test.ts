import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from 'vue';
import { apiKey } from '../../../renderer/src/api/use-api.ts';
import { useResultsStore } from '../../../renderer/src/stores/results.ts';
import { FakeInterfaceApi } from '../support/fake-api.ts';

const nowMs = Date.UTC(2030, 4, 1, 8, 0, 0);

function resultsStore(api: FakeInterfaceApi) {
  const pinia = createPinia();
  createApp({}).provide(apiKey, api).use(pinia);
  setActivePinia(pinia);
  return useResultsStore();
}

describe('the results store', () => {
  it('keeps the station’s refusal while voting is open, with no counts', async () => {
    const api = new FakeInterfaceApi({ nowMs });
    api.addElection({ name: 'Mayor', groups: ['north'], choices: ['A', 'B'], endsAtMs: nowMs + 1 });
    const results = resultsStore(api);
    await results.show('Mayor');
    expect(results.shown).toEqual({
      status: 'refused',
      election: 'Mayor',
      reason: 'election-ongoing',
      code: 2,
    });
    await results.show('Nobody knows');
    expect(results.shown).toEqual({
      status: 'refused',
      election: 'Nobody knows',
      reason: 'unknown-election',
      code: 1,
    });
  });

  it('gives the counts once the election has ended', async () => {
    const api = new FakeInterfaceApi({ nowMs });
    const election = api.addElection({
      name: 'Mayor',
      groups: ['north'],
      choices: ['A', 'B'],
      endsAtMs: nowMs,
    });
    election.tallies[1] = 4;
    const results = resultsStore(api);
    await results.show('Mayor');
    expect(results.shown).toEqual({
      status: 'ok',
      election: 'Mayor',
      counts: [
        { choice: 'A', count: 0 },
        { choice: 'B', count: 4 },
      ],
    });
  });

  it('drops an answer for an election no longer chosen', async () => {
    const api = new FakeInterfaceApi({ nowMs });
    api.addElection({ name: 'First', groups: ['g'], choices: ['A'], endsAtMs: nowMs - 1 });
    api.addElection({ name: 'Second', groups: ['g'], choices: ['B'], endsAtMs: nowMs - 1 });
    const answer = api.getResult.bind(api);
    let releaseFirst = (): void => undefined;
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    // The answer for First arrives after the one for Second.
    vi.spyOn(api, 'getResult').mockImplementation(async (request) => {
      if (request.election === 'First') await firstHeld;
      return answer(request);
    });
    const results = resultsStore(api);
    const first = results.show('First');
    await results.show('Second');
    releaseFirst();
    await first;
    expect(results.shown).toMatchObject({ status: 'ok', election: 'Second' });
    const late = results.show('Second');
    results.clear();
    await late;
    expect(results.shown).toEqual({ status: 'none' });
  });
});
