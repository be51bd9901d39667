import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page may only load its own bundle and talk back to the agent that served it. */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface StaticFile {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Resolves a URL path inside the built renderer, or null when there is no such file (or the path
 * tries to leave the folder). Vite names files under assets/ by content hash, so they never change.
 */
export async function readRendererFile(rendererDir: string, urlPath: string): Promise<StaticFile | null> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath === '/' || urlPath === '' ? '/index.html' : urlPath);
  } catch {
    return null;
  }
  if (relative.includes('\0') || relative.split(/[\\/]/).includes('..')) return null;
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${relative}`);
  if (!file.startsWith(root + path.sep)) return null;
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (type === undefined) return null;
  try {
    if (!(await stat(file)).isFile()) return null;
    const body = await readFile(file);
    const isHtml = type.startsWith('text/html');
    const immutable = path.relative(root, file).startsWith(`assets${path.sep}`);
    const headers: Record<string, string> = {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (isHtml) {
      headers['content-security-policy'] = RENDERER_CSP;
      headers['cache-control'] = 'no-store';
    }
    return { body, headers };
  } catch {
    return null;
  }
}
