import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getResultCodes, outcome } from '../../../core/protocol/status-codes.ts';
import ResultsView from '../../../renderer/src/features/results/ResultsView.vue';
import { conflictCsv } from '../../../renderer/src/features/results/result-report.ts';
import { sampleConflictReport } from '../support/conflict-report.ts';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { captureDownloads } from '../support/downloads.ts';
import { mountScreen } from '../support/mount.ts';
import { useTimeZone } from '../support/time-zone.ts';

const official = 'Official Lin';

interface DrawnChart {
  readonly canvas: HTMLCanvasElement;
  readonly config: {
    readonly type: string;
    readonly data: { labels: string[]; datasets: { data: number[] }[] };
  };
}

// chart.js needs a real canvas; record what the screen asks of it instead.
const charts = vi.hoisted(() => ({ drawn: [] as DrawnChart[], registered: [] as unknown[], destroyed: 0 }));
vi.mock('chart.js', () => {
  class Chart {
    static register(...items: unknown[]): void {
      charts.registered.push(...items);
    }
    constructor(canvas: HTMLCanvasElement, config: DrawnChart['config']) {
      charts.drawn.push({ canvas, config });
    }
    destroy(): void {
      charts.destroyed += 1;
    }
  }
  return {
    Chart,
    BarController: 'BarController',
    BarElement: 'BarElement',
    CategoryScale: 'CategoryScale',
    LinearScale: 'LinearScale',
  };
});

