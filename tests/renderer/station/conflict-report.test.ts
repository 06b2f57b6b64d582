/**
 * The conflict report on the station screen: the merges and every kind of
 * conflict in plain words with station times and their zone, the empty
 * states, reloading when (and only when) the station pushes
 * `conflicts-changed`, and the same explanations in Traditional Chinese.
 */
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Conflict } from '../../../core/api/interface-api.ts';
import StationView from '../../../renderer/src/features/station/StationView.vue';
import { explainConflict } from '../../../renderer/src/features/station/conflict-report.ts';
import { createStationI18n, locales } from '../../../renderer/src/i18n/index.ts';
import {
  cleanMergeReport,
  doubleVote,
  electionMerged,
  electionRenamed,
  notReplayed,
  registrationLost,
  registrationVote,
  sampleConflictReport,
} from '../support/conflict-report.ts';
import { FakeInterfaceApi, protectedStatus } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';
import { useTimeZone } from '../support/time-zone.ts';

useTimeZone('Asia/Taipei');
afterEach(() => {
  document.body.innerHTML = '';
});

const accepted = '2030-05-01 16:10:05 (Asia/Taipei, UTC+08:00)';
const merged = '2030-05-01 16:30:00 (Asia/Taipei, UTC+08:00)';

async function mountStation(api: FakeInterfaceApi) {
  const mounted = await mountScreen(StationView, { api, path: '/station', signedInAs: 'Alice' });
  const section = () => mounted.wrapper.get('section[aria-labelledby="conflicts-heading"]');
  /** Each row of the table captioned `caption`, as its cells' texts. */
  const table = (caption: string) => {
    const found = section()
      .findAll('table')
      .find((candidate) => candidate.get('caption').text() === caption);
    if (found === undefined) return null;
    return found.findAll('tbody tr').map((row) => row.findAll('th, td').map((cell) => cell.text()));
  };
  return { ...mounted, section, table };
}

describe('the conflict report on the station screen', () => {
  it('says there is no conflict when no split was ever reconciled', async () => {
    const { section, table } = await mountStation(new FakeInterfaceApi({ status: protectedStatus }));
    expect(section().get('h2').text()).toBe('Conflict report');
    expect(section().get('.notice--ok').text()).toBe(
      'No conflicts: this station has never had to reconcile its records with another station’s.',
    );
    expect(table('Each time the other station’s commands were carried over, oldest first')).toBeNull();
    expect(section().find('table').exists()).toBe(false);
  });

  it('lists a merge in which everything was carried over, with no conflict', async () => {
    const api = new FakeInterfaceApi({ status: protectedStatus });
    api.conflicts = cleanMergeReport;
    const { section, table } = await mountStation(api);
    expect(section().get('.notice--ok').text()).toBe(
      'No conflicts: every command the other station took on its own was carried over as it was.',
    );
    expect(table('Each time the other station’s commands were carried over, oldest first')).toEqual([
      [merged, 'station-b', '7', '7'],
    ]);
  });

  it('summarises the merges and explains each conflict in plain words, with times and their zone', async () => {
    const api = new FakeInterfaceApi({ status: protectedStatus });
    api.conflicts = sampleConflictReport;
    const { section, table } = await mountStation(api);
    expect(
      section()
        .findAll('h3')
        .map((heading) => heading.text()),
    ).toEqual(['Merges', 'Conflicts']);
    expect(section().find('.notice--ok').exists()).toBe(false);
    const mergeHeaders = section()
      .findAll('table')[0]
      ?.findAll('thead th')
      .map((cell) => cell.text());
    expect(mergeHeaders).toEqual([
      'When (station time)',
      'From station',
      'Commands carried over',
      'Of those, changed the records',
    ]);
    expect(table('Each time the other station’s commands were carried over, oldest first')).toEqual([
      [merged, 'station-b', '42', '36'],
    ]);
    expect(table('What could not be carried over as it was, oldest first')).toEqual([
      [
        'Voted on both stations',
        `Ada Lovelace voted in “Mayor 2030” on both stations. The vote is counted once: the vote the winning station held counts. The vote station station-b took at ${accepted} is not counted.`,
        merged,
      ],
      [
        'Same election name on both stations',
        'The election “Library budget” was created on both stations with the same groups, choices and end, so it is one election. The votes station station-b took for it are counted in it (each voter once).',
        merged,
      ],
      [
        'Same election name on both stations',
        `The election “Park renovation” was created on both stations, differently. The winning station’s election keeps the name. The one station station-b created at ${accepted} is kept as “Park renovation (station-b)”, and the votes taken for it there are counted there.`,
        merged,
      ],
      [
        'Registered differently on both stations',
        `Dana Scully was registered differently on the two stations (another key or group). The winning station’s registration stands; the one station station-b made at ${accepted} does not.`,
        merged,
      ],
      [
        'Registered differently on both stations',
        `Dana Scully was registered differently on the two stations, and the winning station’s registration stands. So this, done on station station-b at ${accepted} under the other registration, is listed and not counted: a vote by Dana Scully in “Mayor 2030”.`,
        merged,
      ],
      [
        'Could not be carried over',
        `Station station-b took this at ${accepted}: a vote by Fox Mulder in “Library budget”. It could not be carried over: the election had closed.`,
        merged,
      ],
    ]);
    // Each row is headed by its kind, for screen readers moving along a row.
    expect(section().findAll('tbody th[scope="row"]')).toHaveLength(sampleConflictReport.conflicts.length);
    expect(section().get('tbody time').attributes('datetime')).toBe('2030-05-01T08:30:00.000Z');
  });

  it('reloads the report when the station says it changed, and only then, and announces it', async () => {
    const api = new FakeInterfaceApi({ status: protectedStatus });
    const { section, table } = await mountStation(api);
    expect(api.callsOf('conflictReport')).toHaveLength(1);
    api.emit({ type: 'voters-changed' });
    api.emit({ type: 'elections-changed' });
    api.setStatus({ epoch: 4 });
    await flushPromises();
    expect(api.callsOf('conflictReport')).toHaveLength(1);

    api.setConflictReport(sampleConflictReport);
    await flushPromises();
    expect(api.callsOf('conflictReport')).toHaveLength(2);
    expect(table('What could not be carried over as it was, oldest first')).toHaveLength(6);
    expect(section().get('[aria-live="polite"]').text()).toBe(
      'The conflict report has changed: 6 conflicts.',
    );
  });

  it('says when the report could not be loaded', async () => {
    const api = new FakeInterfaceApi({ status: protectedStatus });
    api.conflictReport = () => Promise.reject(new TypeError('Failed to fetch'));
    const { section } = await mountStation(api);
    expect(section().get('[role="alert"]').text()).toBe(
      'The conflict report could not be loaded: the station did not answer.',
    );
  });
});

