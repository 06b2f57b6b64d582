import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { interfaceLimits } from '../../../core/api/interface-api.ts';
import VotersView from '../../../renderer/src/features/voters/VotersView.vue';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';
import { buttonNamed, fieldLabelled } from './screen-queries.ts';

const pageSize = interfaceLimits.votersPageMax;
const rowHeightPx = 56;
/** The height of the list's scroll area: about 11 rows. */
const viewportPx = 600;

// happy-dom lays nothing out; the list's scroll area gets the height a browser would give it.
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockImplementation(function (this: HTMLElement) {
    return this.matches('[role="rowgroup"][tabindex="0"]') ? viewportPx : 0;
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

/** `count` voters named voter-000000, voter-000001, … (so the sorted order is the number order), in 50 groups. */
function stationWithVoters(count: number): FakeInterfaceApi {
  const api = new FakeInterfaceApi();
  const publicKey = new Uint8Array(32);
  for (let index = 0; index < count; index += 1) {
    api.voters.set(`voter-${String(index).padStart(6, '0')}`, { group: `Group ${index % 50}`, publicKey });
  }
  return api;
}

async function mountVoters(api: FakeInterfaceApi) {
  const mounted = await mountScreen(VotersView, { api, signedInAs: 'Official Lin' });
  await flushPromises();
  return mounted;
}

const table = (wrapper: VueWrapper) => wrapper.get('[role="table"]');
const dataRows = (wrapper: VueWrapper) => table(wrapper).findAll('[role="row"]').slice(1);
const offsetsAsked = (api: FakeInterfaceApi): number[] =>
  api.callsOf('listVoters').map((call) => call.offset);
const scroller = (wrapper: VueWrapper) => table(wrapper).get<HTMLElement>('[role="rowgroup"][tabindex="0"]');

async function scrollToRow(wrapper: VueWrapper, row: number): Promise<void> {
  const element = scroller(wrapper).element;
  element.scrollTop = row * rowHeightPx;
  element.dispatchEvent(new Event('scroll'));
  await flushPromises();
}

describe('the list of 100,000 voters', () => {
  const api = stationWithVoters(100_000);

  it('shows the total, exposes the row count, and renders only a small window of rows', async () => {
    api.calls.length = 0;
    const { wrapper } = await mountVoters(api);

    expect(wrapper.get('[data-testid="voter-total"]').text()).toBe('100,000 voters are registered.');
    expect(table(wrapper).attributes('aria-rowcount')).toBe('100001');
    expect(table(wrapper).attributes('aria-label')).toBe('Registered voters');
    const rows = dataRows(wrapper);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]?.attributes('aria-rowindex')).toBe('2');
    expect(rows[0]?.findAll('[role="cell"]').map((cell) => cell.text())).toEqual([
      'voter-000000',
      'Group 0',
      'Unregister',
    ]);
    // The height of all rows is reserved, so the scroll bar tells where one is in the whole register.
    const canvas = scroller(wrapper).get<HTMLElement>('div').element;
    expect(canvas.style.height).toBe(`${100_000 * rowHeightPx}px`);
    expect(offsetsAsked(api)).toEqual([0]);
    expect(api.callsOf('listVoters')[0]?.limit).toBe(pageSize);
  });

  it('loads the pages of rows scrolled into view, once each', async () => {
    api.calls.length = 0;
    const { wrapper } = await mountVoters(api);
    await scrollToRow(wrapper, 60_100);

    expect(offsetsAsked(api)).toEqual([0, 60_000]);
    const rows = dataRows(wrapper);
    expect(rows.length).toBeLessThan(60);
    const row = rows.find((candidate) => candidate.attributes('aria-rowindex') === '60102');
    expect(row?.get('[role="cell"]').text()).toBe('voter-060100');

    // Rows just before a page's first (in the overscan) bring in the page before it too.
    await scrollToRow(wrapper, 60_002);
    expect(offsetsAsked(api)).toEqual([0, 60_000, 59_500]);

    // Back to the top and down again: the pages are cached.
    await scrollToRow(wrapper, 0);
    await scrollToRow(wrapper, 60_100);
    expect(offsetsAsked(api)).toEqual([0, 60_000, 59_500]);
  });

  it('shows placeholder rows while a page is loading', async () => {
    const { wrapper } = await mountVoters(api);
    const element = scroller(wrapper).element;
    element.scrollTop = 30_100 * rowHeightPx;
    element.dispatchEvent(new Event('scroll'));
    await wrapper.vm.$nextTick();

    const row = () =>
      dataRows(wrapper).find((candidate) => candidate.attributes('aria-rowindex') === '30102');
    expect(row()?.text()).toBe('Loading…');
    await flushPromises();
    expect(row()?.get('[role="cell"]').text()).toBe('voter-030100');
  });

  it('keeps the rows reachable by keyboard: the list scrolls by keys and each row has a named button', async () => {
    const { wrapper } = await mountVoters(api);
    expect(scroller(wrapper).attributes('tabindex')).toBe('0');
    expect(buttonNamed(wrapper, 'Unregister voter-000003').element.tagName).toBe('BUTTON');
  });
});

