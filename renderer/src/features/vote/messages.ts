import type { FeatureMessages } from '../../i18n/index.ts';

export const voteMessages: FeatureMessages<{ vote: Record<string, string> }> = {
  en: { vote: {} },
  'zh-TW': { vote: {} },
};
