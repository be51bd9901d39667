import { Cron } from 'croner';
import { isPncError, PncError } from '@pnc/shared';
import type { Logger } from 'pino';
import { getCurrentContent, latestSuccessfulSyncRun, latestSyncRun, type SyncRun } from '../db/content.js';
import type { Db } from '../db/database.js';
import { Throttle, type BandwidthConfig } from './bandwidth.js';
import { OriginHttp } from './origin-http.js';
import { acquireSyncLock } from './sync-lock.js';
import { SyncProgress, type SyncProgressView } from './sync-progress.js';
import { CLOCK_SKEW_WARNING_SECONDS, runSync, type SyncResult } from './sync-run.js';

export interface SyncManagerOptions {
  dataDir: string;
  db: Db;
  origin: string;
  log: Logger;
  /** Cron syntax (default nightly at 02:00) and an IANA time zone (default: the box's). */
  schedule?: { cron: string; timezone?: string };
  bandwidth?: BandwidthConfig;
  retentionDays?: number;
  parallel?: number;
  diskMarginBytes?: number;
  idleTimeoutMs?: number;
}

/** What GET /api/v1/sync shows; plain JSON. */
export interface SyncStatus {
  running: boolean;
  trigger: string | null;
  startedAt: string | null;
  progress: SyncProgressView;
  lastRun: SyncRun | null;
  lastSuccessAt: string | null;
  content: {
    snapshotVersion: number;
    generatedAt: string;
    publishedAt: string;
    /** Seconds since the carmaker generated the served catalog. */
    ageSeconds: number;
    expiresAt: string;
    secondsToExpiry: number;
    expired: boolean;
  } | null;
  clock: { skewSeconds: number; originDate: string; warning: string | null } | null;
  schedule: { cron: string; timezone: string | null; nextRunAt: string | null } | null;
  bandwidthLimitBytesPerSecond: number | null;
}

export interface SyncManager {
  /** Starts a sync, or returns the one running. Rejects with CONFLICT when another process syncs. */
  runNow(trigger?: string): Promise<SyncResult>;
  status(): SyncStatus;
  /** Arms the schedule. */
  start(): void;
  /** Disarms the schedule and cancels a running sync (the previous content stays served). */
  stop(): Promise<void>;
}

export const DEFAULT_SYNC_CRON = '0 2 * * *';

export function createSyncManager(opts: SyncManagerOptions): SyncManager {
  const http = new OriginHttp(opts.idleTimeoutMs);
  const throttle = new Throttle(opts.bandwidth);
  const schedule = opts.schedule ?? { cron: DEFAULT_SYNC_CRON };
  try {
    new Cron(schedule.cron, {
      paused: true,
      ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
    }).stop();
  } catch (e) {
    throw new PncError(
      'VALIDATION_FAILED',
      `The sync schedule "${schedule.cron}" is not valid cron syntax or time zone (${(e as Error).message}).`,
    );
  }
  let cron: Cron | null = null;
  let running: {
    promise: Promise<SyncResult>;
    trigger: string;
    startedAt: string;
    progress: SyncProgress;
    abort: AbortController;
  } | null = null;
  let idleProgress = new SyncProgress();
  idleProgress.phase = 'idle';

  function runNow(trigger = 'manual'): Promise<SyncResult> {
    if (running) return running.promise;
    let release: () => void;
    try {
      release = acquireSyncLock(opts.dataDir);
    } catch (e) {
      return Promise.reject(isPncError(e) ? e : new PncError('INTERNAL', (e as Error).message));
    }
    const progress = new SyncProgress();
    const abort = new AbortController();
    const promise = runSync({
      dataDir: opts.dataDir,
      db: opts.db,
      origin: opts.origin,
      log: opts.log,
      http,
      trigger,
      progress,
      throttle,
      signal: abort.signal,
      ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
      ...(opts.diskMarginBytes !== undefined ? { diskMarginBytes: opts.diskMarginBytes } : {}),
      ...(opts.retentionDays !== undefined ? { retentionDays: opts.retentionDays } : {}),
    }).finally(() => {
      release();
      idleProgress = progress;
      running = null;
    });
    running = { promise, trigger, startedAt: new Date().toISOString(), progress, abort };
    return promise;
  }

  function status(): SyncStatus {
    const now = Date.now();
    const current = getCurrentContent(opts.db);
    const skew = http.lastOriginDate;
    const skewSeconds = skew ? Math.round((skew.local.getTime() - skew.origin.getTime()) / 1000) : null;
    return {
      running: running !== null,
      trigger: running?.trigger ?? null,
      startedAt: running?.startedAt ?? null,
      progress: (running?.progress ?? idleProgress).view(),
      lastRun: latestSyncRun(opts.db),
      lastSuccessAt: latestSuccessfulSyncRun(opts.db)?.finishedAt ?? null,
      content: current && {
        snapshotVersion: current.snapshotVersion,
        generatedAt: current.generatedAt,
        publishedAt: current.publishedAt,
        ageSeconds: Math.max(0, Math.round((now - Date.parse(current.generatedAt)) / 1000)),
        expiresAt: current.expiresAt,
        secondsToExpiry: Math.round((Date.parse(current.expiresAt) - now) / 1000),
        expired: Date.parse(current.expiresAt) <= now,
      },
      clock:
        skew && skewSeconds !== null
          ? {
              skewSeconds,
              originDate: skew.origin.toISOString(),
              warning:
                Math.abs(skewSeconds) > CLOCK_SKEW_WARNING_SECONDS
                  ? `The box's clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'ahead of' : 'behind'} the carmaker's server: check NTP (UDP 123).`
                  : null,
            }
          : null,
      schedule: {
        cron: schedule.cron,
        timezone: schedule.timezone ?? null,
        nextRunAt: cron?.nextRun()?.toISOString() ?? null,
      },
      bandwidthLimitBytesPerSecond: throttle.currentLimit(),
    };
  }

  return {
    runNow,
    status,
    start() {
      if (cron) return;
      cron = new Cron(
        schedule.cron,
        { ...(schedule.timezone ? { timezone: schedule.timezone } : {}), protect: true },
        () => {
          runNow('schedule').catch((err: unknown) =>
            opts.log.warn({ err }, 'scheduled synchronisation not started'),
          );
        },
      );
      opts.log.info(
        { cron: schedule.cron, timezone: schedule.timezone ?? null, next: cron.nextRun()?.toISOString() },
        'synchronisation scheduled',
      );
    },
    async stop() {
      cron?.stop();
      cron = null;
      if (running) {
        running.abort.abort();
        await running.promise.catch(() => undefined);
      }
      await http.close();
    },
  };
}
