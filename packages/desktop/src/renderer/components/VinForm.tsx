import { useEffect, useLayoutEffect, useRef, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { normalizeVin } from '@pnc/shared';
import { isVinComplete } from '../stores/vehicle-store.js';
import { useVehicle } from '../stores/stores-context.js';
import { useErrorText, type ShownError } from './error-text.js';

function VinProblem({ problem }: { problem: ShownError }) {
  const { text, action } = useErrorText(problem);
  return (
    <span className="vin-status__message vin-status__message--error">
      {text} {action}
    </span>
  );
}

/**
 * The VIN field: typed or scanned (a scanner types the characters then Enter), upper-cased as
 * typed, validated at each keystroke.
 */
export function VinForm() {
  const { t } = useTranslation();
  const vin = useVehicle((s) => s.vin);
  const problem = useVehicle((s) => s.problem);
  const status = useVehicle((s) => s.status);
  const setVin = useVehicle((s) => s.setVin);
  const check = useVehicle((s) => s.check);
  const input = useRef<HTMLInputElement>(null);
  const caret = useRef<number | null>(null);
  const complete = isVinComplete({ vin, problem });
  const checking = status === 'checking';

  // Normalising rewrites the value, which would throw the caret to the end: put it back.
  useLayoutEffect(() => {
    if (caret.current !== null && input.current === document.activeElement)
      input.current?.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [vin]);

  // Once answered, the next scan or typing replaces the VIN instead of appending to it.
  useEffect(() => {
    if (status === 'done' && input.current === document.activeElement) input.current?.select();
  }, [status]);

  const change = (e: ChangeEvent<HTMLInputElement>) => {
    const raw = e.target.value;
    caret.current = normalizeVin(raw.slice(0, e.target.selectionStart ?? raw.length)).length;
    setVin(raw);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void check();
  };

  return (
    <form className="vin-form" onSubmit={submit} noValidate>
      <label className="field__label" htmlFor="vin">
        {t('vehicle.vinLabel')}
      </label>
      <div className="vin-form__row">
        <input
          id="vin"
          ref={input}
          className={`input vin-input${problem ? ' input--invalid' : ''}`}
          type="text"
          value={vin}
          onChange={change}
          autoFocus
          autoComplete="off"
          autoCorrect="off"
          autoCapitalize="characters"
          spellCheck={false}
          placeholder={t('vehicle.vinPlaceholder')}
          aria-invalid={problem !== null}
          aria-describedby="vin-status"
        />
        <button
          type="submit"
          className="button button--primary vin-form__submit"
          aria-disabled={!complete || checking}
        >
          {checking && <span className="spinner" aria-hidden="true" />}
          {checking ? t('vehicle.busy') : t('vehicle.submit')}
        </button>
      </div>
      <p id="vin-status" className="vin-status">
        {/* Only the message is announced as it changes, not the counter at every keystroke. */}
        <span aria-live="polite">
          {problem ? (
            <VinProblem problem={problem} />
          ) : (
            <span className={`vin-status__message${complete ? ' vin-status__message--ok' : ''}`}>
              {complete ? t('vehicle.valid') : t('vehicle.vinHint')}
            </span>
          )}
        </span>
        <span className="vin-status__counter">{t('vehicle.counter', { length: vin.length })}</span>
      </p>
    </form>
  );
}
