import { useTranslation } from 'react-i18next';
import { LOCALE_NAMES, LOCALES } from '../i18n/locale.js';

export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <svg className="language__icon" viewBox="0 0 24 24" aria-hidden="true">
        <circle cx="12" cy="12" r="9" />
        <path d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z" />
      </svg>
      <span className="visually-hidden">{t('language.label')}</span>
      <select
        className="language__select"
        value={i18n.resolvedLanguage ?? 'en'}
        onChange={(e) => void i18n.changeLanguage(e.target.value)}
      >
        {LOCALES.map((locale) => (
          <option key={locale} value={locale} lang={locale}>
            {LOCALE_NAMES[locale]}
          </option>
        ))}
      </select>
    </label>
  );
}
