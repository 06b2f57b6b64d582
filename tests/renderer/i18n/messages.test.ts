import { describe, expect, it } from 'vitest';
import type { StationStatus } from '../../../core/api/interface-api.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import { electionsMessages } from '../../../renderer/src/features/elections/messages.ts';
import { resultsMessages } from '../../../renderer/src/features/results/messages.ts';
import { setupMessages } from '../../../renderer/src/features/setup/messages.ts';
import { stationMessages } from '../../../renderer/src/features/station/messages.ts';
import { voteMessages } from '../../../renderer/src/features/vote/messages.ts';
import { votersMessages } from '../../../renderer/src/features/voters/messages.ts';
import { commonMessages } from '../../../renderer/src/i18n/common-messages.ts';
import { createStationI18n, locales } from '../../../renderer/src/i18n/index.ts';
import { unavailableMessage } from '../../../renderer/src/i18n/unavailable-message.ts';
import { standaloneStatus } from '../support/fake-api.ts';
import { leafKeys } from '../support/message-keys.ts';

const features = {
  common: commonMessages,
  setup: setupMessages,
  station: stationMessages,
  voters: votersMessages,
  elections: electionsMessages,
  vote: voteMessages,
  results: resultsMessages,
};

describe('the interface’s messages', () => {
  it.each(Object.entries(features))('%s has the same keys in both languages', (_name, messages) => {
    expect(leafKeys(messages['zh-TW'])).toEqual(leafKeys(messages.en));
  });
});

describe('why the station took no write', () => {
  // The messages' type holds every reason the station can give (a new one fails to compile).
  const reasons = Object.keys(commonMessages.en.unavailable).filter(
    (key): key is UnavailableReason => key !== 'notPrimaryAt',
  );
  const backup: StationStatus = {
    ...standaloneStatus,
    role: 'backup',
    writable: false,
    peer: { ...standaloneStatus.peer, connected: true, address: '10.0.0.5:50052' },
  };

  it.each(locales)(
    'reads in %s, one message per reason, naming the primary when a backup knows it',
    (locale) => {
      const i18n = createStationI18n(locale).global;
      expect(reasons).toContain('backup-unavailable');
      const texts = reasons.map((reason) => {
        const { key, params } = unavailableMessage(reason, standaloneStatus);
        expect(i18n.te(key, locale), key).toBe(true);
        return i18n.t(key, params);
      });
      expect(new Set(texts).size).toBe(reasons.length);
      const atPrimary = unavailableMessage('not-primary', backup);
      expect(atPrimary.key).toBe('unavailable.notPrimaryAt');
      expect(i18n.t(atPrimary.key, atPrimary.params)).toContain('10.0.0.5:50052');
    },
  );

  it('names no address a primary happens to know (its peer is the backup)', () => {
    const primary: StationStatus = { ...backup, role: 'primary' };
    expect(unavailableMessage('not-primary', primary)).toEqual({
      key: 'unavailable.not-primary',
      params: {},
    });
    expect(unavailableMessage('stopping', backup)).toEqual({ key: 'unavailable.stopping', params: {} });
  });
});
