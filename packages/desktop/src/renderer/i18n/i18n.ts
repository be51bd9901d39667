import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Locale } from '@pnc/shared';
import { resources } from './resources.js';

export function createI18n(locale: Locale): i18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    resources: resources as Record<Locale, { translation: Record<string, unknown> }>,
    lng: locale,
    fallbackLng: 'en',
    // Resources are bundled: ready at once, no flash of keys.
    initAsync: false,
    // React escapes what it renders.
    interpolation: { escapeValue: false },
  });
  return instance;
}
