import { protocol, type Session } from 'electron';
import { readRendererFile } from '../core/agent/static-files.js';

/**
 * The renderer is served from `pnc://app/` rather than file://: a standard, secure origin of its
 * own (file:// pages share one origin with every local file), and responses whose headers we
 * write, which is how the CSP reaches the page (Electron cannot add headers to file:// loads).
 */
const SCHEME = 'pnc';
const HOST = 'app';
export const RENDERER_URL = `${SCHEME}://${HOST}/index.html`;

/** Must run before the app is ready. */
export function registerRendererScheme(): void {
  // Standard and secure: a real origin (storage, module scripts) treated like https.
  protocol.registerSchemesAsPrivileged([
    {
      scheme: SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
    },
  ]);
}

export function isRendererUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${SCHEME}:` && u.host === HOST;
  } catch {
    return false;
  }
}

export function serveRenderer(session: Session, rendererDir: string): void {
  session.protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === HOST ? await readRendererFile(rendererDir, url.pathname) : null;
    if (file === null) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(file.body), { headers: file.headers });
  });
}
