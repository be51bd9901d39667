import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The page's files: src/admin/public when run from the sources, dist/admin/public once built. */
export const ADMIN_PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** The page talks only to this origin; nothing inline, nothing framed. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the admin status page at `/`. The files are public (the page signs in through the API),
 * so every route registered here is marked `auth: 'none'` for the auth hook.
 */
export async function adminPage(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    // onRoute hooks are encapsulated: this one only sees the static plugin's routes.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: 'none' };
    });
    await scope.register(fastifyStatic, {
      root: ADMIN_PUBLIC_DIR,
      prefix: '/',
      wildcard: false,
      index: 'index.html',
      // Small files that change with each server update: revalidate rather than cache blindly.
      cacheControl: false,
      setHeaders: (res) => {
        res.setHeader('cache-control', 'no-cache');
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      },
    });
  });
}
