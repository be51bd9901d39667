import { readFileSync, statSync } from 'node:fs';
import { Catalog, isPncError, PncError } from '@pnc/shared';
import type { Logger } from 'pino';
import { ensureDataDir } from '../config/data-dir.js';
import {
  endVehicleStaging,
  finishSyncRun,
  getCurrentContent,
  latestSuccessfulSyncRun,
  publishCatalog,
  refreshCurrentExpiry,
  startSyncRun,
  touchBlobs,
  updateSyncRun,
  type CurrentContent,
} from '../db/content.js';
import type { Db } from '../db/database.js';
import { blobPath, hasBlob, partialPath } from '../store/blob-store.js';
import { downloadBlob, type BlobRef } from '../store/downloader.js';
import { DownloadWorkers } from '../store/download-workers.js';
import type { Throttle } from './bandwidth.js';
import { checkDiskSpace, DEFAULT_DISK_MARGIN } from './disk-preflight.js';
import { catalogBlobs, collectGarbage, DEFAULT_RETENTION_DAYS } from './garbage-collector.js';
import { refreshMetadata, type RefreshedMetadata } from './metadata-refresh.js';
import type { OriginHttp } from './origin-http.js';
import { writeServedMetadata } from './served-repo.js';
import { SyncProgress } from './sync-progress.js';
import { stageVehicles } from './vehicle-registry.js';
import { fetchRootBytes, rootChain } from './trusted-root.js';

export const DEFAULT_PARALLEL_DOWNLOADS = 4;
/** More than this between the box's clock and the origin's Date header is worth a warning. */
export const CLOCK_SKEW_WARNING_SECONDS = 300;
const DAY_MS = 86_400_000;

function describeSeconds(s: number): string {
  const abs = Math.abs(s);
  return abs * 1000 >= DAY_MS
    ? `${((abs * 1000) / DAY_MS).toFixed(1)} days`
    : `${Math.round(abs / 60)} minutes`;
}

/**
 * The latest time the box has known for sure: the end of its last successful synchronisation and
 * the carmaker's signing time of the content it serves. TUF expiry is only as good as the clock
 * checking it, so a clock set back below this (a dead RTC battery, a bad manual change) could let
 * expired metadata pass: the sync is refused instead, in plain words.
 */
function checkClockNotBehind(db: Db, now: Date): void {
  const known = [latestSuccessfulSyncRun(db)?.finishedAt, getCurrentContent(db)?.generatedAt]
    .map((t) => (t ? Date.parse(t) : NaN))
    .filter((t) => Number.isFinite(t));
  if (known.length === 0) return;
  const latest = Math.max(...known);
  if (now.getTime() >= latest - CLOCK_SKEW_WARNING_SECONDS * 1000) return;
  throw new PncError(
    'METADATA_EXPIRED',
    `The box's clock (${now.toISOString()}) is ${describeSeconds((latest - now.getTime()) / 1000)} behind a time it already knew (${new Date(latest).toISOString()}): ` +
      'it went backwards, and expired content could pass for valid. Fix the date and time (NTP, UDP 123) and synchronise again.',
    { reason: 'CLOCK_BEHIND', now: now.toISOString(), latestKnownTime: new Date(latest).toISOString() },
  );
}

export interface SyncOptions {
  dataDir: string;
  db: Db;
  /** Base URL of the carmaker repository (holds metadata/, targets/, blobs/). */
  origin: string;
  log: Logger;
  http: OriginHttp;
  trigger: string;
  progress?: SyncProgress;
  throttle?: Throttle;
  parallel?: number;
  diskMarginBytes?: number;
  retentionDays?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
}

export interface SyncResult {
  runId: number;
  trigger: string;
  status: 'ok' | 'unchanged' | 'failed';
  startedAt: string;
  finishedAt: string;
  /** The snapshot version served after the run. */
  snapshotVersion: number | null;
  previousSnapshotVersion: number | null;
  filesDownloaded: number;
  bytesDownloaded: number;
  /** Box clock minus origin clock, from the origin's Date header. */
  clockSkewSeconds: number | null;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

function parseCatalog(bytes: Buffer): Catalog {
  const r = Catalog.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!r.success)
    throw new PncError(
      'METADATA_INVALID',
      `The signed catalog does not follow schema 1 (${r.error.issues[0]?.message ?? 'invalid'}).`,
    );
  return r.data;
}

/** Runs `work` over `items` with at most `limit` at once; the first failure stops new starts. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown = null;
  const worker = async (): Promise<void> => {
    while (failed === null && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== null) throw failed;
}

/**
 * One synchronisation: verified metadata → catalog → preflight → missing blobs → publication in
 * one transaction → garbage collection. Whatever fails, the previous catalog stays served.
 */
