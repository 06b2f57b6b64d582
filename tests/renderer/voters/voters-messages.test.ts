import { afterEach, describe, expect, it, vi } from 'vitest';
import { votersMessages } from '../../../renderer/src/features/voters/messages.ts';
import { createStationI18n, locales } from '../../../renderer/src/i18n/index.ts';
import { leafKeys } from '../support/message-keys.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const params = {
  name: 'N',
  group: 'G',
  bytes: 3,
  count: '5',
  search: 'S',
  done: '1',
  total: '2',
  registered: '1',
  size: '11.0',
  columns: 'group',
  column: 'x',
  rows: '9',
  max: '100,000',
  found: 4,
  expected: 3,
  row: 2,
  reason: 'R',
  shown: '500',
  from: 1,
  to: 2,
};

describe('the Voters screen’s messages', () => {
  it.each(locales)('all compile in %s and use every parameter they name', (locale) => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    const { t } = createStationI18n(locale).global;
    for (const key of leafKeys(votersMessages[locale])) {
      for (const plural of [0, 1, 5]) {
        const text = t(key, params, plural);
        expect(text, key).not.toBe(key);
        expect(text, key).not.toMatch(/[{}]/);
      }
    }
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });
});
