import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { Catalog, decodeVin, PncError, VehicleRecord, compareVersions, type VehicleInfo } from '@pnc/shared';
import { writeFileAtomic } from '../util/atomic-file.js';
import { IdleTimeoutFetcher } from './idle-fetcher.js';
import { tufErrorToPnc } from './tuf-errors.js';

export interface VerifiedCatalog {
  /** Snapshot version the catalog was reached through. */
  version: number;
  catalog: Catalog;
  /** When the timestamp metadata expires: after that the content is refused. */
  expiresAt: string;
  /**
   * The carmaker's signed vehicle registry, by VIN (empty when none is published). The server's
   * answer about a vehicle is checked against it: see `trustedVehicle`.
   */
  registry?: ReadonlyMap<string, VehicleRecord>;
}

export interface VerifyOptions {
  serverUrl: string;
  /** The carmaker's root.json the app ships with. */
  trustedRootFile: string;
  /** Workstation state dir; trusted metadata is kept under it (rollback protection across runs). */
  stateDir: string;
  /** The server's clock (GET /api/v1/info), only to explain an expiry caused by this computer's clock. */
  serverTime?: string;
}

/** Clock steps smaller than this (NTP corrections, two machines a little apart) are not reported. */
export const CLOCK_TOLERANCE_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

function describeOffset(ms: number): string {
  const abs = Math.abs(ms);
  return abs >= DAY_MS ? `${(abs / DAY_MS).toFixed(1)} days` : `${Math.round(abs / 60_000)} minutes`;
}

function clockBehind(now: Date, seen: Date, why: string): PncError {
  return new PncError(
    'METADATA_EXPIRED',
    `This computer's clock (${now.toISOString()}) is ${describeOffset(seen.getTime() - now.getTime())} behind ${why} (${seen.toISOString()}): ` +
      'its date is wrong, and expired content could pass for valid. Set the date and time right (automatic time), then try again.',
    { reason: 'CLOCK_BEHIND', now: now.toISOString(), latestKnownTime: seen.toISOString() },
  );
}

/**
 * The latest time this workstation has known for sure (its own clock at earlier verifications,
 * and the carmaker's signing time of the content): a clock set back below it is refused, since
 * TUF expiry is only as good as the clock that checks it.
 */
function latestKnownTime(file: string): Date | null {
  try {
    const t = Date.parse((JSON.parse(readFileSync(file, 'utf8')) as { latestKnownTime?: string }).latestKnownTime ?? '');
    return Number.isFinite(t) ? new Date(t) : null;
  } catch {
    return null;
  }
}

/**
 * What the workstation believes about a vehicle: the server's answer checked against the signed
 * registry. The server is not trusted with eligibility: a box lying about a VIN's head unit,
 * brand or region (or calling a registered VIN unknown) would get a package meant for another
 * head unit onto the key. Identity comes from the signed record; the server only adds what it
 * alone knows — versions confirmed since the registry was signed, which only move forward.
 */
export function trustedVehicle(verified: VerifiedCatalog, fromServer: VehicleInfo): VehicleInfo {
  if (!verified.registry) return fromServer;
  const newer = (signed: string | undefined, local: string | undefined): string | undefined =>
    signed === undefined ? local : local === undefined ? signed : compareVersions(local, signed) > 0 ? local : signed;
  const softVersion = newer(undefined, fromServer.softVersion);
  const mapVersion = newer(undefined, fromServer.mapVersion);
  const record = verified.registry.get(fromServer.vin);
  if (record) {
    const soft = newer(record.softVersion, fromServer.softVersion);
    const map = newer(record.mapVersion, fromServer.mapVersion);
    return {
      ...record,
      source: 'registry',
      ...(soft !== undefined ? { softVersion: soft } : {}),
      ...(map !== undefined ? { mapVersion: map } : {}),
    };
  }
  // Not in the signed registry: only what the VIN itself tells, whatever the server claims.
  const d = decodeVin(fromServer.vin);
  return {
    vin: d.vin,
    source: 'decoded',
    openCampaigns: [],
    ...(d.brand ? { brand: d.brand } : {}),
    ...(d.modelYear ? { modelYear: d.modelYear } : {}),
    ...(softVersion !== undefined ? { softVersion } : {}),
    ...(mapVersion !== undefined ? { mapVersion } : {}),
  };
}

