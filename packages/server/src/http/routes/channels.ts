import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ChannelName, compareVersions, PncError, type ChannelItem } from '@pnc/shared';
import { loadCurrentCatalog } from '../../mirror/catalog-cache.js';
import { blobPath } from '../../store/blob-store.js';
import type { AppDeps } from '../context.js';
import { sendImmutableFile } from '../send-file.js';
import { parseWith } from '../validate.js';

/** electron-updater's generic provider asks for these, per platform. */
const UPDATE_FEEDS: Record<string, string> = {
  'latest.yml': 'win',
  'latest-linux.yml': 'linux',
  'latest-mac.yml': 'mac',
};

const sha512Cache = new Map<string, Promise<string>>();
function sha512Of(path: string, sha256: string): Promise<string> {
  let p = sha512Cache.get(sha256);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const h = createHash('sha512');
      createReadStream(path, { highWaterMark: 1 << 20 })
        .on('data', (c) => h.update(c))
        .on('end', () => resolve(h.digest('base64')))
        .on('error', reject);
    });
    sha512Cache.set(sha256, p);
    p.catch(() => sha512Cache.delete(sha256));
  }
  return p;
}

/**
 * The other content channels the box mirrors beside head-unit packages: diagnostic-tool ISOs and
 * the workstation app's installers, with the update feed electron-updater's generic provider reads.
 * Public on the LAN like the signed metadata: installers are not secrets, and the updater cannot
 * present a technician's token.
 */
export function channelRoutes(app: FastifyInstance, deps: AppDeps): void {
  const items = (channel: string): ChannelItem[] =>
    (loadCurrentCatalog(deps.config.dataDir, deps.db)?.catalog.channels ?? []).filter(
      (c) => c.channel === channel,
    );

  app.get('/api/v1/channels/:channel', { config: { auth: 'none' } }, async (req) => {
    const { channel } = parseWith(z.object({ channel: ChannelName }), req.params, 'channel');
    return items(channel).sort((a, b) => compareVersions(b.version, a.version));
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/channels/:channel/:file',
    config: { auth: 'none' },
    handler: async (req, reply) => {
      const { channel, file } = parseWith(
        z.object({ channel: ChannelName, file: z.string().max(255) }),
        req.params,
        'channel file',
      );
      const platform = UPDATE_FEEDS[file];
      if (platform && channel === 'desktop-installer') {
        const latest = items(channel)
          .filter((c) => (c.platform ?? '').toLowerCase().startsWith(platform))
          .sort((a, b) => compareVersions(b.version, a.version))[0];
        if (!latest) throw new PncError('NOT_FOUND', `No ${platform} installer has been published.`);
        const name = basename(latest.file.path);
        const sha512 = await sha512Of(blobPath(deps.config.dataDir, latest.file.sha256), latest.file.sha256);
        const yml = [
          `version: ${latest.version}`,
          'files:',
          `  - url: ${JSON.stringify(name)}`,
          `    sha512: ${sha512}`,
          `    size: ${latest.file.size}`,
          `path: ${JSON.stringify(name)}`,
          `sha512: ${sha512}`,
          `releaseDate: '${latest.releasedAt}'`,
          '',
        ].join('\n');
        return reply.header('cache-control', 'no-cache').type('text/yaml').send(yml);
      }
      const item = items(channel).find((c) => basename(c.file.path) === file);
      if (!item) throw new PncError('NOT_FOUND', `No file ${file} in the ${channel} channel.`);
      return sendImmutableFile(req, reply, blobPath(deps.config.dataDir, item.file.sha256), item.file.sha256);
    },
  });
}
