import { useTranslation } from 'react-i18next';
import { formatAge, formatDateTime } from '../i18n/format.js';
import { isConnected } from '../stores/connection-store.js';
import { useConnection } from '../stores/stores-context.js';
import { ContentBadge } from './ContentBadge.js';
import { Icon } from './Icon.js';
import { useNow } from './use-now.js';

/** The dealership's server as this workstation sees it: content, its age and signature, the last sync. */
export function StatusView({ onChangeServer }: { onChangeServer: () => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const connection = useConnection((s) => s.connection);
  const receivedAt = useConnection((s) => s.receivedAt);
  const connect = useConnection((s) => s.connect);
  const busy = useConnection((s) => s.pending === 'connect');
  const now = useNow(30_000);
  if (!isConnected(connection)) return null;
  const { server, serverUrl } = connection;
  const content = server.content;
  const since = Math.max(0, Math.round((now - receivedAt) / 1000));
  const sync = server.lastSync;
  const stale = content !== null && content.ageSeconds + since > 3 * 86_400;
  const rows: Array<[string, string, string?]> = [
    [t('status.name'), server.name],
    [t('status.dealer'), server.dealerCode],
    [t('status.address'), serverUrl ?? '—'],
    [t('status.version'), server.version],
  ];
  const contentRows: Array<[string, string]> = content
    ? [
        [t('status.contentVersion'), String(content.version)],
        [t('status.contentAge'), formatAge(content.ageSeconds + since, locale)],
        [t('status.published'), formatDateTime(content.publishedAt, locale)],
        [t('status.expires'), formatDateTime(content.expiresAt, locale)],
        [t('status.packages'), new Intl.NumberFormat(locale).format(content.packages)],
      ]
    : [];
  return (
    <section className="card step" aria-labelledby="status-title">
      <h1 id="status-title" className="step__title" tabIndex={-1}>
        {t('status.title')}
      </h1>
      <p className="step__intro">{t('status.intro')}</p>
      <div className="status-grid">
        <div className="panel">
          <h2 className="panel__title">
            <Icon name="server" />
            {t('status.serverTitle')}
          </h2>
          <dl className="kv">
            {rows.map(([k, v]) => (
              <div key={k} className="kv__row">
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </div>
        <div className="panel">
          <h2 className="panel__title">
            <Icon name="check" />
            {t('status.contentTitle')}
          </h2>
          {content ? (
            <dl className="kv">
              {contentRows.map(([k, v]) => (
                <div key={k} className="kv__row">
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
              <div className="kv__row">
                <dt>{t('status.signature')}</dt>
                <dd>
                  <ContentBadge connection={connection} />
                </dd>
              </div>
            </dl>
          ) : (
            <p className="panel__empty">{t('server.noContent')}</p>
          )}
        </div>
        <div className="panel">
          <h2 className="panel__title">
            <Icon name="refresh" />
            {t('status.syncTitle')}
          </h2>
          {sync ? (
            <dl className="kv">
              <div className="kv__row">
                <dt>{t('status.syncAt')}</dt>
                <dd>
                  {formatDateTime(sync.at, locale)}
                </dd>
              </div>
              <div className="kv__row">
                <dt>{t('status.syncResult')}</dt>
                <dd>
                  <span className={`status-chip status-chip--${sync.status === 'ok' ? 'ok' : sync.status === 'failed' ? 'bad' : 'wait'}`}>
                    {t(`status.sync.${sync.status}`)}
                  </span>
                </dd>
              </div>
            </dl>
          ) : (
            <p className="panel__empty">{t('status.noSync')}</p>
          )}
          {(stale || sync?.status === 'failed') && <p className="panel__warning">{t('status.staleHint')}</p>}
        </div>
      </div>
      <div className="step-actions">
        <button type="button" className="button button--secondary" onClick={onChangeServer}>
          {t('status.change')}
        </button>
        <button
          type="button"
          className="button button--primary"
          aria-disabled={busy}
          onClick={() => !busy && serverUrl && void connect(serverUrl)}
        >
          {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="refresh" />}
          {t('status.refresh')}
        </button>
      </div>
    </section>
  );
}
