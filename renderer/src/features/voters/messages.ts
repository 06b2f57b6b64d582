import type { FeatureMessages } from '../../i18n/index.ts';

export const votersMessages: FeatureMessages<{ voters: Record<string, string> }> = {
  en: { voters: {} },
  'zh-TW': { voters: {} },
};
