import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FailureReason, type KeyRecord, type Locale } from '@pnc/shared';
import { formatDateTime } from '../i18n/format.js';
import { useKeys, useNav, useNextVehicle } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Icon } from './Icon.js';
import { HEAD_UNIT_NAMES } from './names.js';
import { StepActions } from './StepActions.js';

export function packageTitles(key: KeyRecord, locale: string): string {
  return key.packages
    .map((p) => {
      const title = p.title[locale as Locale] ?? p.title.en ?? p.id;
      return title.includes(p.version) ? title : `${title} (${p.version})`;
    })
    .join(' · ');
}

/** What is known of a key written here: the car, the updates, when and where. */
export function KeySummary({ record }: { record: KeyRecord }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  return (
    <div className="key-summary">
      <div className="key-summary__head">
        <span className="vin-chip">{record.vin}</span>
        {record.headUnit && <span className="key-summary__unit">{HEAD_UNIT_NAMES[record.headUnit]}</span>}
      </div>
      <p className="key-summary__packages">{packageTitles(record, locale)}</p>
      <p className="key-summary__meta">
        {t('confirm.writtenAt', { date: formatDateTime(record.writtenAt, locale) })} · {record.target}
      </p>
    </div>
  );
}

/** The result of one key's installation: success, or failure with a reason; a note either way. */
function ConfirmForm({ record }: { record: KeyRecord }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const confirm = useKeys((s) => s.confirm);
  const busy = useKeys((s) => s.confirming === record.keyId);
  const [outcome, setOutcome] = useState<'SUCCESS' | 'FAILURE' | null>(null);
  const [reason, setReason] = useState<FailureReason | null>(null);
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const base = `confirm-${record.keyId}`;
  const ready = outcome === 'SUCCESS' || (outcome === 'FAILURE' && reason !== null);

  if (record.confirmation) {
    const ok = record.confirmation.outcome === 'SUCCESS';
    return (
      <div className={`confirm-card card confirm-card--${ok ? 'ok' : 'bad'}`}>
        <KeySummary record={record} />
        <div className={`result result--${ok ? 'ok' : 'bad'}`} role="status">
          <Icon name={ok ? 'check' : 'cross'} className="result__icon" />
          <div>
            <p className="result__title">{ok ? t('confirm.recordedOk') : t('confirm.recordedFailed')}</p>
            <p className="result__text">
              {record.confirmation.acknowledged ? t('confirm.sent') : t('confirm.queued')} ·{' '}
              {formatDateTime(record.confirmation.at, locale)}
            </p>
          </div>
        </div>
      </div>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!ready || busy) return;
    await confirm(record.keyId, outcome, reason ?? undefined, note);
  };

  return (
    <form className="confirm-card card" onSubmit={(e) => void submit(e)} noValidate>
      <KeySummary record={record} />
      <fieldset className="choice-group">
        <legend className="field__label">{t('confirm.outcomeLabel')}</legend>
        <div className="outcomes">
          {(['SUCCESS', 'FAILURE'] as const).map((o) => (
            <label key={o} className={`outcome outcome--${o.toLowerCase()}${outcome === o ? ' outcome--checked' : ''}`}>
              <input
                type="radio"
                name={`${base}-outcome`}
                value={o}
                checked={outcome === o}
                onChange={() => setOutcome(o)}
              />
              <Icon name={o === 'SUCCESS' ? 'check' : 'cross'} className="outcome__icon" />
              <span>
                <span className="outcome__title">{t(`confirm.outcome.${o}`)}</span>
                <span className="outcome__text">{t(`confirm.outcomeHint.${o}`)}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {outcome === 'FAILURE' && (
        <fieldset className="choice-group">
          <legend className="field__label">{t('confirm.reasonLabel')}</legend>
          <div className="reasons">
            {FailureReason.options.map((r) => (
              <label key={r} className={`reason${reason === r ? ' reason--checked' : ''}`}>
                <input
                  type="radio"
                  name={`${base}-reason`}
                  value={r}
                  checked={reason === r}
                  onChange={() => setReason(r)}
                />
                {t(`confirm.reason.${r}`)}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div className="field">
        <label className="field__label" htmlFor={`${base}-note`}>
          {t('confirm.noteLabel')}
        </label>
        <textarea
          id={`${base}-note`}
          className="textarea"
          rows={3}
          maxLength={2000}
          value={note}
          placeholder={outcome === 'FAILURE' ? t('confirm.notePlaceholderFailure') : t('confirm.notePlaceholder')}
          onChange={(e) => setNote(e.target.value)}
        />
      </div>
      <p className="field__message" aria-live="polite">
        {tried && !ready ? (outcome === null ? t('confirm.chooseOutcome') : t('confirm.chooseReason')) : ''}
      </p>
      <div>
        <button type="submit" className="button button--primary" aria-disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {t('confirm.submit')}
        </button>
      </div>
    </form>
  );
}

/** After the car: how the installation went, for each key just written (or one picked from the list). */
export function ConfirmStep() {
  const { t } = useTranslation();
  const ids = useNav((s) => s.confirmKeyIds);
  const keys = useKeys((s) => s.keys);
  const failure = useKeys((s) => s.failure);
  const restart = useNextVehicle();
  const show = useNav((s) => s.show);
  const records = ids.map((id) => keys.find((k) => k.keyId === id)).filter((k) => k !== undefined);
  const allDone = records.length > 0 && records.every((k) => k.confirmation !== null);
  return (
    <section className="card step" aria-labelledby="confirm-title">
      <h1 id="confirm-title" className="step__title" tabIndex={-1}>
        {t('confirm.title', { count: records.length })}
      </h1>
      <p className="step__intro">{t('confirm.intro')}</p>
      <div className="confirm-list">
        {records.map((r) => (
          <ConfirmForm key={r.keyId} record={r} />
        ))}
      </div>
      <div className="step__feedback">{failure && <ErrorNotice error={failure} />}</div>
      <StepActions>
        {!allDone && (
          <button type="button" className="button button--secondary" onClick={() => show('keys')}>
            {t('confirm.later')}
          </button>
        )}
        <button
          type="button"
          className={`button ${allDone ? 'button--primary' : 'button--secondary'}`}
          onClick={restart}
        >
          {t('confirm.nextVehicle')}
        </button>
      </StepActions>
    </section>
  );
}
