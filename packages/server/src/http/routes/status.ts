import type { FastifyInstance } from 'fastify';
import { apiRoutes as r, PncError, type StatusResponse, type SyncStatus } from '@pnc/shared';
import { audit, listAudit } from '../../db/accounts.js';
import { statusReport } from '../../admin/status-report.js';
import { principal } from '../auth.js';
import type { AppDeps } from '../context.js';
import { parseWith } from '../validate.js';

export function statusRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/status', { config: { auth: 'admin' } }, async (): Promise<StatusResponse> =>
    statusReport(deps),
  );

  app.get('/api/v1/sync', async (): Promise<SyncStatus | null> => deps.sync?.status() ?? null);

  app.post('/api/v1/sync', { config: { auth: 'admin' } }, async (req, reply) => {
    const sync = deps.sync;
    if (!sync)
      throw new PncError(
        'CONFLICT',
        'No origin is configured on this box, so there is nothing to synchronise from.',
      );
    const run = sync.runNow('manual');
    // A sync this process could not start (another process holds the lock) rejects at once: say so.
    if (!sync.status().running) await run;
    run.catch((err: unknown) =>
      req.log.warn({ err }, 'manual synchronisation failed; serving the previous content'),
    );
    audit(
      deps.db,
      { event: 'sync_requested', actor: principal(req).username, address: req.ip },
      new Date().toISOString(),
    );
    return reply.status(202).send(sync.status());
  });

  app.get('/api/v1/audit', { config: { auth: 'admin' } }, async (req) => {
    const { limit } = parseWith(r.audit.query, req.query, 'query');
    return listAudit(deps.db, limit);
  });
}
