import { Locale, LOCALES } from '@pnc/shared';

export const LOCALE_STORAGE_KEY = 'pnc.locale';

/** The saved choice, else the first browser language we speak, else English. */
export function pickLocale(saved: string | null, browserLanguages: readonly string[]): Locale {
  const savedLocale = Locale.safeParse(saved);
  if (savedLocale.success) return savedLocale.data;
  for (const tag of browserLanguages) {
    const primary = Locale.safeParse(tag.toLowerCase().split('-')[0]);
    if (primary.success) return primary.data;
  }
  return 'en';
}

/** Each language named in itself, as people look for their own. */
export const LOCALE_NAMES: Record<Locale, string> = {
  it: 'Italiano',
  fr: 'Français',
  es: 'Español',
  en: 'English',
  de: 'Deutsch',
};

export { LOCALES };
