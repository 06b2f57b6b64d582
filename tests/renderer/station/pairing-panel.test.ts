import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import PairingPanel from '../../../renderer/src/features/station/PairingPanel.vue';
import { mountScreen } from '../support/mount.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

const keyPattern = /^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/;

describe('the pairing panel', () => {
  it('explains pairing with the commands to run on both machines', async () => {
    const { wrapper } = await mountScreen(PairingPanel);
    const commands = wrapper.findAll('code').map((code) => code.text());
    expect(commands).toEqual([
      'evote pair-key',
      'evote station --pair-key KEY',
      '--role primary',
      '--role backup',
      '--peer HOST:50052',
    ]);
    expect(wrapper.text()).toContain('changes nothing on this station');
  });

  it('generates a key in the renderer and shows it large with its QR code, then hides it', async () => {
    const random = vi.spyOn(crypto, 'getRandomValues');
    const { wrapper } = await mountScreen(PairingPanel);
    await wrapper.get('button').trigger('click');
    // The QR library loads lazily; under a loaded test run that can take a while.
    await vi.waitFor(
      () => {
        expect(wrapper.find('img').exists()).toBe(true);
      },
      { timeout: 10_000 },
    );
    expect(random).toHaveBeenCalledWith(expect.any(Uint8Array));
    expect((random.mock.calls.at(-1)?.[0] as Uint8Array).length).toBe(20);
    const key = wrapper.get('.pairing__key').text();
    expect(key).toMatch(keyPattern);
    expect(wrapper.get('img').attributes('alt')).toBe('QR code of the pairing key');
    expect(wrapper.get('img').attributes('src')).toMatch(/^data:image\/png;base64,/);
    expect(document.activeElement?.id).toBe('pairing-key-heading');
    expect(wrapper.text()).toContain('Keep this key secret');

    await wrapper.get('button').trigger('click');
    await flushPromises();
    expect(wrapper.get('.pairing__key').text()).not.toBe(key);

    const hide = wrapper.findAll('button').find((button) => button.text() === 'Hide the pairing key');
    await hide?.trigger('click');
    expect(wrapper.find('.pairing__key').exists()).toBe(false);
    random.mockRestore();
  });
});
