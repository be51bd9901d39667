import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { connectionProblem } from '../stores/connection-store.js';
import { useConnection } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Field } from './Field.js';

/** Connecting to the dealership's server by address; `onCancel` when a working connection can be kept. */
export function ServerStep({
  onCancel,
  onConnected,
}: {
  onCancel: (() => void) | null;
  onConnected: () => void;
}) {
  const { t } = useTranslation();
  const connecting = useConnection((s) => s.pending === 'connect');
  const connect = useConnection((s) => s.connect);
  const problem = useConnection(connectionProblem);
  const lastUrl = useConnection((s) => s.connection?.serverUrl ?? '');
  const [address, setAddress] = useState(lastUrl);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (address.trim() !== '' && (await connect(address))) onConnected();
  };

  return (
    <section className="card step" aria-labelledby="server-title">
      <h1 id="server-title" className="step__title">
        {t('connect.title')}
      </h1>
      <p className="step__intro">{t('connect.intro')}</p>
      <form className="field-row" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          id="server-address"
          label={t('connect.addressLabel')}
          hint={t('connect.addressHint')}
          type="text"
          inputMode="url"
          autoComplete="url"
          autoCapitalize="off"
          spellCheck={false}
          autoFocus
          value={address}
          placeholder={t('connect.addressPlaceholder')}
          onChange={(e) => setAddress(e.target.value)}
        />
        <div className="field-row__actions">
          <button
            type="submit"
            className="button button--primary"
            aria-disabled={connecting || address.trim() === ''}
          >
            {connecting && <span className="spinner" aria-hidden="true" />}
            {connecting ? t('connect.busy') : t('connect.submit')}
          </button>
          {onCancel && (
            <button type="button" className="button button--secondary" onClick={onCancel}>
              {t('connect.cancel')}
            </button>
          )}
        </div>
      </form>
      <div className="step__feedback">{problem && !connecting && <ErrorNotice error={problem} />}</div>
    </section>
  );
}
