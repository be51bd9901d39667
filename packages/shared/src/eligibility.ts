import type {
  Catalog,
  EligibilityResult,
  EligibleUpdate,
  NotEligibleUpdate,
  UpdatePackage,
  VehicleInfo,
} from './domain.js';
import { packageSize } from './domain.js';
import { compareVersions, versionMatches } from './version.js';

type Verdict = { ok: true; update: EligibleUpdate } | { ok: false; reason: NotEligibleUpdate['reason']; detail: string };

function judge(vehicle: VehicleInfo, p: UpdatePackage): Verdict {
  if (vehicle.headUnit && p.family !== vehicle.headUnit) {
    return { ok: false, reason: 'OTHER_HEAD_UNIT', detail: `for ${p.family}, the vehicle has ${vehicle.headUnit}` };
  }
  const { brands, models, fromVersions } = p.rules;
  if (brands && (!vehicle.brand || !brands.includes(vehicle.brand))) {
    return { ok: false, reason: 'BRAND_NOT_COVERED', detail: `for ${brands.join(', ')}` };
  }
  if (models && vehicle.model && !models.includes(vehicle.model)) {
    return { ok: false, reason: 'MODEL_NOT_COVERED', detail: `for ${models.join(', ')}` };
  }
  if (p.kind === 'MAP' && p.region !== '*' && vehicle.mapRegion && vehicle.mapRegion !== p.region) {
    return { ok: false, reason: 'OTHER_MAP_REGION', detail: `for ${p.region}, the vehicle uses ${vehicle.mapRegion}` };
  }
  const installed = p.kind === 'SOFT' ? vehicle.softVersion : vehicle.mapVersion;
  if (installed !== undefined) {
    if (compareVersions(installed, p.version) >= 0) {
      return { ok: false, reason: 'ALREADY_UP_TO_DATE', detail: `installed ${installed}` };
    }
    if (fromVersions && !fromVersions.some((f) => versionMatches(installed, f))) {
      return { ok: false, reason: 'FROM_VERSION_NOT_SUPPORTED', detail: `installs over ${fromVersions.join(', ')}, installed ${installed}` };
    }
  }
  const campaignOpen = p.campaign !== undefined && vehicle.openCampaigns.includes(p.campaign.code);
  const certainty = vehicle.source === 'registry' ? 'vehicle' : 'model';
  const update: EligibleUpdate = {
    packageId: p.id,
    kind: p.kind,
    family: p.family,
    version: p.version,
    title: p.title,
    size: packageSize(p),
    fileCount: p.files.length,
    reason: campaignOpen
      ? 'CAMPAIGN_OPEN'
      : certainty === 'model'
        ? 'MODEL_LEVEL'
        : installed === undefined
          ? 'INSTALLED_VERSION_UNKNOWN'
          : 'UPDATE_AVAILABLE',
    certainty,
  };
  if (p.campaign) update.campaign = p.campaign;
  if (installed !== undefined) update.installedVersion = installed;
  return { ok: true, update };
}

function rank(u: EligibleUpdate): number {
  if (u.reason === 'CAMPAIGN_OPEN') return u.campaign?.mandatory ? 0 : 1;
  return u.kind === 'SOFT' ? 2 : 3;
}

/**
 * The one eligibility rule, used by the server and re-checked by the workstation on the verified
 * catalog. For each (kind, head unit) only the newest fitting package is offered — unless an open
 * campaign names an older one; the others are `SUPERSEDED`. Campaigns come first, mandatory first.
 */
export function evaluateEligibility(vehicle: VehicleInfo, catalog: Pick<Catalog, 'packages'>): EligibilityResult {
  const candidates: EligibleUpdate[] = [];
  const notEligible: NotEligibleUpdate[] = [];
  for (const p of catalog.packages) {
    const v = judge(vehicle, p);
    if (v.ok) candidates.push(v.update);
    else notEligible.push({ packageId: p.id, kind: p.kind, family: p.family, version: p.version, reason: v.reason, detail: v.detail });
  }
  const newest = new Map<string, EligibleUpdate>();
  for (const u of candidates) {
    const key = `${u.kind}/${u.family}`;
    const best = newest.get(key);
    if (!best || compareVersions(u.version, best.version) > 0) newest.set(key, u);
  }
  const eligible: EligibleUpdate[] = [];
  for (const u of candidates) {
    const best = newest.get(`${u.kind}/${u.family}`)!;
    if (u === best || u.reason === 'CAMPAIGN_OPEN') eligible.push(u);
    else notEligible.push({ packageId: u.packageId, kind: u.kind, family: u.family, version: u.version, reason: 'SUPERSEDED', detail: `by ${best.packageId} ${best.version}` });
  }
  eligible.sort((a, b) => rank(a) - rank(b) || compareVersions(b.version, a.version) || a.packageId.localeCompare(b.packageId));
  notEligible.sort((a, b) => a.packageId.localeCompare(b.packageId));
  return { vehicle, eligible, notEligible };
}
