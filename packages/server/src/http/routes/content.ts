import type { FastifyInstance } from 'fastify';
import {
  apiRoutes,
  decodeVin,
  evaluateEligibility,
  parseVin,
  PncError,
  type Catalog,
  type CatalogResponse,
  type EligibilityResult,
  type VehicleInfo,
} from '@pnc/shared';
import { lookUpVehicle, type VehicleLookup } from '../../db/vehicle-lookup.js';
import { catalogOf, loadCurrentCatalog } from '../../mirror/catalog-cache.js';
import type { AppDeps } from '../context.js';
import { parseWith } from '../validate.js';

/** The registry record when the VIN is known, otherwise what the VIN itself tells. */
function toVehicleInfo(vin: string, { record, confirmed }: VehicleLookup): VehicleInfo {
  // Installations confirmed here are newer than the carmaker's registry of last night.
  if (record) return { ...record, ...confirmed, source: 'registry' };
  const d = decodeVin(vin);
  const info: VehicleInfo = { vin, source: 'decoded', openCampaigns: [], ...confirmed };
  if (d.brand) info.brand = d.brand;
  if (d.modelYear) info.modelYear = d.modelYear;
  return info;
}

export function vehicleInfo(deps: AppDeps, vin: string): VehicleInfo {
  return toVehicleInfo(vin, lookUpVehicle(deps.db, vin));
}

function noContentYet(): PncError {
  return new PncError(
    'NO_CONTENT_YET',
    'The server has no content yet: the first synchronisation has not completed.',
  );
}

function currentCatalog(deps: AppDeps): CatalogResponse {
  const current = loadCurrentCatalog(deps.config.dataDir, deps.db);
  if (!current) throw noContentYet();
  return current;
}

export function contentRoutes(app: FastifyInstance, deps: AppDeps): void {
  /** The vehicle and the catalog of the same publication, from one read of the database. */
  function eligibilityInputs(vin: string): { vehicle: VehicleInfo; catalog: Catalog } {
    const found = lookUpVehicle(deps.db, vin);
    if (!found.catalog) throw noContentYet();
    return { vehicle: toVehicleInfo(vin, found), catalog: catalogOf(deps.config.dataDir, found.catalog) };
  }

  app.get('/api/v1/catalog', async (): Promise<CatalogResponse> => currentCatalog(deps));

  app.get('/api/v1/vehicles/:vin', async (req): Promise<VehicleInfo> => {
    const { vin } = parseWith(apiRoutes.vehicle.params, req.params, 'VIN');
    return vehicleInfo(deps, parseVin(vin));
  });

  app.get('/api/v1/vehicles/:vin/eligibility', async (req): Promise<EligibilityResult> => {
    const { vin } = parseWith(apiRoutes.eligibility.params, req.params, 'VIN');
    const { vehicle, catalog } = eligibilityInputs(parseVin(vin));
    return evaluateEligibility(vehicle, catalog);
  });
}
