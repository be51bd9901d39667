import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { ApiErrorBody } from '@pnc/shared';
import type { AppDeps } from './context.js';
import { AccessLog } from './access-log.js';
import { installAuth } from './auth.js';
import { installErrorHandling } from './errors.js';
import { accountRoutes } from './routes/accounts.js';
import { installationRoutes } from './routes/installations.js';
import { blobRoutes } from './routes/blobs.js';
import { contentRoutes } from './routes/content.js';
import { infoRoutes } from './routes/info.js';
import { statusRoutes } from './routes/status.js';
import { channelRoutes } from './routes/channels.js';
import { openApiRoutes } from './routes/openapi.js';
import { adminPage } from '../admin/static-page.js';

export type { AppDeps } from './context.js';

/** Body limit for JSON requests: confirmations and account forms are small. */
const BODY_LIMIT = 256 * 1024;

/**
 * Builds the LAN API. No listening and no process hooks here: the runner owns those, and tests
 * use `app.inject` or listen on port 0.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    logController: new AccessLog(),
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // The box sits on a shop LAN: keep idle keep-alive sockets from piling up.
    keepAliveTimeout: 65_000,
    requestTimeout: 0, // multi-GB blob downloads must never be cut for taking long
    // Errors Fastify raises before routing (a path parameter over maxParamLength → 414, a bad
    // URL encoding → 400) bypass setErrorHandler and would answer Fastify's own shape: give them
    // ours, with a stable code (found by the reliability fuzzing, issue #8).
    frameworkErrors: (error, _req, reply) => {
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      const body: ApiErrorBody = {
        code: 'VALIDATION_FAILED',
        message: status === 414 ? 'The address is too long.' : `Invalid request address (${error.message}).`,
      };
      void (reply as FastifyReply).code(status).send(body);
    },
  });
  installErrorHandling(app);
  installAuth(app, deps.accounts);
  infoRoutes(app, deps);
  accountRoutes(app, deps.accounts);
  contentRoutes(app, deps);
  blobRoutes(app, deps);
  installationRoutes(app, deps);
  statusRoutes(app, deps);
  channelRoutes(app, deps);
  openApiRoutes(app, deps);
  await adminPage(app);
  await app.ready();
  return app;
}
