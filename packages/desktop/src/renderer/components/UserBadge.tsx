import { useTranslation } from 'react-i18next';
import { useConnection } from '../stores/stores-context.js';

/** The signed-in technician, and the way out (shared workshop PCs change hands). */
export function UserBadge() {
  const { t } = useTranslation();
  const user = useConnection((s) => s.connection?.user ?? null);
  const signOut = useConnection((s) => s.signOut);
  const busy = useConnection((s) => s.pending === 'signOut');
  if (user === null) return null;
  return (
    <div className="user">
      <svg className="user__icon" viewBox="0 0 24 24" aria-hidden="true">
        <circle cx="12" cy="8" r="4" />
        <path d="M4 20c1.5-4 4.5-6 8-6s6.5 2 8 6" />
      </svg>
      <span className="user__name" title={t('user.signedInAs', { name: user.username })}>
        {user.username}
      </span>
      <button
        type="button"
        className="button button--quiet button--small"
        aria-disabled={busy}
        onClick={() => void signOut()}
      >
        {t('user.signOut')}
      </button>
    </div>
  );
}
