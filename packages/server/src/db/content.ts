import type { VehicleRecord } from '@pnc/shared';
import type { Db } from './database.js';
import { prepared } from './statements.js';

/** The catalog the box serves now. */
export interface CurrentContent {
  snapshotVersion: number;
  targetsVersion: number;
  catalogSha256: string;
  vehiclesSha256: string | null;
  generatedAt: string;
  publishedAt: string;
  expiresAt: string;
  packageCount: number;
  /** Root version the catalog was verified under; newer roots are not served before it changes. */
  rootVersion: number | null;
}

export type CatalogState = 'current' | 'previous' | 'retired';

interface CatalogRow {
  snapshot_version: number;
  targets_version: number;
  timestamp_version: number;
  catalog_sha256: string;
  vehicles_sha256: string | null;
  generated_at: string;
  published_at: string;
  expires_at: string;
  package_count: number;
  root_version: number | null;
  state: CatalogState;
}

function toContent(r: CatalogRow): CurrentContent {
  return {
    snapshotVersion: r.snapshot_version,
    targetsVersion: r.targets_version,
    catalogSha256: r.catalog_sha256,
    vehiclesSha256: r.vehicles_sha256,
    generatedAt: r.generated_at,
    publishedAt: r.published_at,
    expiresAt: r.expires_at,
    packageCount: r.package_count,
    rootVersion: r.root_version,
  };
}

export function getCurrentContent(db: Db): CurrentContent | null {
  const row = prepared(db, `SELECT * FROM catalogs WHERE state = 'current'`).get() as CatalogRow | undefined;
  return row ? toContent(row) : null;
}

/** Catalogs whose blobs must stay in the store: the one served and the one kept for rollback. */
export function keptCatalogs(db: Db): Array<CurrentContent & { state: CatalogState }> {
  const rows = db
    .prepare(`SELECT * FROM catalogs WHERE state IN ('current', 'previous')`)
    .all() as CatalogRow[];
  return rows.map((r) => ({ ...toContent(r), state: r.state }));
}

export interface PublishInput {
  rootVersion: number;
  snapshotVersion: number;
  targetsVersion: number;
  timestampVersion: number;
  catalogSha256: string;
  vehiclesSha256: string | null;
  generatedAt: string;
  expiresAt: string;
  packageCount: number;
  blobs: ReadonlyArray<{ sha256: string; size: number }>;
  now: string;
}

/**
 * The publication: one transaction switches the served catalog, replaces the vehicle registry with
 * the staged one (see stageVehicles) and records the blobs it references. Readers see the old
 * state or the new one, never a mix.
 */
export function publishCatalog(db: Db, p: PublishInput): void {
  db.transaction(() => {
    db.prepare(`UPDATE catalogs SET state = 'retired' WHERE state = 'previous'`).run();
    db.prepare(`UPDATE catalogs SET state = 'previous' WHERE state = 'current'`).run();
    db.prepare(
      `INSERT INTO catalogs (root_version, snapshot_version, targets_version, timestamp_version, catalog_sha256, vehicles_sha256,
         generated_at, published_at, expires_at, package_count, state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'current')
       ON CONFLICT (snapshot_version) DO UPDATE SET state = 'current', published_at = excluded.published_at,
         root_version = excluded.root_version, timestamp_version = excluded.timestamp_version, expires_at = excluded.expires_at`,
    ).run(
      p.rootVersion,
      p.snapshotVersion,
      p.targetsVersion,
      p.timestampVersion,
      p.catalogSha256,
      p.vehiclesSha256,
      p.generatedAt,
      p.now,
      p.expiresAt,
      p.packageCount,
    );
    db.prepare(`DELETE FROM vehicles`).run();
    // Copied inside SQLite, in key order: the registry never passes through JavaScript objects here.
    db.prepare(`INSERT INTO vehicles (${VEHICLE_COLUMNS}) SELECT ${VEHICLE_COLUMNS} FROM temp.${STAGING}`).run();
    const touch = db.prepare(
      `INSERT INTO blobs (sha256, size, added_at, last_referenced_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET last_referenced_at = excluded.last_referenced_at`,
    );
    for (const b of p.blobs) touch.run(b.sha256, b.size, p.now, p.now);
  })();
}

