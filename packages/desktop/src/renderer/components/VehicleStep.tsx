import { useTranslation } from 'react-i18next';
import { formatSize } from '../i18n/format.js';
import { useNav, useVehicle } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Icon } from './Icon.js';
import { NotApplicableList } from './NotApplicableList.js';
import { VehicleCard } from './VehicleCard.js';
import { VinForm } from './VinForm.js';
import { isOpenCampaign } from './update-order.js';

function Results() {
  const { t, i18n } = useTranslation();
  const status = useVehicle((s) => s.status);
  const result = useVehicle((s) => s.result);
  const failure = useVehicle((s) => s.failure);
  const go = useNav((s) => s.go);
  if (status === 'failed' && failure) return <ErrorNotice error={failure} />;
  if (result === null) return null;
  const updates = result.eligible;
  const campaigns = updates.filter(isOpenCampaign).length;
  const total = updates.reduce((n, u) => n + u.size, 0);
  return (
    <>
      <VehicleCard vehicle={result.vehicle} />
      {updates.length === 0 ? (
        <div className="card next next--none">
          <Icon name="check" className="next__icon" />
          <p className="next__title">{t('updates.none')}</p>
        </div>
      ) : (
        <div className="card next">
          <div className="next__text">
            <p className="next__title">
              {t('updates.summary', { count: updates.length, size: formatSize(total, i18n.resolvedLanguage ?? 'en') })}
            </p>
            {campaigns > 0 && <p className="next__meta">{t('updates.campaignCount', { count: campaigns })}</p>}
          </div>
          <button type="button" className="button button--primary" onClick={() => go('updates')}>
            {t('vehicle.continue')}
          </button>
        </div>
      )}
      <NotApplicableList items={result.notEligible} />
    </>
  );
}

/** Which vehicle: the VIN typed or scanned, then what the carmaker's data says of it. */
export function VehicleStep() {
  const { t } = useTranslation();
  const checking = useVehicle((s) => s.status === 'checking');
  return (
    <>
      <section className="card step" aria-labelledby="vehicle-step-title">
        <h1 id="vehicle-step-title" className="step__title" tabIndex={-1}>
          {t('vehicle.title')}
        </h1>
        <p className="step__intro">{t('vehicle.intro')}</p>
        <VinForm />
      </section>
      <div className="results" aria-busy={checking}>
        <Results />
      </div>
    </>
  );
}
