import { useTranslation } from 'react-i18next';
import { formatAge, formatDateTime } from '../i18n/format.js';
import { isConnected } from '../stores/connection-store.js';
import { useConnection } from '../stores/stores-context.js';
import { ContentBadge } from './ContentBadge.js';
import { useNow } from './use-now.js';

/** The server this workstation works with, and how fresh and trustworthy its content is. */
export function ServerSummary({ onChange }: { onChange: (() => void) | null }) {
  const { t, i18n } = useTranslation();
  const connection = useConnection((s) => s.connection);
  const receivedAt = useConnection((s) => s.receivedAt);
  const now = useNow(60_000);
  const locale = i18n.resolvedLanguage ?? 'en';

  if (!isConnected(connection)) {
    return (
      <div className="server server--offline">
        <span className="server__dot" aria-hidden="true" />
        <span className="server__name">{t('server.notConnected')}</span>
      </div>
    );
  }
  const { server } = connection;
  const content = server.content;
  const ageSeconds = content ? content.ageSeconds + Math.max(0, Math.round((now - receivedAt) / 1000)) : 0;
  return (
    <div className="server">
      <span className="server__dot" aria-hidden="true" />
      <div className="server__text">
        <p className="server__line">
          <span className="server__name">{server.name}</span>
          <span className="server__dealer">{t('server.dealer', { code: server.dealerCode })}</span>
        </p>
        <p className="server__line server__content">
          {content ? (
            <span title={formatDateTime(content.publishedAt, locale)}>
              {ageSeconds < 60
                ? t('server.contentFresh', { version: content.version })
                : t('server.content', { version: content.version, age: formatAge(ageSeconds, locale) })}
            </span>
          ) : (
            <span>{t('server.noContent')}</span>
          )}
          <ContentBadge connection={connection} />
        </p>
      </div>
      {onChange && (
        <button type="button" className="button button--quiet button--small" onClick={onChange}>
          {t('server.change')}
        </button>
      )}
    </div>
  );
}
