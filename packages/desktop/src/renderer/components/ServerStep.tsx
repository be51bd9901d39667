import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { connectionProblem } from '../stores/connection-store.js';
import { useConnection } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Field } from './Field.js';
import { Icon } from './Icon.js';

/** The servers the workstation found on the LAN: one click (or Enter) connects. */
function FoundServers({ onConnected }: { onConnected: () => void }) {
  const { t } = useTranslation();
  const discovered = useConnection((s) => s.discovered);
  const discovering = useConnection((s) => s.discovering);
  const discover = useConnection((s) => s.discover);
  const connect = useConnection((s) => s.connect);
  const pending = useConnection((s) => s.pending);
  const [target, setTarget] = useState<string | null>(null);

  useEffect(() => {
    void discover();
  }, [discover]);

  const choose = async (url: string) => {
    setTarget(url);
    if (await connect(url)) onConnected();
  };

  return (
    <section className="found" aria-labelledby="found-title" aria-busy={discovering}>
      <div className="found__head">
        <h2 id="found-title" className="found__title">
          {t('connect.foundTitle')}
        </h2>
        <button
          type="button"
          className="button button--quiet button--small"
          aria-disabled={discovering}
          onClick={() => void discover()}
        >
          <Icon name="refresh" />
          {discovering ? t('connect.searching') : t('connect.searchAgain')}
        </button>
      </div>
      {discovered.length === 0 ? (
        <p className="found__empty" aria-live="polite">
          {discovering ? (
            <>
              <span className="spinner spinner--dark" aria-hidden="true" />
              {t('connect.searching')}
            </>
          ) : (
            t('connect.noneFound')
          )}
        </p>
      ) : (
        <ul className="found__list">
          {discovered.map((server) => (
            <li key={server.url}>
              <button
                type="button"
                className="found__server"
                aria-disabled={pending !== null}
                onClick={() => pending === null && void choose(server.url)}
              >
                <Icon name="server" className="found__icon" />
                <span className="found__text">
                  <span className="found__name">{server.name}</span>
                  <span className="found__url">
                    {server.url.replace(/^https?:\/\//, '')} · {t(`connect.via.${server.via}`)}
                  </span>
                </span>
                <span className="found__go">
                  {pending === 'connect' && target === server.url ? (
                    <span className="spinner spinner--dark" aria-hidden="true" />
                  ) : (
                    t('connect.submit')
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Connecting to the dealership's server, found on the LAN or typed; `onCancel` when a working connection can be kept. */
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
      <h1 id="server-title" className="step__title" tabIndex={-1}>
        {t('connect.title')}
      </h1>
      <p className="step__intro">{t('connect.intro')}</p>
      <FoundServers onConnected={onConnected} />
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
