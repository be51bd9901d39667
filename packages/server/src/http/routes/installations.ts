import type { FastifyInstance } from 'fastify';
import { apiRoutes as r, parseVin } from '@pnc/shared';
import { queryInstallations } from '../../db/installations.js';
import { recordConfirmation } from '../../installations/confirmations.js';
import { loadCurrentCatalog } from '../../mirror/catalog-cache.js';
import { principal } from '../auth.js';
import type { AppDeps } from '../context.js';
import { parseWith } from '../validate.js';

export function installationRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post('/api/v1/installations', async (req, reply) => {
    const body = parseWith(r.postInstallation.body, req.body, 'confirmation');
    const confirmation = { ...body, vin: parseVin(body.vin) };
    const catalog = loadCurrentCatalog(deps.config.dataDir, deps.db)?.catalog ?? null;
    const { ack, created } = recordConfirmation(deps.db, confirmation, principal(req).username, catalog);
    if (created) deps.outbox?.flush().catch((err: unknown) => req.log.warn({ err }, 'outbox flush failed'));
    return reply.status(created ? 201 : 200).send(ack);
  });

  app.get('/api/v1/installations', async (req) => {
    const q = parseWith(r.listInstallations.query, req.query, 'query');
    return queryInstallations(deps.db, { ...q, ...(q.vin ? { vin: parseVin(q.vin) } : {}) });
  });
}