describe('the explanation of a conflict', () => {
  const all: readonly Conflict[] = [
    doubleVote,
    electionMerged,
    electionRenamed,
    registrationLost,
    registrationVote,
    notReplayed,
  ];

  it.each(locales)('is written out in %s, every name and time in place', (locale) => {
    const i18n = createStationI18n(locale).global;
    const t = (key: string, params: Readonly<Record<string, string | number>>) => i18n.t(key, params);
    const texts = all.map((conflict) => explainConflict(conflict, t));
    for (const text of texts) expect(text).not.toMatch(/[{}]|station\.conflicts/);
    expect(new Set(texts).size).toBe(all.length);
    expect(texts[0]).toContain('Ada Lovelace');
    expect(texts[0]).toContain(accepted);
    expect(texts[2]).toContain('Park renovation (station-b)');
    expect(texts[5]).toContain(i18n.t('station.conflicts.reasons.election-closed'));
  });

  it('gives the refusal as the station named it when it has no wording for it, and a command by its kind', () => {
    const i18n = createStationI18n('en').global;
    const t = (key: string, params: Readonly<Record<string, string | number>>) => i18n.t(key, params);
    // A kind and a reason this interface predates (a station newer than the interface).
    const odd = { ...notReplayed, reason: 'stale-history', command: 'recount' } as unknown as Conflict;
    expect(explainConflict(odd, t)).toBe(
      `Station station-b took this at ${accepted}: a command of the kind “recount”. It could not be carried over: the station refused it (“stale-history”).`,
    );
    expect(
      explainConflict({ ...notReplayed, command: 'merge-diverged', reason: 'merge-of-a-merge' }, t),
    ).toBe(
      `Station station-b took this at ${accepted}: a merge of commands from another split. It could not be carried over: it merged another split’s commands itself, which is never carried over again.`,
    );
    expect(explainConflict({ ...notReplayed, reason: null }, t)).toMatch(
      /It could not be carried over: the station gave no reason\.$/,
    );
    expect(explainConflict({ ...electionRenamed, resolution: 'not-counted' }, t)).toBe(
      `The election “Park renovation” that station station-b created at ${accepted} could not be kept: the votes taken for it there are not counted.`,
    );
  });
});
