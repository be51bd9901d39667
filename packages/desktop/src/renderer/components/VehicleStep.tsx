import { useTranslation } from 'react-i18next';
import { useVehicle } from '../stores/stores-context.js';
import { ErrorNotice } from './ErrorNotice.js';
import { NotApplicableList } from './NotApplicableList.js';
import { UpdateList } from './UpdateList.js';
import { VehicleCard } from './VehicleCard.js';
import { VinForm } from './VinForm.js';

function Results() {
  const status = useVehicle((s) => s.status);
  const result = useVehicle((s) => s.result);
  const failure = useVehicle((s) => s.failure);
  if (status === 'failed' && failure) return <ErrorNotice error={failure} />;
  if (result === null) return null;
  return (
    <>
      <VehicleCard vehicle={result.vehicle} />
      <UpdateList updates={result.eligible} />
      <NotApplicableList items={result.notEligible} />
    </>
  );
}

/** Which vehicle, and which updates it needs. */
export function VehicleStep() {
  const { t } = useTranslation();
  const checking = useVehicle((s) => s.status === 'checking');
  return (
    <>
      <section className="card step" aria-labelledby="vehicle-step-title">
        <h1 id="vehicle-step-title" className="step__title">
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
