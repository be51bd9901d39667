import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyRecord } from '@pnc/shared';
import { formatDateTime } from '../i18n/format.js';
import { historyKeys } from '../stores/keys-store.js';
import { useKeys } from '../stores/stores-context.js';
import { packageTitles } from './ConfirmStep.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Icon } from './Icon.js';

function Status({ record }: { record: KeyRecord }) {
  const { t } = useTranslation();
  const c = record.confirmation;
  const tone = record.status === 'installed' ? 'ok' : record.status === 'failed' ? 'bad' : 'wait';
  return (
    <div className="history-status">
      <span className={`status-chip status-chip--${tone}`}>{t(`history.status.${record.status}`)}</span>
      {c?.failureReason && <span className="history-status__reason">{t(`confirm.reason.${c.failureReason}`)}</span>}
      {c && (
        <span className="history-status__sent">{c.acknowledged ? t('history.sent') : t('history.notSent')}</span>
      )}
    </div>
  );
}

/** Every key written on this workstation, newest first, with how each installation went. */
export function HistoryView() {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const keys = useKeys((s) => s.keys);
  const load = useKeys((s) => s.load);
  const failure = useKeys((s) => s.failure);
  useEffect(() => {
    void load();
  }, [load]);
  const all = historyKeys(keys);
  return (
    <section className="card step" aria-labelledby="history-title">
      <h1 id="history-title" className="step__title" tabIndex={-1}>
        {t('history.title')}
      </h1>
      <p className="step__intro">{t('history.intro')}</p>
      {failure && <ErrorNotice error={failure} />}
      {all.length === 0 ? (
        <div className="empty-state">
          <Icon name="history" className="empty-state__icon" />
          <p className="empty-state__title">{t('history.none')}</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('history.columns.date')}</th>
                <th scope="col">{t('history.columns.vehicle')}</th>
                <th scope="col">{t('history.columns.updates')}</th>
                <th scope="col">{t('history.columns.result')}</th>
              </tr>
            </thead>
            <tbody>
              {all.map((k) => (
                <tr key={k.keyId}>
                  <td className="table__date">{formatDateTime(k.writtenAt, locale)}</td>
                  <td>
                    <span className="vin-chip vin-chip--small">{k.vin}</span>
                  </td>
                  <td>
                    {packageTitles(k, locale)}
                    {k.confirmation?.note && <p className="table__note">“{k.confirmation.note}”</p>}
                  </td>
                  <td>
                    <Status record={k} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
