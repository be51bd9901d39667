import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobState } from '@pnc/shared';
import { formatDuration, formatPercent, formatSize, formatSpeed } from '../i18n/format.js';
import { isFinished, jobProgress, keyOutcomes } from '../stores/jobs-store.js';
import { useJobs, useNav } from '../stores/stores-context.js';
import { Dialog } from './Dialog.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Icon } from './Icon.js';
import { StepActions } from './StepActions.js';
import { useErrorText } from './error-text.js';
import { useNow } from './use-now.js';
import { VehicleBar } from './VehicleBar.js';

/** Seconds without a new byte before the screen says the server has gone quiet. */
const QUIET_AFTER_MS = 4_000;

function KeyLine({ k, finished }: { k: JobState['keys'][number]; finished: boolean }) {
  const { t } = useTranslation();
  const failed = k.phase === 'failed' || (finished && k.phase !== 'done');
  const error = useErrorText(k.error ?? { code: 'WRITE_FAILED' });
  const tone = k.phase === 'done' ? 'ok' : failed ? 'bad' : 'busy';
  return (
    <li className={`job-key job-key--${tone}`}>
      <span className="job-key__status" aria-hidden="true">
        {tone === 'ok' ? <Icon name="check" /> : tone === 'bad' ? <Icon name="cross" /> : <span className="spinner spinner--dark" />}
      </span>
      <div className="job-key__main">
        <p className="job-key__label">{k.label}</p>
        {failed ? (
          <p className="job-key__error">
            <strong>{error.text}</strong> {error.action}
          </p>
        ) : (
          <p className="job-key__phase">
            {k.phase === 'done' ? t('writing.keyVerified') : t(`writing.phase.${k.phase}`)}
          </p>
        )}
      </div>
      <span className={`job-key__chip job-key__chip--${tone}`}>
        {tone === 'ok' ? t('writing.chip.ok') : tone === 'bad' ? t('writing.chip.bad') : t('writing.chip.busy')}
      </span>
    </li>
  );
}

/** Writing the key(s): phase, progress, speed, time left, cancel; then the read-back's verdict. */
export function WritingStep() {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const job = useJobs((s) => s.job);
  const progressAt = useJobs((s) => s.progressAt);
  const cancel = useJobs((s) => s.cancel);
  const cancelling = useJobs((s) => s.cancelling);
  const go = useNav((s) => s.go);
  const confirmKeys = useNav((s) => s.confirmKeys);
  const now = useNow(1_000);
  const [asking, setAsking] = useState(false);
  if (job === null) return null;

  const finished = isFinished(job);
  const { good, bad } = keyOutcomes(job);
  const progress = jobProgress(job);
  const quiet = !finished && job.phase === 'writing' && now - progressAt > QUIET_AFTER_MS;
  const title = !finished
    ? t('writing.title', { count: job.keys.length })
    : good.length > 0
      ? t('writing.doneTitle', { count: good.length })
      : job.phase === 'cancelled'
        ? t('writing.cancelledTitle')
        : t('writing.failedTitle', { count: job.keys.length });
  const status = finished
    ? job.phase === 'done'
      ? t('writing.phase.done')
      : job.phase === 'cancelled'
        ? t('writing.phase.cancelled')
        : t('writing.phase.failed')
    : t(`writing.phase.${job.phase}`);

  return (
    <section className="card step" aria-labelledby="writing-title">
      <VehicleBar />
      <h1 id="writing-title" className="step__title" tabIndex={-1}>
        {title}
      </h1>
      <p className="step__intro">{!finished ? t('writing.intro') : good.length > 0 ? t('writing.introDone') : t('writing.introFailed')}</p>

      <div className={`progress-panel${finished ? ` progress-panel--${good.length > 0 ? 'ok' : 'bad'}` : ''}`}>
        <div className="progress-panel__top">
          <p className="progress-panel__phase" aria-live="polite">
            {status}
          </p>
          <p className="progress-panel__percent">{formatPercent(progress, locale)}</p>
        </div>
        <div
          className="progress"
          role="progressbar"
          aria-label={t('writing.progressLabel')}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(progress * 100)}
          aria-valuetext={`${formatPercent(progress, locale)} · ${status}`}
        >
          <div className="progress__bar" style={{ transform: `scaleX(${progress})` }} />
        </div>
        <dl className="stats">
          <div className="stats__item">
            <dt>{job.phase === 'verifying' ? t('writing.checked') : t('writing.written')}</dt>
            <dd>
              {t('writing.ofTotal', {
                done: formatSize(Math.min(job.bytesDone, job.bytesTotal), locale),
                total: formatSize(job.bytesTotal, locale),
              })}
            </dd>
          </div>
          <div className="stats__item">
            <dt>{t('writing.speed')}</dt>
            <dd>{!finished && job.bytesPerSecond > 0 ? formatSpeed(job.bytesPerSecond, locale) : '—'}</dd>
          </div>
          <div className="stats__item">
            <dt>{t('writing.remaining')}</dt>
            <dd>
              {!finished && job.etaSeconds !== null && job.phase === 'writing'
                ? formatDuration(job.etaSeconds, locale)
                : '—'}
            </dd>
          </div>
        </dl>
        <p className={`progress-panel__quiet${quiet ? ' progress-panel__quiet--shown' : ''}`} aria-live="polite">
          {quiet && (
            <>
              <Icon name="wifi" />
              {t('writing.quiet', { seconds: Math.round((now - progressAt) / 1000) })}
            </>
          )}
        </p>
      </div>

      <h2 className="job-keys-title">{t('writing.keysTitle', { count: job.keys.length })}</h2>
      <ul className="job-keys">
        {job.keys.map((k, i) => (
          <KeyLine key={`${k.label}-${i}`} k={k} finished={finished} />
        ))}
      </ul>

      {finished && good.length > 0 && (
        <div className="notice notice--success" role="status">
          <Icon name="check" className="notice__icon" />
          <div>
            <p className="notice__text">{t('writing.verified', { count: good.length })}</p>
            <p className="notice__action">{t('writing.verifiedHint')}</p>
          </div>
        </div>
      )}
      {finished && good.length === 0 && bad.length === 0 && job.error && <ErrorNotice error={job.error} />}

      <StepActions onBack={finished ? () => go('key') : undefined}>
        {!finished && (
          <button
            type="button"
            className="button button--secondary button--danger-text"
            aria-disabled={cancelling}
            onClick={() => setAsking(true)}
          >
            {t('writing.cancel')}
          </button>
        )}
        {finished && good.length === 0 && (
          <button type="button" className="button button--primary" onClick={() => go('key')}>
            {t('writing.tryAgain')}
          </button>
        )}
        {finished && good.length > 0 && (
          <>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => confirmKeys(good.map((k) => k.keyId!))}
            >
              {t('writing.confirmNow')}
            </button>
            <button type="button" className="button button--primary" onClick={() => go('car')}>
              {t('writing.toCar')}
            </button>
          </>
        )}
      </StepActions>
      {asking && (
        <Dialog
          titleId="cancel-title"
          title={t('writing.cancelTitle')}
          tone="danger"
          onClose={() => setAsking(false)}
          actions={
            <>
              <button type="button" className="button button--secondary" autoFocus onClick={() => setAsking(false)}>
                {t('writing.keepWriting')}
              </button>
              <button
                type="button"
                className="button button--danger"
                onClick={() => {
                  setAsking(false);
                  void cancel();
                }}
              >
                {t('writing.cancelConfirm')}
              </button>
            </>
          }
        >
          <p>{t('writing.cancelText')}</p>
        </Dialog>
      )}
    </section>
  );
}