describe('refreshing on voters-changed', () => {
  it('reloads the rows in view, keeps the scroll position and the rows until the new ones arrive', async () => {
    const api = stationWithVoters(5_000);
    const { wrapper } = await mountVoters(api);
    await scrollToRow(wrapper, 2_100);
    api.calls.length = 0;

    api.voters.delete('voter-002100');
    api.emit({ type: 'voters-changed' });
    await wrapper.vm.$nextTick();
    // Until the page is back, the stale row stays (no flicker of placeholders).
    const rowAt = (index: number) =>
      dataRows(wrapper).find((candidate) => candidate.attributes('aria-rowindex') === String(index + 2));
    expect(rowAt(2_100)?.get('[role="cell"]').text()).toBe('voter-002100');
    await flushPromises();

    expect(scroller(wrapper).element.scrollTop).toBe(2_100 * rowHeightPx);
    expect(offsetsAsked(api)).toEqual([2_000]);
    expect(rowAt(2_100)?.get('[role="cell"]').text()).toBe('voter-002101');
    expect(wrapper.get('[data-testid="voter-total"]').text()).toBe('4,999 voters are registered.');
    expect(table(wrapper).attributes('aria-rowcount')).toBe('5000');
  });

  it('does not reload pages out of view until they come back into view', async () => {
    const api = stationWithVoters(5_000);
    const { wrapper } = await mountVoters(api);
    await scrollToRow(wrapper, 2_100);
    api.emit({ type: 'voters-changed' });
    await flushPromises();
    api.calls.length = 0;
    await scrollToRow(wrapper, 0);
    expect(offsetsAsked(api)).toEqual([0]);
  });
});

describe('searching', () => {
  it('searches after typing pauses, shows and announces the matching count, and starts at the top', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = stationWithVoters(5_000);
    const { wrapper } = await mountVoters(api);
    await scrollToRow(wrapper, 3_000);
    api.calls.length = 0;

    const search = fieldLabelled(wrapper, 'Search by name or group');
    await search.setValue('Group 4');
    await search.setValue('Group 42');
    await flushPromises();
    expect(api.callsOf('listVoters')).toEqual([]);
    vi.advanceTimersByTime(250);
    // A browser reports the list's move to the top with a scroll event; happy-dom does not.
    scroller(wrapper).element.dispatchEvent(new Event('scroll'));
    await flushPromises();

    expect(api.callsOf('listVoters').map((call) => [call.search, call.offset])).toEqual([['Group 42', 0]]);
    expect(wrapper.get('[data-testid="voter-total"]').text()).toBe('100 voters match “Group 42”.');
    expect(wrapper.get('[aria-live="polite"]').text()).toBe('100 voters match “Group 42”.');
    expect(table(wrapper).attributes('aria-rowcount')).toBe('101');
    expect(scroller(wrapper).element.scrollTop).toBe(0);
    expect(dataRows(wrapper)[0]?.get('[role="cell"]').text()).toBe('voter-000042');
  });

  it('says so when nothing matches', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { wrapper } = await mountVoters(stationWithVoters(10));
    await fieldLabelled(wrapper, 'Search by name or group').setValue('nobody');
    vi.advanceTimersByTime(250);
    await flushPromises();
    expect(wrapper.get('[data-testid="voter-total"]').text()).toBe('No voter matches “nobody”.');
    expect(wrapper.find('[role="table"]').exists()).toBe(false);
  });
});

