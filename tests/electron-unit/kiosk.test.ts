import { describe, expect, it, vi } from 'vitest';
import { isVoterScreenUrl, KioskController } from '../../electron/kiosk.ts';

function fakeWindow() {
  return { setKiosk: vi.fn(), setFullScreen: vi.fn(), setMenuBarVisibility: vi.fn() };
}

describe('kiosk mode', () => {
  it('knows the voter screen', () => {
    expect(isVoterScreenUrl('app://station/index.html#/vote')).toBe(true);
    expect(isVoterScreenUrl('app://station/index.html#/vote?lang=zh-TW')).toBe(true);
    expect(isVoterScreenUrl('app://station/index.html#/voters')).toBe(false);
    expect(isVoterScreenUrl('app://station/index.html#/station')).toBe(false);
    expect(isVoterScreenUrl('https://example.org/#/vote')).toBe(false);
  });

  it('is entered on the voter screen and left only by an official signing in', () => {
    const window = fakeWindow();
    const onChange = vi.fn();
    const kiosk = new KioskController(window, onChange);
    kiosk.navigated('app://station/index.html#/station');
    expect(kiosk.active).toBe(false);
    kiosk.navigated('app://station/index.html#/vote');
    expect(kiosk.active).toBe(true);
    expect(window.setKiosk).toHaveBeenLastCalledWith(true);
    expect(window.setFullScreen).toHaveBeenLastCalledWith(true);
    expect(window.setMenuBarVisibility).toHaveBeenLastCalledWith(false);
    // Navigating elsewhere (the sign-in screen) does not leave it.
    kiosk.navigated('app://station/index.html#/sign-in?next=/station');
    kiosk.navigated('app://station/index.html#/station');
    expect(kiosk.active).toBe(true);
    expect(kiosk.mayClose(false)).toBe(false);
    expect(kiosk.mayClose(true)).toBe(true);
    kiosk.officialSignedIn();
    expect(kiosk.active).toBe(false);
    expect(window.setKiosk).toHaveBeenLastCalledWith(false);
    expect(window.setMenuBarVisibility).toHaveBeenLastCalledWith(true);
    expect(kiosk.mayClose(false)).toBe(true);
    expect(onChange.mock.calls).toEqual([[true], [false]]);
  });
});
