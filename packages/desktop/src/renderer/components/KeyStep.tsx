import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatSize } from '../i18n/format.js';
import {
  choiceProblem,
  keyChoices,
  MAX_KEYS,
  selectedChoices,
  type KeyChoice,
} from '../stores/drives-store.js';
import { useDrives, useJobs, useNav, useVehicle } from '../stores/stores-context.js';
import { selectedUpdates } from '../stores/vehicle-store.js';
import { Dialog } from './Dialog.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Icon } from './Icon.js';
import { StepActions } from './StepActions.js';
import { VehicleBar } from './VehicleBar.js';

function useLocale() {
  return useTranslation().i18n.resolvedLanguage ?? 'en';
}

/** One key on the list: chosen with a click, Space or Enter; a key that cannot be used says why. */
function KeyRow({ choice, needed }: { choice: KeyChoice; needed: number }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const selected = useDrives((s) => s.selected);
  const toggle = useDrives((s) => s.toggle);
  const removeImage = useDrives((s) => s.removeImage);
  const problem = choiceProblem(choice, needed);
  const checked = selected.includes(choice.id);
  const full = !checked && selected.length >= MAX_KEYS;
  const id = `key-${choice.id.replace(/[^A-Za-z0-9]/g, '-')}`;
  const drive = choice.drive;
  const notes: Array<{ tone: 'warn' | 'info'; text: string }> = [];
  if (!problem && drive?.usbSpeed === 'usb2') notes.push({ tone: 'warn', text: t('key.usb2') });
  if (!problem && drive?.usbSpeed === 'usb1') notes.push({ tone: 'warn', text: t('key.usb2') });
  if (!problem && drive && !drive.isUSB) notes.push({ tone: 'warn', text: t('key.notUsb') });

  return (
    <li className={`key-row${problem ? ' key-row--refused' : ''}${checked ? ' key-row--checked' : ''}`}>
      <input
        id={id}
        type="checkbox"
        className="checkbox"
        checked={checked}
        disabled={problem !== null || full}
        onChange={() => toggle(choice.id)}
        aria-describedby={`${id}-facts`}
      />
      <Icon name={drive ? 'usb' : 'disk'} className="key-row__icon" />
      <div className="key-row__main">
        <label htmlFor={id} className="key-row__name">
          {drive ? choice.name : t('key.imageName')}
        </label>
        <p id={`${id}-facts`} className="key-row__facts">
          <span className="key-row__path">{drive ? drive.device : choice.name}</span>
          {drive?.usbSpeed === 'usb3' && <span className="badge badge--verified">USB 3</span>}
          {drive?.usbSpeed === 'usb2' && <span className="badge badge--warning">USB 2.0</span>}
        </p>
        {problem && (
          <p className="key-row__problem">
            <Icon name="alert" />
            {problem.code === 'too-small'
              ? t('key.tooSmall', { missing: formatSize(problem.missingBytes ?? 0, locale) })
              : t(`key.refusal.${problem.code}`, { defaultValue: t('key.refusal.other') })}
          </p>
        )}
        {notes.map((n) => (
          <p key={n.text} className={`key-row__note key-row__note--${n.tone}`}>
            <Icon name="alert" />
            {n.text}
          </p>
        ))}
      </div>
      <span className="key-row__size">{formatSize(choice.size, locale)}</span>
      {!drive && (
        <button
          type="button"
          className="button button--quiet button--small key-row__remove"
          onClick={() => removeImage(choice.name)}
          aria-label={t('key.removeImage', { path: choice.name })}
        >
          <Icon name="trash" />
        </button>
      )}
    </li>
  );
}

const UNITS = { MB: 1_000_000, GB: 1_000_000_000, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
type Unit = keyof typeof UNITS;

/** For IT and tests: a disk image file (or a loop device) as a key, at the size asked for. */
function ImageTarget() {
  const { t } = useTranslation();
  const addImage = useDrives((s) => s.addImage);
  const [path, setPath] = useState('');
  const [size, setSize] = useState('');
  const [unit, setUnit] = useState<Unit>('GB');
  const [invalid, setInvalid] = useState(false);
  const base = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const bytes = Math.round(Number(size.replace(',', '.')) * UNITS[unit]);
    const ok = size.trim() !== '' && Number.isFinite(bytes) && addImage(path, bytes);
    setInvalid(!ok);
    if (ok) {
      setPath('');
      setSize('');
    }
  };

  return (
    <details className="advanced">
      <summary className="advanced__summary">{t('key.image.summary')}</summary>
      <form className="advanced__form" onSubmit={submit} noValidate>
        <p className="advanced__intro">{t('key.image.intro')}</p>
        <div className="advanced__row">
          <div className="field advanced__path">
            <label className="field__label" htmlFor={`${base}-path`}>
              {t('key.image.path')}
            </label>
            <input
              id={`${base}-path`}
              className={`input${invalid ? ' input--invalid' : ''}`}
              value={path}
              spellCheck={false}
              autoCapitalize="off"
              placeholder={t('key.image.pathPlaceholder')}
              aria-invalid={invalid}
              aria-describedby={`${base}-message`}
              onChange={(e) => setPath(e.target.value)}
            />
          </div>
          <div className="field advanced__size">
            <label className="field__label" htmlFor={`${base}-size`}>
              {t('key.image.size')}
            </label>
            <div className="advanced__size-row">
              <input
                id={`${base}-size`}
                className={`input${invalid ? ' input--invalid' : ''}`}
                value={size}
                inputMode="decimal"
                aria-invalid={invalid}
                onChange={(e) => setSize(e.target.value)}
              />
              <select
                className="select"
                value={unit}
                aria-label={t('key.image.unit')}
                onChange={(e) => setUnit(e.target.value as Unit)}
              >
                {Object.keys(UNITS).map((u) => (
                  <option key={u}>{u}</option>
                ))}
              </select>
            </div>
          </div>
          <button type="submit" className="button button--secondary advanced__add">
            <Icon name="plus" />
            {t('key.image.add')}
          </button>
        </div>
        <p id={`${base}-message`} className="field__message" aria-live="polite">
          {invalid ? t('key.image.invalid') : ''}
        </p>
      </form>
    </details>
  );
}

