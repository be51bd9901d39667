import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { EligibleUpdate, Locale } from '@pnc/shared';
import { formatDuration, formatSize, formatSpeed } from '../i18n/format.js';
import { estimateKeySeconds } from '../stores/settings-store.js';
import { useNav, useSettings, useVehicle } from '../stores/stores-context.js';
import { selectedUpdates } from '../stores/vehicle-store.js';
import { HEAD_UNIT_NAMES } from './names.js';
import { NotApplicableList } from './NotApplicableList.js';
import { StepActions } from './StepActions.js';
import { campaignsFirst, isOpenCampaign } from './update-order.js';
import { VehicleBar } from './VehicleBar.js';

function useEstimate(): (bytes: number) => string {
  const { t, i18n } = useTranslation();
  const link = useSettings((s) => s.link);
  const measuring = useSettings((s) => s.measuring);
  const locale = i18n.resolvedLanguage ?? 'en';
  return (bytes) => {
    const seconds = estimateKeySeconds(bytes, link);
    if (seconds === null) return measuring ? t('updates.estimating') : t('updates.estimateUnknown');
    return t('updates.estimate', { duration: formatDuration(seconds, locale) });
  };
}

function UpdateItem({ update, checked }: { update: EligibleUpdate; checked: boolean }) {
  const { t, i18n } = useTranslation();
  const toggle = useVehicle((s) => s.toggleUpdate);
  const estimate = useEstimate();
  const locale = (i18n.resolvedLanguage ?? 'en') as Locale;
  const title = update.title[locale] ?? update.title.en;
  const open = isOpenCampaign(update);
  const id = `update-${update.packageId}`;
  return (
    <li className={`update update--selectable${open ? ' update--campaign' : ''}${checked ? ' update--checked' : ''}`}>
      <input
        id={id}
        type="checkbox"
        className="checkbox"
        checked={checked}
        onChange={() => toggle(update.packageId)}
        aria-describedby={`${id}-meta`}
      />
      <span className={`kind kind--${update.kind.toLowerCase()}`}>{t(`updates.kind.${update.kind}`)}</span>
      <div className="update__main">
        {update.campaign && (
          <p className="update__campaign">
            <span className="chip">{t('updates.campaign', { code: update.campaign.code })}</span>
            {open && update.campaign.mandatory && (
              <span className="badge badge--mandatory">{t('updates.mandatory')}</span>
            )}
          </p>
        )}
        <label className="update__title" htmlFor={id}>
          {title}
        </label>
        <p className="update__meta" id={`${id}-meta`}>
          {HEAD_UNIT_NAMES[update.family]} ·{' '}
          {update.installedVersion
            ? t('updates.upgrade', { installed: update.installedVersion, version: update.version })
            : t('updates.version', { version: update.version })}
        </p>
        <p className="update__reason">{t(`updates.reason.${update.reason}`)}</p>
      </div>
      <div className="update__size">
        <span className="update__bytes">{formatSize(update.size, locale)}</span>
        <span className="update__files">{t('updates.files', { count: update.fileCount })}</span>
        <span className="update__time">{estimate(update.size)}</span>
      </div>
    </li>
  );
}

/** Which updates go on the key: campaigns first, all chosen at first, several on one key. */
export function UpdatesStep() {
  const { t, i18n } = useTranslation();
  const result = useVehicle((s) => s.result);
  const selected = useVehicle((s) => s.selected);
  const link = useSettings((s) => s.link);
  const measure = useSettings((s) => s.measure);
  const go = useNav((s) => s.go);
  const estimate = useEstimate();
  const locale = i18n.resolvedLanguage ?? 'en';

  useEffect(() => {
    void measure();
  }, [measure]);

  if (result === null) return null;
  const chosen = selectedUpdates({ result, selected });
  const total = chosen.reduce((n, u) => n + u.size, 0);
  const speed = link?.lastKeyBytesPerSecond ?? link?.lanBytesPerSecond ?? null;
  return (
    <>
      <section className="card step" aria-labelledby="updates-title">
        <VehicleBar />
        <h1 id="updates-title" className="step__title" tabIndex={-1}>
          {t('updates.title')}
        </h1>
        <p className="step__intro">{t('updates.intro')}</p>
        {result.eligible.length === 0 ? (
          <p className="empty">{t('updates.none')}</p>
        ) : (
          <ul className="update-list">
            {campaignsFirst(result.eligible).map((u) => (
              <UpdateItem key={u.packageId} update={u} checked={selected.includes(u.packageId)} />
            ))}
          </ul>
        )}
        <div className="totals" aria-live="polite">
          <div className="totals__item">
            <span className="totals__label">{t('updates.totalLabel')}</span>
            <span className="totals__value">
              {t('updates.chosen', { count: chosen.length, size: formatSize(total, locale) })}
            </span>
          </div>
          <div className="totals__item">
            <span className="totals__label">{t('updates.timeLabel')}</span>
            <span className="totals__value">{chosen.length ? estimate(total) : '—'}</span>
          </div>
          <div className="totals__item">
            <span className="totals__label">
              {link?.lastKeyBytesPerSecond ? t('updates.lastKeySpeed') : t('updates.lanSpeed')}
            </span>
            <span className="totals__value">{speed ? formatSpeed(speed, locale) : '—'}</span>
          </div>
        </div>
        <StepActions onBack={() => go('vehicle')}>
          <button
            type="button"
            className="button button--primary"
            aria-disabled={chosen.length === 0}
            onClick={() => chosen.length > 0 && go('key')}
          >
            {t('updates.continue')}
          </button>
        </StepActions>
      </section>
      <NotApplicableList items={result.notEligible} />
    </>
  );
}
