import type { FastifyInstance } from 'fastify';
import {
  apiRoutes,
  decodeVin,
  evaluateEligibility,
  parseVin,
  PncError,
  type CatalogResponse,
  type EligibilityResult,
  type VehicleInfo,
} from '@pnc/shared';
import { findVehicle } from '../../db/content.js';
import { confirmedVersions } from '../../db/installations.js';
import { loadCurrentCatalog } from '../../mirror/catalog-cache.js';
import type { AppDeps } from '../context.js';
import { parseWith } from '../validate.js';

/** The registry record when the VIN is known, otherwise what the VIN itself tells. */
export function vehicleInfo(deps: AppDeps, vin: string): VehicleInfo {
  // Installations confirmed here are newer than the carmaker's registry of last night.
  const confirmed = confirmedVersions(deps.db, vin);
  const record = findVehicle(deps.db, vin);
  if (record) return { ...record, ...confirmed, source: 'registry' };
  const d = decodeVin(vin);
  const info: VehicleInfo = { vin, source: 'decoded', openCampaigns: [], ...confirmed };
  if (d.brand) info.brand = d.brand;
  if (d.modelYear) info.modelYear = d.modelYear;
  return info;
}

function currentCatalog(deps: AppDeps): CatalogResponse {
  const current = loadCurrentCatalog(deps.config.dataDir, deps.db);
  if (!current) {
    throw new PncError(
      'NO_CONTENT_YET',
      'The server has no content yet: the first synchronisation has not completed.',
    );
  }
  return current;
}

export function contentRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/catalog', async (): Promise<CatalogResponse> => currentCatalog(deps));

  app.get('/api/v1/vehicles/:vin', async (req): Promise<VehicleInfo> => {
    const { vin } = parseWith(apiRoutes.vehicle.params, req.params, 'VIN');
    return vehicleInfo(deps, parseVin(vin));
  });

  app.get('/api/v1/vehicles/:vin/eligibility', async (req): Promise<EligibilityResult> => {
    const { vin } = parseWith(apiRoutes.eligibility.params, req.params, 'VIN');
    const vehicle = vehicleInfo(deps, parseVin(vin));
    return evaluateEligibility(vehicle, currentCatalog(deps).catalog);
  });
}
