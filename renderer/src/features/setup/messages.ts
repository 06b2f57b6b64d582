import type { FeatureMessages } from '../../i18n/index.ts';

export const setupMessages: FeatureMessages<{ setup: Record<string, string> }> = {
  en: { setup: {} },
  'zh-TW': { setup: {} },
};
