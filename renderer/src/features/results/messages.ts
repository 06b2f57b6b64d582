import type { FeatureMessages } from '../../i18n/index.ts';

export const resultsMessages: FeatureMessages<{ results: Record<string, string> }> = {
  en: { results: {} },
  'zh-TW': { results: {} },
};
