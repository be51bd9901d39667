import { useTranslation } from 'react-i18next';
import type { ConnectionState } from '@pnc/shared';

/** Whether this workstation verified the server's content: done, under way, or not. */
export function ContentBadge({ connection }: { connection: Pick<ConnectionState, 'contentVerified' | 'activity'> }) {
  const { t } = useTranslation();
  if (connection.contentVerified)
    return (
      <span className="badge badge--verified" title={t('server.verifiedHint')}>
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M3.5 8.5l3 3 6-7" />
        </svg>
        {t('server.verified')}
      </span>
    );
  if (connection.activity === 'verifying')
    return (
      <span className="badge badge--pending" title={t('server.verifyingHint')}>
        <span className="spinner spinner--dark" aria-hidden="true" />
        {t('server.verifying')}
      </span>
    );
  return (
    <span className="badge badge--warning" title={t('server.unverifiedHint')}>
      {t('server.unverified')}
    </span>
  );
}