export async function runSync(o: SyncOptions): Promise<SyncResult> {
  const startedAt = new Date().toISOString();
  ensureDataDir(o.dataDir);
  const origin = o.origin.replace(/\/+$/, '');
  const progress = o.progress ?? new SyncProgress();
  const runId = startSyncRun(o.db, o.trigger, startedAt);
  const before = getCurrentContent(o.db);
  const log = o.log.child({ run: runId });
  let filesDownloaded = 0;
  let meta: RefreshedMetadata | null = null;
  const save = (): void =>
    updateSyncRun(o.db, runId, {
      snapshotVersion: meta?.snapshotVersion ?? null,
      filesTotal: progress.filesTotal,
      filesDone: progress.filesDone,
      bytesTotal: progress.bytesTotal,
      bytesDone: progress.bytesDone,
      bytesDownloaded: progress.bytesDownloaded,
    });
  const result = (status: SyncResult['status'], error?: PncError): SyncResult => {
    const skew = o.http.lastOriginDate;
    const current = getCurrentContent(o.db);
    return {
      runId,
      trigger: o.trigger,
      status,
      startedAt,
      finishedAt: new Date().toISOString(),
      snapshotVersion: current?.snapshotVersion ?? null,
      previousSnapshotVersion: before?.snapshotVersion ?? null,
      filesDownloaded,
      bytesDownloaded: progress.bytesDownloaded,
      clockSkewSeconds: skew ? Math.round((skew.local.getTime() - skew.origin.getTime()) / 1000) : null,
      ...(error
        ? {
            error: {
              code: error.code,
              message: error.message,
              ...(error.details ? { details: error.details } : {}),
            },
          }
        : {}),
    };
  };

  try {
    progress.phase = 'metadata';
    log.info({ origin, trigger: o.trigger }, 'synchronisation started');
    checkClockNotBehind(o.db, new Date(startedAt));
    meta = await refreshMetadata(o.dataDir, origin, o.http);
    if (before && meta.snapshotVersion < before.snapshotVersion) {
      throw new PncError(
        'METADATA_ROLLBACK',
        `The origin offers snapshot ${meta.snapshotVersion}, older than the served ${before.snapshotVersion}.`,
      );
    }
    const download = async (ref: BlobRef, url: string): Promise<void> => {
      const got = await downloadBlob(ref, {
        dataDir: o.dataDir,
        http: o.http,
        url,
        onBytes: (n, how) => progress.add(n, how),
        ...(o.throttle ? { throttle: o.throttle } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.retryDelayMs !== undefined ? { retryDelayMs: o.retryDelayMs } : {}),
      });
      if (got > 0) filesDownloaded++;
    };
    const targetUrl = (ref: BlobRef, name: string): string => `${origin}/targets/${ref.sha256}.${name}`;
    await download(meta.catalog, targetUrl(meta.catalog, 'catalog.json'));
    if (meta.vehicles) await download(meta.vehicles, targetUrl(meta.vehicles, 'vehicles.ndjson'));
    const catalog = parseCatalog(readFileSync(blobPath(o.dataDir, meta.catalog.sha256)));
    const unchanged =
      before?.snapshotVersion === meta.snapshotVersion && before.catalogSha256 === meta.catalog.sha256;
    // Validated (and staged) before any blob is fetched: a bad registry costs no download.
    if (!unchanged)
      await stageVehicles(o.db, meta.vehicles ? blobPath(o.dataDir, meta.vehicles.sha256) : null);

    const needed = catalogBlobs(catalog);
    const missing = [...needed]
      .filter(([sha256, size]) => !hasBlob(o.dataDir, sha256, size))
      .map(([sha256, size]) => ({ sha256, size }));
    progress.phase = 'preflight';
    progress.filesTotal = missing.length;
    progress.bytesTotal = missing.reduce((n, b) => n + b.size, 0);
    const partialBytes = missing.reduce(
      (n, b) => n + (statSync(partialPath(o.dataDir, b.sha256), { throwIfNoEntry: false })?.size ?? 0),
      0,
    );
    checkDiskSpace(o.dataDir, progress.bytesTotal - partialBytes, o.diskMarginBytes ?? DEFAULT_DISK_MARGIN);
    save();

    progress.phase = 'blobs';
    if (missing.length)
      log.info(
        { files: missing.length, bytes: progress.bytesTotal, snapshot: meta.snapshotVersion },
        'downloading new content',
      );
    const ticker = setInterval(() => {
      const v = progress.view();
      log.info(v, 'synchronisation progress');
      save();
    }, 5000);
    // Blobs download on worker threads (download-workers.ts), started only when there is
    // something to fetch: a nightly sync with nothing new starts none. Each verified blob is
    // fsynced and renamed into the store in the background while the next ones download, and all
    // of it is on disk (files and folders) before the publication below.
    try {
      if (missing.length > 0) {
        const parallel = o.parallel ?? DEFAULT_PARALLEL_DOWNLOADS;
        const workers = new DownloadWorkers({
          dataDir: o.dataDir,
          parallel,
          idleTimeoutMs: o.http.idleTimeoutMs,
          onBytes: (n, how) => progress.add(n, how),
          ...(o.throttle ? { throttle: o.throttle } : {}),
          ...(o.retryDelayMs !== undefined ? { retryDelayMs: o.retryDelayMs } : {}),
        });
        try {
          await pool(missing, parallel, async (b) => {
            const got = await workers.download(b, `${origin}/blobs/sha256/${b.sha256}`, o.signal);
            if (got > 0) filesDownloaded++;
            progress.filesDone++;
          });
          await workers.settle();
        } finally {
          await workers.close();
        }
      }
    } finally {
      clearInterval(ticker);
    }

    progress.phase = 'publishing';
    const m = meta;
    const roots = await rootChain(o.dataDir, m.bytes.root, m.fetchedRoots, (v) =>
      fetchRootBytes(o.http, origin, v),
    );
    writeServedMetadata(o.dataDir, {
      roots,
      snapshotVersion: m.snapshotVersion,
      snapshot: m.bytes.snapshot,
      targetsVersion: m.targetsVersion,
      targets: m.bytes.targets,
      timestamp: m.bytes.timestamp,
    });
    const now = new Date().toISOString();
    const referenced = [...needed].map(([sha256, size]) => ({ sha256, size }));
    referenced.push(meta.catalog, ...(meta.vehicles ? [meta.vehicles] : []));
    if (unchanged) {
      refreshCurrentExpiry(o.db, m.snapshotVersion, {
        rootVersion: m.rootVersion,
        timestampVersion: m.timestampVersion,
        expiresAt: m.expiresAt,
      });
      touchBlobs(o.db, referenced, now);
    } else {
      publishCatalog(o.db, {
        rootVersion: m.rootVersion,
        snapshotVersion: m.snapshotVersion,
        targetsVersion: m.targetsVersion,
        timestampVersion: m.timestampVersion,
        catalogSha256: m.catalog.sha256,
        vehiclesSha256: m.vehicles?.sha256 ?? null,
        generatedAt: catalog.generatedAt,
        expiresAt: m.expiresAt,
        packageCount: catalog.packages.length,
        blobs: referenced,
        now,
      });
      log.info(
        {
          snapshot: m.snapshotVersion,
          packages: catalog.packages.length,
          previous: before?.snapshotVersion ?? null,
        },
        'new catalog published',
      );
    }

    progress.phase = 'cleanup';
    collectGarbage(o.dataDir, o.db, o.retentionDays ?? DEFAULT_RETENTION_DAYS, new Date(), log);
    save();
    const status = unchanged && filesDownloaded === 0 ? 'unchanged' : 'ok';
    finishSyncRun(o.db, runId, { status, finishedAt: new Date().toISOString() });
    const r = result(status);
    log.info(
      { status, snapshot: r.snapshotVersion, files: filesDownloaded, bytes: r.bytesDownloaded },
      'synchronisation finished',
    );
    return r;
  } catch (e) {
    const diskFull = ['ENOSPC', 'EDQUOT', 'SQLITE_FULL'].includes((e as { code?: string }).code ?? '');
    const err = isPncError(e)
      ? (e as PncError)
      : diskFull
        ? new PncError(
            'DISK_SPACE_LOW',
            `The box's disk filled up during the synchronisation (${(e as { code?: string }).code}): free some space and synchronise again.`,
          )
        : new PncError('INTERNAL', `Unexpected failure: ${(e as Error).message ?? String(e)}`);
    const still = servedNote(getCurrentContent(o.db));
    // Expired metadata is often the box's own clock: say so when the origin's Date disagrees.
    const skew = o.http.lastOriginDate;
    const skewSeconds = skew ? (skew.local.getTime() - skew.origin.getTime()) / 1000 : 0;
    const clockNote =
      err.code === 'METADATA_EXPIRED' && Math.abs(skewSeconds) > CLOCK_SKEW_WARNING_SECONDS
        ? ` The box's clock is ${describeSeconds(skewSeconds)} ${skewSeconds > 0 ? 'ahead of' : 'behind'} the carmaker's server: fix the date and time (NTP, UDP 123) first.`
        : '';
    const final = new PncError(err.code, `${err.message}${clockNote} ${still}`, err.details);
    try {
      save();
      finishSyncRun(o.db, runId, {
        status: 'failed',
        finishedAt: new Date().toISOString(),
        errorCode: final.code,
        errorMessage: final.message,
      });
    } catch (recordError) {
      // A full disk may refuse even this row: the result still says what happened, and the run
      // left 'running' is marked failed at the next start.
      log.error({ err: recordError }, 'could not record the failed synchronisation');
    }
    log.warn({ code: final.code, err: isPncError(e) ? undefined : e }, final.message);
    return result('failed', final);
  } finally {
    try {
      endVehicleStaging(o.db);
    } catch (e) {
      log.warn({ err: e }, 'could not drop the staged vehicle registry');
    }
    progress.phase = 'idle';
  }
}

function servedNote(current: CurrentContent | null): string {
  return current
    ? `The previous content (snapshot ${current.snapshotVersion}) is still served.`
    : 'The box has no content yet; nothing is served until a synchronisation succeeds.';
}