/** Asks before erasing, naming every key that will be erased. */
function EraseDialog({ choices, onClose }: { choices: KeyChoice[]; onClose: () => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const start = useJobs((s) => s.start);
  const starting = useJobs((s) => s.starting);
  const go = useNav((s) => s.go);
  const vin = useVehicle((s) => s.vin);
  const packageIds = useVehicle((s) => selectedUpdates(s).map((u) => u.packageId).join(' '));

  const confirm = async () => {
    const ok = await start({
      vin,
      packageIds: packageIds.split(' '),
      targets: choices.map((c) => c.target),
      eraseConfirmed: true,
    });
    onClose();
    if (ok) go('writing');
  };

  return (
    <Dialog
      titleId="erase-title"
      title={t('key.erase.title', { count: choices.length })}
      tone="danger"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button button--secondary" autoFocus onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="button button--danger"
            aria-disabled={starting}
            onClick={() => !starting && void confirm()}
          >
            {starting && <span className="spinner" aria-hidden="true" />}
            {t('key.erase.confirm', { count: choices.length })}
          </button>
        </>
      }
    >
      <p>{t('key.erase.text', { count: choices.length })}</p>
      <ul className="erase-list">
        {choices.map((c) => (
          <li key={c.id}>
            <Icon name={c.drive ? 'usb' : 'disk'} />
            <span className="erase-list__name">{c.drive ? c.name : c.name}</span>
            <span className="erase-list__facts">
              {c.drive ? `${c.drive.device} · ` : ''}
              {formatSize(c.size, locale)}
            </span>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** Which key(s) to write: removable keys as they are plugged in, images for IT. */
export function KeyStep() {
  const { t } = useTranslation();
  const locale = useLocale();
  const drives = useDrives((s) => s.drives);
  const images = useDrives((s) => s.images);
  const selected = useDrives((s) => s.selected);
  const loaded = useDrives((s) => s.loaded);
  const load = useDrives((s) => s.load);
  const driveFailure = useDrives((s) => s.failure);
  const writeFailure = useJobs((s) => s.failure);
  const resetJob = useJobs((s) => s.reset);
  const go = useNav((s) => s.go);
  const needed = useVehicle((s) => selectedUpdates(s).reduce((n, u) => n + u.size, 0));
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    void load();
    resetJob();
  }, [load, resetJob]);

  const all = keyChoices({ drives, images });
  const chosen = selectedChoices({ drives, images, selected }).filter((c) => choiceProblem(c, needed) === null);
  const offered = all.filter((c) => c.drive?.offered).length;
  const refused = all.filter((c) => c.drive && !c.drive.offered);
  const usable = all.filter((c) => !c.drive || c.drive.offered);

  return (
    <section className="card step" aria-labelledby="key-title">
      <VehicleBar />
      <h1 id="key-title" className="step__title" tabIndex={-1}>
        {t('key.title')}
      </h1>
      <p className="step__intro">{t('key.intro', { size: formatSize(needed, locale) })}</p>

      <div className="key-list-head">
        <h2 className="key-list-head__title">{t('key.listTitle')}</h2>
        <p className="key-list-head__live" aria-live="polite">
          <span className="live-dot" aria-hidden="true" />
          {!loaded ? t('key.looking') : offered === 0 ? t('key.liveNone') : t('key.live', { count: offered })}
        </p>
      </div>
      {usable.length === 0 ? (
        <div className="key-empty">
          <Icon name="usb" className="key-empty__icon" />
          <div>
            <p className="key-empty__title">{t('key.none')}</p>
            <p className="key-empty__text">{t('key.noneHint')}</p>
          </div>
        </div>
      ) : (
        <ul className="key-list">
          {usable.map((c) => (
            <KeyRow key={c.id} choice={c} needed={needed} />
          ))}
        </ul>
      )}
      {refused.length > 0 && (
        <>
          <h3 className="key-list-sub">{t('key.refusedTitle', { count: refused.length })}</h3>
          <ul className="key-list key-list--refused">
            {refused.map((c) => (
              <KeyRow key={c.id} choice={c} needed={needed} />
            ))}
          </ul>
        </>
      )}
      <p className="key-format-note">
        <Icon name="info" />
        {t('key.formatNote')}
      </p>
      <ImageTarget />
      <div className="step__feedback">
        {driveFailure && <ErrorNotice error={driveFailure} />}
        {writeFailure && <ErrorNotice error={writeFailure} />}
      </div>
      <StepActions onBack={() => go('updates')}>
        <button
          type="button"
          className="button button--primary"
          aria-disabled={chosen.length === 0}
          onClick={() => chosen.length > 0 && setAsking(true)}
        >
          {chosen.length > 1 ? t('key.writeMany', { count: chosen.length }) : t('key.write')}
        </button>
      </StepActions>
      {asking && <EraseDialog choices={chosen} onClose={() => setAsking(false)} />}
    </section>
  );
}
