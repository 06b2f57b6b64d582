import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import type { ListVotersCall } from '../../../core/api/interface-api.ts';
import { useVotersStore, votersPageSize } from '../../../renderer/src/stores/voters.ts';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';

afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

const Nothing = defineComponent({ render: () => h('p') });

async function votersStore(api: FakeInterfaceApi) {
  const { pinia } = await mountScreen(Nothing, { api, signedInAs: 'Official Lin' });
  return useVotersStore(pinia);
}

function stationWithVoters(count: number): FakeInterfaceApi {
  const api = new FakeInterfaceApi();
  for (let index = 0; index < count; index += 1) {
    api.voters.set(`voter-${String(index).padStart(6, '0')}`, {
      group: `Group ${index % 3}`,
      publicKey: new Uint8Array(32),
    });
  }
  return api;
}

describe('the voters store', () => {
  it('drops the answer of a search that was replaced while it was on its way', async () => {
    const api = stationWithVoters(30);
    const voters = await votersStore(api);
    const list = api.listVoters.bind(api);
    let releaseFirst: () => void = () => undefined;
    vi.spyOn(api, 'listVoters').mockImplementation(async (request: ListVotersCall) => {
      if (request.search === 'Group 1') await new Promise<void>((resolve) => (releaseFirst = resolve));
      return list(request);
    });

    voters.setSearch('Group 1');
    voters.ensureRows(0, 0);
    voters.setSearch('Group 2');
    voters.ensureRows(0, 0);
    await flushPromises();
    releaseFirst();
    await flushPromises();

    expect(voters.total).toBe(10);
    expect(voters.rowAt(0)).toEqual({ name: 'voter-000002', group: 'Group 2' });
  });

  it('finds nobody for a search longer than any name or group, without asking the station', async () => {
    const api = stationWithVoters(10);
    const voters = await votersStore(api);
    voters.setSearch('x'.repeat(257));
    voters.ensureRows(0, 0);
    await flushPromises();
    expect(voters.total).toBe(0);
    expect(voters.listUnreachable).toBe(false);
    expect(api.callsOf('listVoters')).toEqual([]);
  });

  it('asks for no page past the end of the search', async () => {
    const api = stationWithVoters(700);
    const voters = await votersStore(api);
    voters.ensureRows(0, 0);
    await flushPromises();
    api.calls.length = 0;
    voters.ensureRows(400, 5_000);
    await flushPromises();
    expect(api.callsOf('listVoters').map((call) => call.offset)).toEqual([votersPageSize]);
  });

  it('keeps a bounded number of pages, dropping the farthest first, and loads a dropped page again', async () => {
    const api = stationWithVoters(45 * votersPageSize);
    const voters = await votersStore(api);
    voters.ensureRows(0, 0);
    await flushPromises();
    for (let page = 1; page < 45; page += 1) {
      voters.ensureRows(page * votersPageSize, page * votersPageSize);
      await flushPromises();
    }
    // Page 44 was loaded last; pages 0 to 4 are the farthest from it.
    expect(voters.rowAt(0)).toBeNull();
    expect(voters.rowAt(4 * votersPageSize)).toBeNull();
    expect(voters.rowAt(5 * votersPageSize)?.name).toBe(
      `voter-${String(5 * votersPageSize).padStart(6, '0')}`,
    );

    api.calls.length = 0;
    voters.ensureRows(0, 0);
    await flushPromises();
    expect(api.callsOf('listVoters').map((call) => call.offset)).toEqual([0]);
    expect(voters.rowAt(0)?.name).toBe('voter-000000');
  });

  it('suggests the groups seen in the register, registered now, and of elections', async () => {
    const api = stationWithVoters(3);
    api.addElection({
      name: 'Mayor',
      groups: ['District 9', 'Group 0'],
      choices: ['x'],
      endsAtMs: api.nowMs + 1,
    });
    const voters = await votersStore(api);
    voters.ensureRows(0, 0);
    await voters.loadElectionGroups();
    await voters.register({ name: 'new', group: 'Annex', publicKey: new Uint8Array(32) });
    await flushPromises();
    expect(voters.knownGroups).toEqual(['Annex', 'District 9', 'Group 0', 'Group 1', 'Group 2']);
  });

  it('answers a refused session as signed-out, and the session ends', async () => {
    const api = stationWithVoters(1);
    const voters = await votersStore(api);
    vi.spyOn(api, 'registerVoter').mockResolvedValue({ refused: 'not-signed-in' } as const);
    expect(await voters.register({ name: 'x', group: 'y', publicKey: new Uint8Array(32) })).toBe(
      'signed-out',
    );
  });

  it('does not load anything on voters-changed by itself: the list asks for what it shows', async () => {
    const api = stationWithVoters(10);
    const voters = await votersStore(api);
    voters.ensureRows(0, 0);
    await flushPromises();
    api.calls.length = 0;
    const version = voters.listVersion;
    api.emit({ type: 'voters-changed' });
    await flushPromises();
    expect(voters.listVersion).toBe(version + 1);
    expect(api.callsOf('listVoters')).toEqual([]);
    // The stale rows stay until the list asks again.
    expect(voters.rowAt(0)?.name).toBe('voter-000000');
  });
});