useTimeZone('Asia/Taipei');
const saved = captureDownloads();
const stationNowMs = Date.UTC(2030, 4, 1, 8, 0, 0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(stationNowMs);
  charts.drawn.length = 0;
  charts.registered.length = 0;
  charts.destroyed = 0;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

function station(): FakeInterfaceApi {
  const api = new FakeInterfaceApi({ nowMs: stationNowMs });
  const chair = api.addElection({
    name: 'Chair, "2030"',
    groups: ['board'],
    choices: ['Chen', 'Lin, Jr.', 'Wang'],
    endsAtMs: stationNowMs - 3_600_000,
  });
  chair.tallies.splice(0, 3, 5, 3, 0);
  api.addElection({ name: 'Empty', groups: ['board'], choices: ['Yes', 'No'], endsAtMs: stationNowMs - 1 });
  api.addElection({
    name: 'Mayor',
    groups: ['north'],
    choices: ['A', 'B'],
    endsAtMs: stationNowMs + 3_600_000,
  });
  return api;
}

async function choose(wrapper: VueWrapper, election: string): Promise<void> {
  await wrapper.get('#results-election').setValue(election);
  await flushPromises();
}

describe('the results screen', () => {
  it('offers closed elections only, and gives open ones the time their results come', async () => {
    const { wrapper, api } = await mountScreen(ResultsView, { api: station(), signedInAs: official });
    expect(wrapper.get('label[for="results-election"]').text()).toBe('Closed election');
    const options = wrapper
      .findAll('#results-election option:not([disabled])')
      .map((option) => option.text());
    expect(options).toEqual(['Empty', 'Chair, "2030"']);
    const open = wrapper.get('.results__open li').text();
    expect(open).toMatch(/^Mayor: Results after May 1, 2030, 5:00\sPM \(Asia\/Taipei, UTC\+08:00\)$/);
    expect(api.callsOf('getResult')).toEqual([]);
    expect(wrapper.find('table').exists()).toBe(false);
  });

  it('shows the counts with percentages and the total, and a chart named for screen readers', async () => {
    const { wrapper } = await mountScreen(ResultsView, { api: station(), signedInAs: official });
    await choose(wrapper, 'Chair, "2030"');
    expect(wrapper.get('h2#result-report-heading').text()).toBe('Result of “Chair, "2030"”');
    expect(wrapper.get('caption').text()).toBe('Votes for each choice in “Chair, "2030"”');
    const rows = wrapper.findAll('tbody tr').map((row) => row.findAll('th, td').map((cell) => cell.text()));
    expect(rows).toEqual([
      ['Chen', '5', '62.5%'],
      ['Lin, Jr.', '3', '37.5%'],
      ['Wang', '0', '0.0%'],
    ]);
    expect(wrapper.findAll('tfoot th, tfoot td').map((cell) => cell.text())).toEqual([
      'Total',
      '8',
      '100.0%',
    ]);

    const canvas = wrapper.get('canvas');
    expect(canvas.attributes('role')).toBe('img');
    expect(canvas.attributes('aria-label')).toBe(
      'Bar chart of the votes for each choice in “Chair, "2030"”. The table has the same figures.',
    );
    expect(charts.registered).toEqual(['BarController', 'BarElement', 'CategoryScale', 'LinearScale']);
    expect(charts.drawn).toHaveLength(1);
    expect(charts.drawn[0]?.canvas).toBe(canvas.element);
    expect(charts.drawn[0]?.config.type).toBe('bar');
    expect(charts.drawn[0]?.config.data.labels).toEqual(['Chen', 'Lin, Jr.', 'Wang']);
    expect(charts.drawn[0]?.config.data.datasets[0]?.data).toEqual([5, 3, 0]);
  });

  it('says so when nobody voted, without a chart', async () => {
    const { wrapper } = await mountScreen(ResultsView, { api: station(), signedInAs: official });
    await choose(wrapper, 'Empty');
    expect(wrapper.findAll('tbody td').map((cell) => cell.text())).toEqual([
      '0',
      'no votes',
      '0',
      'no votes',
    ]);
    expect(wrapper.text()).toContain('No votes were cast in this election.');
    expect(wrapper.find('canvas').exists()).toBe(false);
    expect(charts.drawn).toEqual([]);
  });

  it('shows the station’s refusal while voting is open, never a count', async () => {
    const api = station();
    // The list and the station disagree (a clock moved back): the station's refusal is shown.
    vi.spyOn(api, 'getResult').mockResolvedValue({
      outcome: outcome(getResultCodes, 'election-ongoing'),
      counts: [],
    });
    const { wrapper } = await mountScreen(ResultsView, { api, signedInAs: official });
    await choose(wrapper, 'Empty');
    const alert = wrapper.get('[role="alert"]');
    expect(alert.get('.results__refusal').text()).toBe(
      'Voting in “Empty” is still open. Results are given only after it ends: there is no partial count.',
    );
    expect(alert.text()).toContain('Code for support: 2 election-ongoing');
    expect(wrapper.find('table').exists()).toBe(false);
  });

  it('makes an election selectable as soon as the station reports it closed, and says so', async () => {
    const api = station();
    const { wrapper } = await mountScreen(ResultsView, { api, signedInAs: official });
    api.setNow(stationNowMs + 3_600_000);
    api.emit({ type: 'election-closed', election: 'Mayor' });
    await flushPromises();
    const options = wrapper
      .findAll('#results-election option:not([disabled])')
      .map((option) => option.text());
    expect(options).toContain('Mayor');
    expect(wrapper.find('.results__open').exists()).toBe(false);
    expect(wrapper.get('p[aria-live="polite"]').text()).toBe(
      '“Mayor” has closed. Its results can be shown now.',
    );
    await choose(wrapper, 'Mayor');
    expect(wrapper.findAll('tbody th').map((cell) => cell.text())).toEqual(['A', 'B']);
  });

  it('exports the CSV and the JSON as files named after the election', async () => {
    const { wrapper } = await mountScreen(ResultsView, { api: station(), signedInAs: official });
    await choose(wrapper, 'Chair, "2030"');
    const actions = wrapper.get('[role="group"][aria-label="Export and print"]');
    for (const label of ['Save as CSV', 'Save as JSON']) {
      const button = actions.findAll('button').find((candidate) => candidate.text() === label);
      await button?.trigger('click');
    }
    expect([...saved.keys()]).toEqual(['Chair, _2030_-results.csv', 'Chair, _2030_-results.json']);
    const csv = saved.get('Chair, _2030_-results.csv');
    expect(csv?.type).toBe('text/csv;charset=utf-8');
    expect(await csv?.text()).toBe('choice,votes\r\nChen,5\r\n"Lin, Jr.",3\r\nWang,0\r\n');
    const json = saved.get('Chair, _2030_-results.json');
    expect(json?.type).toBe('application/json;charset=utf-8');
    expect(JSON.parse((await json?.text()) ?? '')).toEqual({
      election: 'Chair, "2030"',
      stationId: 'station-a',
      exportedAt: '2030-05-01T08:00:00.000Z',
      counts: [
        { choice: 'Chen', count: 5 },
        { choice: 'Lin, Jr.', count: 3 },
        { choice: 'Wang', count: 0 },
      ],
      conflicts: { merges: [], conflicts: [] },
    });
  });

  it('gives the conflict report with the results: in the report, the JSON, and a CSV of its own', async () => {
    const api = station();
    api.conflicts = sampleConflictReport;
    const { wrapper } = await mountScreen(ResultsView, { api, signedInAs: official });
    await choose(wrapper, 'Chair, "2030"');
    const section = wrapper.get('section[aria-labelledby="conflicts-heading"]');
    expect(section.get('h3').text()).toBe('Conflict report');
    expect(section.findAll('h4').map((heading) => heading.text())).toEqual(['Merges', 'Conflicts']);
    expect(section.text()).toContain('This report is the whole station’s, not only this election’s.');
    expect(section.findAll('tbody tr')).toHaveLength(1 + sampleConflictReport.conflicts.length);
    // Printed with the result: not left off the page.
    expect(section.element.closest('.no-print')).toBeNull();

    const actions = wrapper.get('[role="group"][aria-label="Export and print"]');
    for (const label of ['Save conflict report as CSV', 'Save as JSON']) {
      const button = actions.findAll('button').find((candidate) => candidate.text() === label);
      await button?.trigger('click');
    }
    expect([...saved.keys()]).toEqual(['Chair, _2030_-conflicts.csv', 'Chair, _2030_-results.json']);
    expect(await saved.get('Chair, _2030_-conflicts.csv')?.text()).toBe(conflictCsv(sampleConflictReport));
    const json = JSON.parse((await saved.get('Chair, _2030_-results.json')?.text()) ?? '') as {
      conflicts: { merges: unknown[]; conflicts: unknown[] };
    };
    expect(json.conflicts.merges).toHaveLength(1);
    expect(json.conflicts.conflicts).toHaveLength(sampleConflictReport.conflicts.length);
  });

  it('prints a report stamped to the second with the time zone and the station id', async () => {
    // happy-dom has no print dialog.
    const print = vi.fn();
    Object.defineProperty(window, 'print', { value: print, configurable: true });
    const { wrapper } = await mountScreen(ResultsView, { api: station(), signedInAs: official });
    await choose(wrapper, 'Chair, "2030"');
    vi.setSystemTime(stationNowMs + 65_432);
    const button = wrapper.findAll('button').find((candidate) => candidate.text() === 'Print report');
    await button?.trigger('click');
    await flushPromises();
    expect(print).toHaveBeenCalledTimes(1);
    expect(wrapper.get('[data-testid="report-stamp"]').text()).toBe(
      'Report printed 2030-05-01 16:01:05 (Asia/Taipei, UTC+08:00)',
    );
    expect(wrapper.text()).toContain('Station station-a');
    expect(wrapper.text()).toMatch(/Voting ended May 1, 2030, 3:00\sPM \(Asia\/Taipei, UTC\+08:00\)/);
    // The browser's own print command stamps the report too.
    vi.setSystemTime(stationNowMs + 120_000);
    window.dispatchEvent(new Event('beforeprint'));
    await flushPromises();
    expect(wrapper.get('[data-testid="report-stamp"]').text()).toBe(
      'Report printed 2030-05-01 16:02:00 (Asia/Taipei, UTC+08:00)',
    );
    // Choosing and exporting controls are left off the printed page.
    expect(wrapper.get('[role="group"][aria-label="Export and print"]').classes()).toContain('no-print');
    expect(wrapper.get('#results-election').element.closest('.no-print')).not.toBeNull();
  });

  it('says when the station does not answer', async () => {
    const { wrapper, api } = await mountScreen(ResultsView, { api: station(), signedInAs: official });
    api.setUnreachable(true);
    await choose(wrapper, 'Empty');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'The result could not be loaded: the station did not answer.',
    );
  });
});
