import { useTranslation } from 'react-i18next';
import type { HeadUnitFamily } from '@pnc/shared';
import { keyOutcomes } from '../stores/jobs-store.js';
import { useJobs, useNav, useNextVehicle, useVehicle } from '../stores/stores-context.js';
import { Icon, type IconName } from './Icon.js';
import { HEAD_UNIT_NAMES } from './names.js';
import { StepActions } from './StepActions.js';
import { VehicleBar } from './VehicleBar.js';

/** The port each head unit takes the key in (field notes): USB-A, or USB-C through an adapter. */
const PORT: Record<HeadUnitFamily, 'usbA' | 'usbC'> = { EASYLINK: 'usbA', RLINK2: 'usbA', OPENRLINK: 'usbC' };

/** What to do in the car, for this head unit, in the order it is done. */
export function CarStep() {
  const { t } = useTranslation();
  const headUnit = useVehicle((s) => s.result?.vehicle.headUnit ?? null);
  const job = useJobs((s) => s.job);
  const confirmKeys = useNav((s) => s.confirmKeys);
  const restart = useNextVehicle();
  const good = job ? keyOutcomes(job).good : [];
  const unit = headUnit ? HEAD_UNIT_NAMES[headUnit] : null;
  const port = headUnit ? PORT[headUnit] : 'unknown';

  const steps: Array<{ icon: IconName; title: string; text: string }> = [
    { icon: 'engine', title: t('car.engine.title'), text: t('car.engine.text') },
    {
      icon: 'usb',
      title: t(`car.port.${port}.title`),
      text: t(`car.port.${port}.text`, { unit: unit ?? '' }),
    },
    { icon: 'screen', title: t('car.follow.title', { unit: unit ?? t('car.theHeadUnit') }), text: t('car.follow.text') },
    { icon: 'clock', title: t('car.wait.title'), text: t('car.wait.text') },
    { icon: 'check', title: t('car.back.title'), text: t('car.back.text') },
  ];

  return (
    <section className="card step" aria-labelledby="car-title">
      <VehicleBar />
      <h1 id="car-title" className="step__title" tabIndex={-1}>
        {t('car.title')}
      </h1>
      <p className="step__intro">{unit ? t('car.intro', { unit }) : t('car.introUnknown')}</p>
      <ol className="car-steps">
        {steps.map((s, i) => (
          <li key={s.icon} className="car-step">
            <span className="car-step__number" aria-hidden="true">
              {i + 1}
            </span>
            <Icon name={s.icon} className="car-step__icon" />
            <div>
              <p className="car-step__title">{s.title}</p>
              <p className="car-step__text">{s.text}</p>
            </div>
          </li>
        ))}
      </ol>
      <div className="notice notice--info notice--flat">
        <Icon name="alert" className="notice__icon" />
        <div>
          <p className="notice__text">{t('car.warning.title')}</p>
          <p className="notice__action">{t('car.warning.text')}</p>
        </div>
      </div>
      <StepActions>
        <button type="button" className="button button--secondary" onClick={restart}>
          {t('car.later')}
        </button>
        <button
          type="button"
          className="button button--primary"
          aria-disabled={good.length === 0}
          onClick={() => good.length > 0 && confirmKeys(good.map((k) => k.keyId!))}
        >
          {t('car.confirm')}
        </button>
      </StepActions>
    </section>
  );
}
