import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { formatSize, formatSpeed } from '../i18n/format.js';
import { LOCALE_NAMES, LOCALES } from '../i18n/locale.js';
import { useConnection, useSettings } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Icon } from './Icon.js';

const CACHE_SIZES = [0, 5_000_000_000, 20_000_000_000, 50_000_000_000, 100_000_000_000];

/** Language, server and the download cache: what a technician or dealer IT may change here. */
export function SettingsView({ onChangeServer }: { onChangeServer: () => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const settings = useSettings((s) => s.settings);
  const link = useSettings((s) => s.link);
  const measuring = useSettings((s) => s.measuring);
  const saving = useSettings((s) => s.saving);
  const failure = useSettings((s) => s.failure);
  const load = useSettings((s) => s.load);
  const update = useSettings((s) => s.update);
  const clearCache = useSettings((s) => s.clearCache);
  const exportLogs = useSettings((s) => s.exportLogs);
  const measure = useSettings((s) => s.measure);
  const serverUrl = useConnection((s) => s.connection?.serverUrl ?? null);
  const serverName = useConnection((s) => s.connection?.server?.name ?? null);

  useEffect(() => {
    void load();
  }, [load]);

  const sizes =
    settings && !CACHE_SIZES.includes(settings.cacheMaxBytes)
      ? [...CACHE_SIZES, settings.cacheMaxBytes].sort((a, b) => a - b)
      : CACHE_SIZES;

  return (
    <section className="card step" aria-labelledby="settings-title">
      <h1 id="settings-title" className="step__title" tabIndex={-1}>
        {t('settings.title')}
      </h1>
      <p className="step__intro">{t('settings.intro')}</p>
      <div className="settings">
        <div className="setting">
          <div className="setting__text">
            <label className="setting__title" htmlFor="settings-language">
              {t('settings.language')}
            </label>
            <p className="setting__hint">{t('settings.languageHint')}</p>
          </div>
          <select
            id="settings-language"
            className="select select--large"
            value={i18n.resolvedLanguage ?? 'en'}
            onChange={(e) => void i18n.changeLanguage(e.target.value)}
          >
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LOCALE_NAMES[l]}
              </option>
            ))}
          </select>
        </div>
        <div className="setting">
          <div className="setting__text">
            <p className="setting__title">{t('settings.server')}</p>
            <p className="setting__hint">
              {serverUrl ? `${serverName ?? ''} · ${serverUrl}` : t('server.notConnected')}
            </p>
          </div>
          <button type="button" className="button button--secondary" onClick={onChangeServer}>
            {t('settings.changeServer')}
          </button>
        </div>
        <div className="setting">
          <div className="setting__text">
            <label className="setting__title" htmlFor="settings-cache">
              {t('settings.cache')}
            </label>
            <p className="setting__hint">
              {settings
                ? t('settings.cacheUsed', {
                    count: settings.cacheFiles,
                    size: formatSize(settings.cacheUsedBytes, locale),
                  })
                : t('app.loading')}
            </p>
          </div>
          <div className="setting__controls">
            <select
              id="settings-cache"
              className="select select--large"
              value={settings?.cacheMaxBytes ?? ''}
              disabled={!settings || saving}
              onChange={(e) => void update({ cacheMaxBytes: Number(e.target.value) })}
            >
              {sizes.map((n) => (
                <option key={n} value={n}>
                  {n === 0
                    ? t('settings.cacheOff')
                    : t('settings.cacheUpTo', { size: formatSize(n, locale) })}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button button--secondary"
              aria-disabled={!settings || saving || settings.cacheFiles === 0}
              onClick={() => settings && settings.cacheFiles > 0 && !saving && void clearCache()}
            >
              <Icon name="trash" />
              {t('settings.clearCache')}
            </button>
          </div>
        </div>
        <div className="setting">
          <div className="setting__text">
            <p className="setting__title">{t('settings.speed')}</p>
            <p className="setting__hint" aria-live="polite">
              {link?.lanBytesPerSecond
                ? t('settings.speedLan', { speed: formatSpeed(link.lanBytesPerSecond, locale) })
                : t('settings.speedUnknown')}
              {link?.lastKeyBytesPerSecond
                ? ` · ${t('settings.speedKey', { speed: formatSpeed(link.lastKeyBytesPerSecond, locale) })}`
                : ''}
            </p>
          </div>
          <button
            type="button"
            className="button button--secondary"
            aria-disabled={measuring}
            onClick={() => !measuring && void measure()}
          >
            {measuring ? <span className="spinner spinner--dark" aria-hidden="true" /> : <Icon name="wifi" />}
            {t('settings.measure')}
          </button>
        </div>
        <div className="setting">
          <div className="setting__text">
            <p className="setting__title">{t('settings.logs')}</p>
            <p className="setting__hint">{t('settings.logsHint')}</p>
          </div>
          <button type="button" className="button button--secondary" onClick={() => void exportLogs()}>
            <Icon name="history" />
            {t('settings.exportLogs')}
          </button>
        </div>
      </div>
      {failure && <ErrorNotice error={failure} />}
    </section>
  );
}
