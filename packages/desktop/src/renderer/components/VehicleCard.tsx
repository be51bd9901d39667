import { useTranslation } from 'react-i18next';
import type { VehicleInfo } from '@pnc/shared';
import { BRAND_NAMES, HEAD_UNIT_NAMES } from './names.js';

/** What is known of the vehicle: its registry record, or only what its VIN tells. */
export function VehicleCard({ vehicle }: { vehicle: VehicleInfo }) {
  const { t } = useTranslation();
  const unknown = t('vehicle.notKnown');
  const brand = vehicle.brand ? BRAND_NAMES[vehicle.brand] : null;
  const title =
    vehicle.source === 'registry'
      ? [brand, vehicle.model].filter(Boolean).join(' ')
      : (brand ?? t('vehicle.unknownTitle'));
  const facts: Array<[string, string]> = [
    [t('vehicle.brand'), brand ?? unknown],
    [t('vehicle.model'), vehicle.model ?? unknown],
    [t('vehicle.modelYear'), vehicle.modelYear !== undefined ? String(vehicle.modelYear) : unknown],
    [t('vehicle.headUnit'), vehicle.headUnit ? HEAD_UNIT_NAMES[vehicle.headUnit] : unknown],
    [t('vehicle.softVersion'), vehicle.softVersion ?? unknown],
    [
      t('vehicle.mapVersion'),
      vehicle.mapVersion ? [vehicle.mapVersion, vehicle.mapRegion].filter(Boolean).join(' · ') : unknown,
    ],
  ];
  return (
    <section className="card vehicle" aria-labelledby="vehicle-title">
      <div className="vehicle__head">
        <h2 id="vehicle-title" className="vehicle__title">
          {title}
        </h2>
        <span className="vin-chip">{vehicle.vin}</span>
      </div>
      {vehicle.source === 'decoded' && (
        <div className="notice notice--info">
          <svg className="notice__icon" viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="12" cy="12" r="10" />
            <path d="M12 11v6M12 7.5v.5" />
          </svg>
          <div>
            <p className="notice__text">{t('vehicle.decoded')}</p>
            <p className="notice__action">{t('vehicle.decodedHint')}</p>
          </div>
        </div>
      )}
      <dl className="facts">
        {facts.map(([label, value]) => (
          <div key={label} className="facts__item">
            <dt>{label}</dt>
            <dd className={value === unknown ? 'facts__unknown' : undefined}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
