import { useTranslation } from 'react-i18next';
import type { EligibleUpdate, Locale } from '@pnc/shared';
import { formatSize } from '../i18n/format.js';
import { HEAD_UNIT_NAMES } from './names.js';
import { campaignsFirst, isOpenCampaign } from './update-order.js';

function UpdateItem({ update }: { update: EligibleUpdate }) {
  const { t, i18n } = useTranslation();
  const locale = (i18n.resolvedLanguage ?? 'en') as Locale;
  const title = update.title[locale] ?? update.title.en;
  const open = isOpenCampaign(update);
  return (
    <li className={`update${open ? ' update--campaign' : ''}`}>
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
        <p className="update__title">{title}</p>
        <p className="update__meta">
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
      </div>
    </li>
  );
}

export function UpdateList({ updates }: { updates: readonly EligibleUpdate[] }) {
  const { t, i18n } = useTranslation();
  const total = updates.reduce((n, u) => n + u.size, 0);
  return (
    <section className="updates" aria-labelledby="updates-title">
      <div className="section-head">
        <h2 id="updates-title" className="section-head__title">
          {t('updates.title')}
        </h2>
        {updates.length > 0 && (
          <p className="section-head__meta">
            {t('updates.summary', {
              count: updates.length,
              size: formatSize(total, i18n.resolvedLanguage ?? 'en'),
            })}
          </p>
        )}
      </div>
      {updates.length === 0 ? (
        <p className="card empty">{t('updates.none')}</p>
      ) : (
        <ul className="update-list">
          {campaignsFirst(updates).map((u) => (
            <UpdateItem key={u.packageId} update={u} />
          ))}
        </ul>
      )}
    </section>
  );
}
