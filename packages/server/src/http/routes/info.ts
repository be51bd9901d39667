import type { FastifyInstance } from 'fastify';
import type { ServerInfo } from '@pnc/shared';
import { getCurrentContent, latestSyncRun } from '../../db/content.js';
import type { AppDeps } from '../context.js';

/** The box's identity and content age, as GET /api/v1/info answers it (also part of the status page). */
export function serverInfo(deps: AppDeps): ServerInfo {
  const now = new Date();
  const content = getCurrentContent(deps.db);
  const run = latestSyncRun(deps.db);
  return {
    product: 'plugnconnect-server',
    name: deps.config.name,
    dealerCode: deps.config.dealerCode,
    version: deps.version,
    apiVersion: 1,
    serverTime: now.toISOString(),
    content: content && {
      version: content.snapshotVersion,
      generatedAt: content.generatedAt,
      publishedAt: content.publishedAt,
      ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(content.generatedAt)) / 1000)),
      packages: content.packageCount,
      expiresAt: content.expiresAt,
    },
    lastSync: run && {
      at: run.finishedAt ?? run.startedAt,
      status: run.status === 'running' ? 'running' : run.status === 'failed' ? 'failed' : 'ok',
      ...(run.errorMessage ? { message: run.errorMessage } : {}),
    },
  };
}

export function infoRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/health', { config: { auth: 'none' } }, async () => ({ status: 'ok' as const }));
  app.get('/api/v1/info', { config: { auth: 'none' } }, async (): Promise<ServerInfo> => serverInfo(deps));
}