const STAGING = 'vehicles_staging';
const VEHICLE_COLUMNS =
  'vin, brand, model, model_year, head_unit, soft_version, map_version, map_region, open_campaigns';

/**
 * Starts an empty staging registry for the next publication. It is a TEMP table (this connection
 * only, in a temporary file SQLite deletes itself): a registry of millions of vehicles is staged in
 * batches without holding it in memory, and nothing of it is visible before publishCatalog.
 */
export function beginVehicleStaging(db: Db): void {
  db.exec(
    `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (
       vin TEXT PRIMARY KEY, brand TEXT NOT NULL, model TEXT NOT NULL, model_year INTEGER,
       head_unit TEXT NOT NULL, soft_version TEXT, map_version TEXT, map_region TEXT,
       open_campaigns TEXT NOT NULL
     ) WITHOUT ROWID;
     DELETE FROM temp.${STAGING};`,
  );
}

/**
 * Adds validated records to the staging registry in one transaction. A VIN already staged throws
 * DuplicateVehicleError with the index in `records` so the caller can name the line.
 */
export function stageVehicleBatch(db: Db, records: readonly VehicleRecord[]): void {
  const insert = db.prepare(`INSERT INTO temp.${STAGING} (${VEHICLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    records.forEach((v, i) => {
      try {
        insert.run(
          v.vin,
          v.brand,
          v.model,
          v.modelYear ?? null,
          v.headUnit,
          v.softVersion ?? null,
          v.mapVersion ?? null,
          v.mapRegion ?? null,
          JSON.stringify(v.openCampaigns),
        );
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateVehicleError(i, v.vin);
        throw e;
      }
    });
  })();
}

export class DuplicateVehicleError extends Error {
  constructor(
    readonly index: number,
    readonly vin: string,
  ) {
    super(`VIN ${vin} appears twice`);
  }
}

/** Frees the staging registry (after the publication, or when the synchronisation failed). */
export function endVehicleStaging(db: Db): void {
  db.exec(`DROP TABLE IF EXISTS temp.${STAGING}`);
}

/** A newer timestamp for the catalog already served (the carmaker only extended expiry). */
export function refreshCurrentExpiry(
  db: Db,
  snapshotVersion: number,
  v: { rootVersion: number; timestampVersion: number; expiresAt: string },
): void {
  db.prepare(
    `UPDATE catalogs SET root_version = ?, timestamp_version = ?, expires_at = ? WHERE snapshot_version = ? AND state = 'current'`,
  ).run(v.rootVersion, v.timestampVersion, v.expiresAt, snapshotVersion);
}

/** Marks every referenced blob as used now, so garbage collection counts retention from the last use. */
export function touchBlobs(
  db: Db,
  blobs: ReadonlyArray<{ sha256: string; size: number }>,
  now: string,
): void {
  const touch = db.prepare(
    `INSERT INTO blobs (sha256, size, added_at, last_referenced_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (sha256) DO UPDATE SET last_referenced_at = excluded.last_referenced_at`,
  );
  db.transaction(() => {
    for (const b of blobs) touch.run(b.sha256, b.size, now, now);
  })();
}

export function blobLastReferenced(db: Db): Map<string, string> {
  const rows = db.prepare(`SELECT sha256, last_referenced_at FROM blobs`).all() as Array<{
    sha256: string;
    last_referenced_at: string;
  }>;
  return new Map(rows.map((r) => [r.sha256, r.last_referenced_at]));
}

export function forgetBlob(db: Db, sha256: string): void {
  db.prepare(`DELETE FROM blobs WHERE sha256 = ?`).run(sha256);
}

export interface VehicleRow {
  vin: string;
  brand: VehicleRecord['brand'];
  model: string;
  model_year: number | null;
  head_unit: VehicleRecord['headUnit'];
  soft_version: string | null;
  map_version: string | null;
  map_region: string | null;
  open_campaigns: string;
}

export function findVehicle(db: Db, vin: string): VehicleRecord | null {
  const r = prepared(db, `SELECT * FROM vehicles WHERE vin = ?`).get(vin) as VehicleRow | undefined;
  return r ? toVehicleRecord(r) : null;
}

export function toVehicleRecord(r: VehicleRow): VehicleRecord {
  return {
    vin: r.vin,
    brand: r.brand,
    model: r.model,
    ...(r.model_year !== null ? { modelYear: r.model_year } : {}),
    headUnit: r.head_unit,
    ...(r.soft_version !== null ? { softVersion: r.soft_version } : {}),
    ...(r.map_version !== null ? { mapVersion: r.map_version } : {}),
    ...(r.map_region !== null ? { mapRegion: r.map_region } : {}),
    openCampaigns: JSON.parse(r.open_campaigns) as string[],
  };
}

export function countVehicles(db: Db): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM vehicles`).get() as { n: number }).n;
}

