import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ElectionList from '../../../renderer/src/features/elections/ElectionList.vue';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';
import { useTimeZone } from '../support/time-zone.ts';

const official = 'Official Lin';

useTimeZone('Asia/Taipei');
// The screen's clock runs 5 minutes behind the station's: countdowns must follow the station.
const screenNowMs = Date.UTC(2030, 4, 1, 7, 55, 0);
const stationNowMs = Date.UTC(2030, 4, 1, 8, 0, 0);

beforeEach(() => {
  // Only the ticker and the clock are faked: promises and flushPromises run as usual.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(screenNowMs);
});
afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

function stationWithElections(): FakeInterfaceApi {
  const api = new FakeInterfaceApi({ nowMs: stationNowMs });
  api.addElection({
    name: 'Mayor',
    groups: ['north', 'south'],
    choices: ['Chen', 'Lin'],
    endsAtMs: stationNowMs + (3_600 + 5) * 1000,
  });
  api.addElection({
    name: 'Budget',
    groups: ['all'],
    choices: ['Yes', 'No'],
    endsAtMs: stationNowMs + (2 * 86_400 + 60) * 1000,
  });
  const past = api.addElection({
    name: 'Chair',
    groups: ['board'],
    choices: ['Wu'],
    endsAtMs: stationNowMs - 86_400_000,
  });
  past.voted.add('v1').add('v2');
  past.tallies[0] = 2;
  return api;
}

const rowOf = (wrapper: Awaited<ReturnType<typeof mountScreen>>['wrapper'], name: string) => {
  const row = wrapper.findAll('tbody tr').find((candidate) => candidate.get('th').text() === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  return row.findAll('td').map((cell) => cell.text());
};

describe('the list of elections', () => {
  it('shows each election with its groups, choices, end in local time with the zone, state and vote count', async () => {
    const { wrapper } = await mountScreen(ElectionList, {
      api: stationWithElections(),
      signedInAs: official,
    });
    expect(wrapper.findAll('thead th').map((cell) => cell.text())).toEqual([
      'Name',
      'Groups',
      'Choices',
      'Voting ends',
      'State',
      'Votes cast',
    ]);
    // Open ones first (soonest end first), then closed ones.
    expect(wrapper.findAll('tbody th').map((cell) => cell.text())).toEqual(['Mayor', 'Budget', 'Chair']);
    const [groups, choices, ends, state, votes] = rowOf(wrapper, 'Chair');
    expect([groups, choices, state, votes]).toEqual(['board', 'Wu', 'Closed', '2']);
    expect(ends).toMatch(/^Apr 30, 2030, 4:00\sPM \(Asia\/Taipei, UTC\+08:00\)$/);
    expect(
      wrapper
        .findAll('tbody tr')[0]
        ?.findAll('li')
        .map((item) => item.text()),
    ).toEqual(['north', 'south', 'Chen', 'Lin']);
  });

  it('counts down in station time with one ticker, and stops it with the view', async () => {
    const api = stationWithElections();
    const { wrapper } = await mountScreen(ElectionList, { api, signedInAs: official });
    expect(vi.getTimerCount()).toBe(1);
    expect(rowOf(wrapper, 'Mayor')[3]).toBe('Open01:00:05 left');
    expect(rowOf(wrapper, 'Budget')[3]).toBe('Open2 days 00:01:00 left');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rowOf(wrapper, 'Mayor')[3]).toBe('Open01:00:04 left');
    expect(rowOf(wrapper, 'Budget')[3]).toBe('Open2 days 00:00:59 left');
    // The countdown never asks the station.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.callsOf('listElections')).toHaveLength(1);
    wrapper.unmount();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says "closing now" at zero until the station reports the election closed', async () => {
    const api = stationWithElections();
    const { wrapper } = await mountScreen(ElectionList, { api, signedInAs: official });
    // Jump the clock close to the end rather than ticking an hour away.
    vi.setSystemTime(screenNowMs + 3_604_500);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rowOf(wrapper, 'Mayor')[3]).toBe('OpenClosing now');
    api.setNow(stationNowMs + 3_605_000);
    api.emit({ type: 'election-closed', election: 'Mayor' });
    await flushPromises();
    expect(rowOf(wrapper, 'Mayor')[3]).toBe('Closed');
    expect(wrapper.findAll('tbody th').map((cell) => cell.text())).toEqual(['Budget', 'Mayor', 'Chair']);
  });

  it('reloads when the station pushes a change, and stops listening with the view', async () => {
    const api = stationWithElections();
    const { wrapper, station } = await mountScreen(ElectionList, { api, signedInAs: official });
    api.addElection({
      name: 'Library',
      groups: ['all'],
      choices: ['A', 'B'],
      endsAtMs: stationNowMs + 60_000,
    });
    api.emit({ type: 'elections-changed' });
    await flushPromises();
    expect(wrapper.findAll('tbody th').map((cell) => cell.text())).toContain('Library');
    expect(api.callsOf('listElections')).toHaveLength(2);
    // Events arriving together cause one more load, not one each.
    api.emit({ type: 'elections-changed' });
    api.emit({ type: 'elections-changed' });
    api.emit({ type: 'elections-changed' });
    await flushPromises();
    expect(api.callsOf('listElections')).toHaveLength(4);
    wrapper.unmount();
    api.emit({ type: 'elections-changed' });
    await flushPromises();
    expect(api.callsOf('listElections')).toHaveLength(4);
    expect(station.status?.stationId).toBe('station-a');
  });

  it('says when there are no elections, and when the station does not answer', async () => {
    const api = new FakeInterfaceApi({ nowMs: stationNowMs });
    const { wrapper } = await mountScreen(ElectionList, { api, signedInAs: official });
    expect(wrapper.text()).toContain('No elections yet.');
    api.setUnreachable(true);
    api.emit({ type: 'elections-changed' });
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'The list of elections could not be loaded: the station did not answer.',
    );
  });
});
