import type { FeatureMessages } from '../../i18n/index.ts';

export const electionsMessages: FeatureMessages<{ elections: Record<string, string> }> = {
  en: { elections: {} },
  'zh-TW': { elections: {} },
};
