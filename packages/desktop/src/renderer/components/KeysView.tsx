import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { awaitingKeys } from '../stores/keys-store.js';
import { useKeys, useNav } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Icon } from './Icon.js';
import { KeySummary } from './ConfirmStep.js';

/** Keys written here and not confirmed yet: the technician comes back to them, also after a restart. */
export function KeysView() {
  const { t } = useTranslation();
  const keys = useKeys((s) => s.keys);
  const load = useKeys((s) => s.load);
  const failure = useKeys((s) => s.failure);
  const confirmKeys = useNav((s) => s.confirmKeys);
  useEffect(() => {
    void load();
  }, [load]);
  const waiting = awaitingKeys(keys);
  return (
    <section className="card step" aria-labelledby="keys-title">
      <h1 id="keys-title" className="step__title" tabIndex={-1}>
        {t('keys.title')}
      </h1>
      <p className="step__intro">{t('keys.intro')}</p>
      {failure && <ErrorNotice error={failure} />}
      {waiting.length === 0 ? (
        <div className="empty-state">
          <Icon name="check" className="empty-state__icon" />
          <p className="empty-state__title">{t('keys.none')}</p>
        </div>
      ) : (
        <ul className="waiting-list">
          {waiting.map((k) => (
            <li key={k.keyId} className="waiting">
              <KeySummary record={k} />
              <button type="button" className="button button--primary" onClick={() => confirmKeys([k.keyId])}>
                {t('keys.confirm')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
