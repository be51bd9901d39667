import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

// Only node: modules here: the agent's command loads this alone, prints the address, and loads
// the HTTP framework and the service after (the browser opens its page meanwhile).

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface AgentListener {
  server: Server;
  /** The address to open, carrying the token in the fragment (never sent to any server). */
  url: string;
  token: string;
  rendererDir: string;
  /** Hands the requests to `handler`, those that arrived before it included (in order). */
  route(handler: RequestHandler): void;
}

export interface ListenOptions {
  /** Loopback only: the agent drives the workstation's drives and must never face the LAN. */
  host?: '127.0.0.1';
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (`dist/renderer`). */
  rendererDir: string;
  /** Defaults to 32 random bytes; pass one only to reuse a known token (tests, a restarted demo). */
  token?: string;
}

/** Node's default is 5 s; the agent keeps the framework's 72 s (the page's calls reuse connections). */
const KEEP_ALIVE_MS = 72_000;

/**
 * Listens on loopback at once; requests wait until `route` gives them a handler. Checks first that
 * the renderer is built and the token is well formed.
 */
export async function listenAgent(options: ListenOptions): Promise<AgentListener> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (!/^[A-Za-z0-9_-]{32,}$/.test(token))
    throw new Error('The agent token must be at least 32 base64url characters.');
  const rendererDir = path.resolve(options.rendererDir);
  try {
    await access(path.join(rendererDir, 'index.html'));
  } catch {
    throw new Error(
      `The renderer is not built: ${path.join(rendererDir, 'index.html')} is missing (run "npx vite build" in packages/desktop).`,
    );
  }
  let handler: RequestHandler | null = null;
  const waiting: Array<[IncomingMessage, ServerResponse]> = [];
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else waiting.push([req, res]);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host ?? '127.0.0.1', port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    rendererDir,
    route(h) {
      handler = h;
      for (const [req, res] of waiting.splice(0)) h(req, res);
    },
  };
}
