import type { StatusProblem, StatusResponse, SyncRunRecord, SyncStatus } from '@pnc/shared';
import { recentWorkstations } from '../db/accounts.js';
import { listSyncRuns } from '../db/content.js';
import { outboxBacklog } from '../db/installations.js';
import type { AppDeps } from '../http/context.js';
import { serverInfo } from '../http/routes/info.js';
import { diskUsage } from './disk-usage.js';

const HISTORY_RUNS = 20;
const WORKSTATION_DAYS = 7;
/** Below this share of free space, or this many bytes, the next sync may not fit. */
const LOW_DISK_RATIO = 0.1;
const LOW_DISK_BYTES = 5 * 1024 ** 3;

/** Failed runs since the last one that ended well: the problems that still stand. */
function standingSyncFailures(history: SyncRunRecord[]): StatusProblem[] {
  const out: StatusProblem[] = [];
  for (const run of history) {
    if (run.status === 'ok' || run.status === 'unchanged') break;
    if (run.status !== 'failed') continue;
    out.push({
      kind: 'sync-failed',
      at: run.finishedAt ?? run.startedAt,
      message: `The synchronisation started ${run.trigger === 'schedule' ? 'by the schedule' : `(${run.trigger})`} failed: ${run.errorMessage ?? run.errorCode ?? 'no reason recorded'}. The previous content is still served.`,
    });
    if (out.length === 5) break;
  }
  return out;
}

function problems(
  deps: AppDeps,
  s: {
    sync: SyncStatus | null;
    history: SyncRunRecord[];
    outbox: StatusResponse['outbox'];
    disk: StatusResponse['disk'];
    info: StatusResponse['info'];
  },
): StatusProblem[] {
  const out = standingSyncFailures(s.history);
  const now = s.info.serverTime;
  if (!s.info.content) {
    out.push({
      kind: 'content-missing',
      at: null,
      message:
        'The box has no content yet: the first synchronisation has not completed, so workstations cannot prepare keys.',
    });
  } else if (Date.parse(s.info.content.expiresAt) <= Date.parse(now)) {
    out.push({
      kind: 'content-expired',
      at: s.info.content.expiresAt,
      message:
        'The served content has expired: workstations will refuse it until a synchronisation succeeds. Check the internet connection (HTTPS 443 to the carmaker).',
    });
  }
  if (s.sync?.clock?.warning) out.push({ kind: 'clock', at: now, message: s.sync.clock.warning });
  if (s.outbox.pending > 0 && (s.outbox.lastError || !deps.outbox)) {
    const n = s.outbox.pending;
    const what = `${n} installation confirmation${n === 1 ? '' : 's'} not yet delivered to the carmaker`;
    out.push({
      kind: 'outbox',
      at: s.outbox.oldest,
      message: deps.outbox
        ? `${what}; last error: ${s.outbox.lastError}. They are kept and retried automatically.`
        : `${what}: no carmaker endpoint is configured (outboxUrl). They are kept until one is.`,
    });
  }
  const { totalBytes, freeBytes } = s.disk;
  if (totalBytes > 0 && (freeBytes / totalBytes < LOW_DISK_RATIO || freeBytes < LOW_DISK_BYTES)) {
    out.push({
      kind: 'disk-low',
      at: now,
      message: `Only ${(freeBytes / 1024 ** 3).toFixed(1)} GB free on the data disk: new content may not fit. Old content is removed automatically after its retention period.`,
    });
  }
  return out;
}

/** Everything the admin status page shows, in one answer. */
export async function statusReport(deps: AppDeps): Promise<StatusResponse> {
  const info = serverInfo(deps);
  const sync = deps.sync?.status() ?? null;
  const history = listSyncRuns(deps.db, HISTORY_RUNS);
  const outbox = outboxBacklog(deps.db);
  const disk = await diskUsage(deps.config.dataDir);
  const since = new Date(Date.now() - WORKSTATION_DAYS * 86_400_000).toISOString();
  const workstations = recentWorkstations(deps.db, since);
  return {
    info,
    sync,
    syncHistory: history,
    disk,
    outbox,
    workstations,
    errors: problems(deps, { sync, history, outbox, disk, info }),
  };
}