export type SyncRunStatus = 'running' | 'ok' | 'unchanged' | 'failed';

export interface SyncRun {
  id: number;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  status: SyncRunStatus;
  snapshotVersion: number | null;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  bytesDownloaded: number;
  errorCode: string | null;
  errorMessage: string | null;
}

interface SyncRunRow {
  id: number;
  trigger: string;
  started_at: string;
  finished_at: string | null;
  status: SyncRunStatus;
  snapshot_version: number | null;
  files_total: number;
  files_done: number;
  bytes_total: number;
  bytes_done: number;
  bytes_downloaded: number;
  error_code: string | null;
  error_message: string | null;
}

function toRun(r: SyncRunRow): SyncRun {
  return {
    id: r.id,
    trigger: r.trigger,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    status: r.status,
    snapshotVersion: r.snapshot_version,
    filesTotal: r.files_total,
    filesDone: r.files_done,
    bytesTotal: r.bytes_total,
    bytesDone: r.bytes_done,
    bytesDownloaded: r.bytes_downloaded,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}

export function listSyncRuns(db: Db, limit: number): SyncRun[] {
  return (db.prepare(`SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?`).all(limit) as SyncRunRow[]).map(
    toRun,
  );
}

export function latestSyncRun(db: Db): SyncRun | null {
  const r = prepared(db, `SELECT * FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as SyncRunRow | undefined;
  return r ? toRun(r) : null;
}

/** The last run that ended well: what "last successful sync" means on the status page. */
export function latestSuccessfulSyncRun(db: Db): SyncRun | null {
  const r = db
    .prepare(`SELECT * FROM sync_runs WHERE status IN ('ok', 'unchanged') ORDER BY id DESC LIMIT 1`)
    .get() as SyncRunRow | undefined;
  return r ? toRun(r) : null;
}

export function startSyncRun(db: Db, trigger: string, startedAt: string): number {
  // A run left 'running' belongs to a process that died (killed, power cut): say so in the history.
  db.prepare(
    `UPDATE sync_runs SET status = 'failed', finished_at = ?, error_code = 'INTERNAL',
       error_message = 'interrupted before it finished (the process stopped)' WHERE status = 'running'`,
  ).run(startedAt);
  return Number(
    db
      .prepare(`INSERT INTO sync_runs (trigger, started_at, status) VALUES (?, ?, 'running')`)
      .run(trigger, startedAt).lastInsertRowid,
  );
}

export interface SyncRunProgress {
  snapshotVersion?: number | null;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  bytesDownloaded: number;
}

export function updateSyncRun(db: Db, id: number, p: SyncRunProgress): void {
  db.prepare(
    `UPDATE sync_runs SET snapshot_version = COALESCE(?, snapshot_version), files_total = ?, files_done = ?, bytes_total = ?,
       bytes_done = ?, bytes_downloaded = ? WHERE id = ?`,
  ).run(
    p.snapshotVersion ?? null,
    p.filesTotal,
    p.filesDone,
    p.bytesTotal,
    p.bytesDone,
    p.bytesDownloaded,
    id,
  );
}

export function finishSyncRun(
  db: Db,
  id: number,
  end: {
    status: Exclude<SyncRunStatus, 'running'>;
    finishedAt: string;
    errorCode?: string;
    errorMessage?: string;
  },
): void {
  db.prepare(
    `UPDATE sync_runs SET status = ?, finished_at = ?, error_code = ?, error_message = ? WHERE id = ?`,
  ).run(end.status, end.finishedAt, end.errorCode ?? null, end.errorMessage ?? null, id);
}
