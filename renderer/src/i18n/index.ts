/**
 * English and Traditional Chinese, switchable at any time. Each feature keeps
 * its messages in its own `messages.ts`; this file merges them per locale.
 */
import { createI18n } from 'vue-i18n';
import { commonMessages } from './common-messages.ts';
import { setupMessages } from '../features/setup/messages.ts';
import { stationMessages } from '../features/station/messages.ts';
import { votersMessages } from '../features/voters/messages.ts';
import { electionsMessages } from '../features/elections/messages.ts';
import { voteMessages } from '../features/vote/messages.ts';
import { resultsMessages } from '../features/results/messages.ts';

export const locales = ['en', 'zh-TW'] as const;
export type Locale = (typeof locales)[number];

/** A feature's messages: the same keys in every locale (checked by the type). */
export type FeatureMessages<T> = Readonly<Record<Locale, T>>;

/** A message key with its parameters: kept as such and translated when shown, so it follows the language switch. */
export interface MessageRef {
  readonly key: string;
  readonly params: Readonly<Record<string, string | number>>;
}

const features = [
  commonMessages,
  setupMessages,
  stationMessages,
  votersMessages,
  electionsMessages,
  voteMessages,
  resultsMessages,
];

/** The messages of every feature in one locale (the schema is checked per feature by FeatureMessages). */
function messagesFor(locale: Locale): StationMessages {
  const merged: StationMessages = {};
  for (const feature of features) Object.assign(merged, feature[locale]);
  return merged;
}

/** Typed loosely on purpose: the schema is checked per feature, and vue-i18n's inferred types of the merged messages grow too deep for the compiler. */
type StationMessages = Record<string, Record<string, unknown>>;

const localeStorageKey = 'evote.locale';

/** The locale chosen last on this machine, English otherwise. */
export function savedLocale(): Locale {
  const saved = localStorage.getItem(localeStorageKey);
  return locales.find((locale) => locale === saved) ?? 'en';
}

export function createStationI18n(locale: Locale) {
  return createI18n<[StationMessages], Locale, false>({
    // Composition mode; vue-i18n 11 marks the option deprecated but still requires it to leave legacy mode.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en: messagesFor('en'), 'zh-TW': messagesFor('zh-TW') },
  });
}

export function rememberLocale(locale: Locale): void {
  localStorage.setItem(localeStorageKey, locale);
  document.documentElement.lang = locale;
}