describe('when the list cannot be loaded', () => {
  it('says so and loads again on request', async () => {
    const api = stationWithVoters(10);
    const { wrapper } = await mountVoters(api);
    api.setUnreachable(true);
    api.emit({ type: 'voters-changed' });
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('could not be loaded');

    api.setUnreachable(false);
    await buttonNamed(wrapper, 'Try again').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="voter-total"]').text()).toBe('10 voters are registered.');
  });
});

describe('unregistering', () => {
  async function openDialogFor(name: string) {
    const api = stationWithVoters(10);
    const mounted = await mountVoters(api);
    const trigger = buttonNamed(mounted.wrapper, `Unregister ${name}`);
    await trigger.trigger('click');
    await flushPromises();
    const dialog = mounted.wrapper.get<HTMLDialogElement>('dialog');
    return { ...mounted, api, dialog, trigger };
  }

  it('asks in a modal dialog that names the voter, with focus on keeping them', async () => {
    const { dialog } = await openDialogFor('voter-000003');
    expect(dialog.element.open).toBe(true);
    expect(dialog.get('h2').text()).toBe('Unregister voter-000003?');
    expect(dialog.attributes('aria-labelledby')).toBe(dialog.get('h2').attributes('id'));
    expect(dialog.text()).toContain('voter-000003 will no longer be able to sign in and vote.');
    expect(document.activeElement?.textContent.trim()).toBe('Keep voter-000003');
  });

  it('keeps the voter on cancel and returns focus to the button that opened the dialog', async () => {
    const { api, dialog, trigger } = await openDialogFor('voter-000003');
    await buttonNamed(dialog, 'Keep voter-000003').trigger('click');
    await flushPromises();
    expect(dialog.element.open).toBe(false);
    expect(api.callsOf('unregisterVoter')).toEqual([]);
    expect(api.voters.has('voter-000003')).toBe(true);
    expect(document.activeElement).toBe(trigger.element);
  });

  it('cancels on Escape', async () => {
    const { api, dialog } = await openDialogFor('voter-000003');
    dialog.element.dispatchEvent(new Event('cancel', { cancelable: true }));
    await flushPromises();
    expect(dialog.element.open).toBe(false);
    expect(api.callsOf('unregisterVoter')).toEqual([]);
  });

  it('unregisters on confirm, says so, and the list follows', async () => {
    const { wrapper, api, dialog } = await openDialogFor('voter-000003');
    await buttonNamed(dialog, 'Unregister voter-000003').trigger('click');
    await flushPromises();

    expect(api.callsOf('unregisterVoter').map((call) => call.name)).toEqual(['voter-000003']);
    expect(dialog.element.open).toBe(false);
    expect(wrapper.get('[role="status"]').text()).toBe('voter-000003 is unregistered.');
    expect(wrapper.get('[data-testid="voter-total"]').text()).toBe('9 voters are registered.');
    expect(wrapper.text()).not.toContain('Unregister voter-000003');
    expect(document.activeElement?.textContent).toBe('Registered voters');
  });

  it('explains a voter someone else already unregistered', async () => {
    const { wrapper, api, dialog } = await openDialogFor('voter-000003');
    api.voters.delete('voter-000003');
    await buttonNamed(dialog, 'Unregister voter-000003').trigger('click');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'voter-000003 is not registered (someone may have unregistered them already).',
    );
  });

  it('explains a station that takes no changes', async () => {
    const { wrapper, api, dialog } = await openDialogFor('voter-000003');
    api.setUnavailable('not-primary');
    await buttonNamed(dialog, 'Unregister voter-000003').trigger('click');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('This station is not the primary right now');
    expect(api.voters.has('voter-000003')).toBe(true);
  });
});
