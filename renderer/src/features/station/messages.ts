import type { FeatureMessages } from '../../i18n/index.ts';

export const stationMessages: FeatureMessages<{ station: Record<string, string> }> = {
  en: { station: {} },
  'zh-TW': { station: {} },
};