function parseRegistry(bytes: string): Map<string, VehicleRecord> {
  const out = new Map<string, VehicleRecord>();
  for (const [i, line] of bytes.split('\n').entries()) {
    if (line.trim() === '') continue;
    const r = VehicleRecord.safeParse(JSON.parse(line));
    if (!r.success) throw new PncError('METADATA_INVALID', `The signed vehicle registry is invalid on line ${i + 1}.`);
    out.set(r.data.vin, r.data);
  }
  return out;
}

/**
 * Fetches the catalog through TUF from the LAN server and verifies it against the carmaker root
 * this workstation ships with. The server is not trusted: a forged, stale or rolled-back catalog
 * is refused here, and every blob is later checked against this catalog's hashes.
 */
export async function fetchVerifiedCatalog(opts: VerifyOptions): Promise<VerifiedCatalog> {
  const metadataDir = join(opts.stateDir, 'tuf', 'metadata');
  const targetDir = join(opts.stateDir, 'tuf', 'targets');
  mkdirSync(metadataDir, { recursive: true });
  mkdirSync(targetDir, { recursive: true });
  if (!existsSync(join(metadataDir, 'root.json')))
    copyFileSync(opts.trustedRootFile, join(metadataDir, 'root.json'));

  const base = opts.serverUrl.replace(/\/$/, '');
  const updater = new Updater({
    metadataDir,
    targetDir,
    metadataBaseUrl: `${base}/api/v1/tuf/metadata`,
    targetBaseUrl: `${base}/api/v1/tuf/targets`,
    fetcher: new IdleTimeoutFetcher(),
    config: { prefixTargetsWithHash: true },
  });
  const clockFile = join(opts.stateDir, 'tuf', 'latest-time.json');
  const now = new Date();
  const seen = latestKnownTime(clockFile);
  if (seen && now.getTime() < seen.getTime() - CLOCK_TOLERANCE_MS) {
    throw clockBehind(now, seen, 'a time this workstation already saw');
  }
  let file: string;
  let registryFile: string | null = null;
  try {
    await updater.refresh();
    const info = await updater.getTargetInfo('catalog.json');
    if (!info) throw new PncError('METADATA_INVALID', 'The signed content has no catalog.');
    file = (await updater.findCachedTarget(info)) ?? (await updater.downloadTarget(info));
    const vehicles = await updater.getTargetInfo('vehicles.ndjson');
    if (vehicles) registryFile = (await updater.findCachedTarget(vehicles)) ?? (await updater.downloadTarget(vehicles));
  } catch (e) {
    const err = tufErrorToPnc(e, opts.serverUrl);
    const serverTime = opts.serverTime ? Date.parse(opts.serverTime) : NaN;
    if (err.code === 'METADATA_EXPIRED' && Number.isFinite(serverTime) && Math.abs(now.getTime() - serverTime) > CLOCK_TOLERANCE_MS) {
      const ahead = now.getTime() > serverTime;
      throw new PncError(
        'METADATA_EXPIRED',
        `${err.message} This computer's clock is ${describeOffset(now.getTime() - serverTime)} ${ahead ? 'ahead of' : 'behind'} the server's: check its date and time first.`,
        { reason: ahead ? 'CLOCK_AHEAD' : 'CLOCK_BEHIND', now: now.toISOString(), serverTime: opts.serverTime },
      );
    }
    throw err;
  }
  const timestamp = JSON.parse(readFileSync(join(metadataDir, 'timestamp.json'), 'utf8')) as {
    signed: { expires: string; meta: Record<string, { version: number }> };
  };
  const parsed = Catalog.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new PncError(
      'METADATA_INVALID',
      `The signed catalog does not match the catalog schema: ${parsed.error.issues[0]?.message}`,
    );
  }
  // The carmaker signed this catalog at generatedAt: a clock before that is wrong.
  const signedAt = new Date(parsed.data.generatedAt);
  if (now.getTime() < signedAt.getTime() - CLOCK_TOLERANCE_MS) throw clockBehind(now, signedAt, 'the time the carmaker signed this content');
  const latest = Math.max(now.getTime(), signedAt.getTime(), seen?.getTime() ?? 0);
  await writeFileAtomic(clockFile, JSON.stringify({ latestKnownTime: new Date(latest).toISOString() }) + '\n');
  return {
    version: timestamp.signed.meta['snapshot.json']?.version ?? 0,
    catalog: parsed.data,
    expiresAt: timestamp.signed.expires,
    registry: registryFile ? parseRegistry(readFileSync(registryFile, 'utf8')) : new Map(),
  };
}
