import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { apiRoutes, PncError } from '@pnc/shared';
import { resolveServedMetadata, resolveServedTarget } from '../../mirror/served-repo.js';
import { blobPath } from '../../store/blob-store.js';
import type { AppDeps } from '../context.js';
import { sendImmutableFile } from '../send-file.js';
import { parseWith } from '../validate.js';

export function blobRoutes(app: FastifyInstance, deps: AppDeps): void {
  const blob = apiRoutes.blob;
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/blobs/sha256/:hash',
    handler: async (req, reply) => {
      const { hash } = parseWith(blob.params, req.params, 'blob hash');
      return sendImmutableFile(req, reply, blobPath(deps.config.dataDir, hash), hash);
    },
  });

  // Signed metadata and targets, byte for byte as the carmaker signed them: clients verify them.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/tuf/metadata/:file',
    config: { auth: 'none' },
    handler: async (req, reply) => {
      const { file } = parseWith(apiRoutes.tufMetadata.params, req.params, 'metadata name');
      const path = resolveServedMetadata(deps.config.dataDir, deps.db, file);
      if (!path) throw new PncError('NOT_FOUND', `No metadata ${file}.`);
      // timestamp.json changes at each publication; the versioned files never do.
      if (file === 'timestamp.json') {
        void reply.header('cache-control', 'no-cache');
        return reply.type('application/json').send(await readFile(path));
      }
      return sendImmutableFile(req, reply, path, file, 'application/json');
    },
  });
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/tuf/targets/:file',
    config: { auth: 'none' },
    handler: async (req, reply) => {
      const { file } = parseWith(apiRoutes.tufTarget.params, req.params, 'target name');
      const path = resolveServedTarget(deps.config.dataDir, file);
      if (!path) throw new PncError('NOT_FOUND', `No target ${file}.`);
      return sendImmutableFile(req, reply, path, file.split('.')[0]!);
    },
  });
}
