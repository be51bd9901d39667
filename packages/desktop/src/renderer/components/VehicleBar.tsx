import { useTranslation } from 'react-i18next';
import { useVehicle } from '../stores/stores-context.js';
import { BRAND_NAMES, HEAD_UNIT_NAMES } from './names.js';

/** Which car the current step is for: always visible once the VIN is checked. */
export function VehicleBar() {
  const { t } = useTranslation();
  const vehicle = useVehicle((s) => s.result?.vehicle ?? null);
  if (vehicle === null) return null;
  const name =
    [vehicle.brand ? BRAND_NAMES[vehicle.brand] : null, vehicle.model].filter(Boolean).join(' ') ||
    t('vehicle.unknownTitle');
  return (
    <div className="vehicle-bar" aria-label={t('vehicle.current')}>
      <span className="vin-chip">{vehicle.vin}</span>
      <span className="vehicle-bar__name">{name}</span>
      <span className="vehicle-bar__unit">
        {vehicle.headUnit ? HEAD_UNIT_NAMES[vehicle.headUnit] : t('vehicle.headUnitUnknown')}
      </span>
    </div>
  );
}
