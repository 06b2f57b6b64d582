import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import StationBadge from '../../../renderer/src/components/StationBadge.vue';
import { FakeInterfaceApi, protectedStatus } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

const warningTexts = (wrapper: Awaited<ReturnType<typeof mountScreen>>['wrapper']) =>
  wrapper.findAll('.station-badge__warning').map((warning) => warning.text());

describe('the station badge', () => {
  it('shows nothing until the status is known', async () => {
    const { wrapper } = await mountScreen(StationBadge, { stationReady: false });
    expect(wrapper.find('.station-badge').exists()).toBe(false);
  });

  it('shows role and epoch in a polite status region, with no warning when protected', async () => {
    const { wrapper } = await mountScreen(StationBadge, {
      api: new FakeInterfaceApi({ status: protectedStatus }),
    });
    const badge = wrapper.get('.station-badge');
    expect(badge.attributes('role')).toBe('status');
    expect(badge.attributes('aria-label')).toBe('Station status');
    expect(badge.text()).toBe('Primary · epoch 3');
    expect(warningTexts(wrapper)).toEqual([]);
  });

  it('writes each warning out next to an icon hidden from screen readers', async () => {
    const { wrapper } = await mountScreen(StationBadge);
    expect(warningTexts(wrapper)).toEqual([', Unprotected', ', No backup']);
    expect(wrapper.get('.station-badge').text()).toBe('Primary · epoch 0, Unprotected, No backup');
    for (const icon of wrapper.findAll('.station-badge__warning svg')) {
      expect(icon.attributes('aria-hidden')).toBe('true');
    }
  });

  it('follows pushed status: a take-over, then a backup that becomes read-only', async () => {
    const api = new FakeInterfaceApi({ status: protectedStatus });
    const { wrapper } = await mountScreen(StationBadge, { api });
    api.setStatus({ role: 'backup', epoch: 4, writable: false, unprotected: false });
    await flushPromises();
    expect(wrapper.get('.station-badge').text()).toBe('Backup · epoch 4, Read-only');
  });
});
