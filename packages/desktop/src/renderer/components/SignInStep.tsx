import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useConnection } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Field } from './Field.js';

function SignInForm() {
  const { t } = useTranslation();
  const signIn = useConnection((s) => s.signIn);
  const busy = useConnection((s) => s.pending === 'signIn');
  const failure = useConnection((s) => s.failure);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const ready = username.trim() !== '' && password !== '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    if (!(await signIn(username, password))) setPassword('');
  };

  return (
    <>
      <h1 id="sign-in-title" className="step__title" tabIndex={-1}>
        {t('signIn.title')}
      </h1>
      <p className="step__intro">{t('signIn.intro')}</p>
      <form className="form-stack" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          id="username"
          label={t('signIn.username')}
          type="text"
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <Field
          id="password"
          label={t('signIn.password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <div>
          <button type="submit" className="button button--primary" aria-disabled={busy || !ready}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {busy ? t('signIn.busy') : t('signIn.submit')}
          </button>
        </div>
      </form>
      <div className="step__feedback">{failure && !busy && <ErrorNotice error={failure} />}</div>
    </>
  );
}

/** After a first access or a reset, the one-time password is replaced before any work. */
function ChangePasswordForm() {
  const { t } = useTranslation();
  const changePassword = useConnection((s) => s.changePassword);
  const busy = useConnection((s) => s.pending === 'changePassword');
  const failure = useConnection((s) => s.failure);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const mismatch = repeat !== '' && next !== repeat;
  const ready = current !== '' && next !== '' && next === repeat;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (ready) await changePassword(current, next);
  };

  return (
    <>
      <h1 id="sign-in-title" className="step__title" tabIndex={-1}>
        {t('password.title')}
      </h1>
      <p className="step__intro">{t('password.intro')}</p>
      <form className="form-stack" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          id="current-password"
          label={t('password.current')}
          type="password"
          autoComplete="current-password"
          autoFocus
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <Field
          id="new-password"
          label={t('password.new')}
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <Field
          id="repeat-password"
          label={t('password.repeat')}
          type="password"
          autoComplete="new-password"
          value={repeat}
          aria-invalid={mismatch}
          className={mismatch ? 'input--invalid' : undefined}
          onChange={(e) => setRepeat(e.target.value)}
        />
        <p className="field__message" aria-live="polite">
          {mismatch ? t('password.mismatch') : ''}
        </p>
        <div>
          <button type="submit" className="button button--primary" aria-disabled={busy || !ready}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {busy ? t('password.busy') : t('password.submit')}
          </button>
        </div>
      </form>
      <div className="step__feedback">{failure && !busy && <ErrorNotice error={failure} />}</div>
    </>
  );
}

/** Who is working: a technician account on this dealership's server. */
export function SignInStep() {
  const mustChange = useConnection((s) => s.connection?.user?.mustChangePassword === true);
  return (
    <section className="card step" aria-labelledby="sign-in-title">
      {mustChange ? <ChangePasswordForm /> : <SignInForm />}
    </section>
  );
}
