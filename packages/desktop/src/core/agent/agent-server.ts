import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyReply } from 'fastify';
import type { ApiErrorBody, DesktopApi } from '@pnc/shared';
import { createDispatcher, settle } from '../rpc/dispatch.js';
import { streamEvents } from './events.js';
import { bearerToken, createRequestGuard } from './guards.js';
import { httpStatusFor } from './http-status.js';
import { readRendererFile } from './static-files.js';

export interface AgentOptions {
  api: DesktopApi;
  /** Loopback only: the agent drives the workstation's drives and must never face the LAN. */
  host?: '127.0.0.1';
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (`dist/renderer`). */
  rendererDir: string;
  /** Defaults to 32 random bytes; pass one only to reuse a known token (tests, a restarted demo). */
  token?: string;
  heartbeatMs?: number;
  /** Sees bugs (non-PncError failures) that callers only see as `INTERNAL`. */
  onUnexpectedError?: (method: string, error: unknown) => void;
}

export interface Agent {
  /** The address to open, carrying the token in the fragment (never sent to any server). */
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Inputs are a VIN or a URL: anything bigger is not a real call. */
const BODY_LIMIT = 64 * 1024;

function fail(reply: FastifyReply, error: ApiErrorBody, status = httpStatusFor(error.code)): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ ok: false, error });
}

function defaultUnexpectedError(method: string, error: unknown): void {
  console.error(`pnc agent: ${method} failed unexpectedly`, error);
}

/**
 * The local agent of the browser mode: serves the built renderer and the desktop API
 * (`POST /rpc/:method`, `GET /events`) on 127.0.0.1 behind a per-run token.
 */
export async function startAgent(options: AgentOptions): Promise<Agent> {
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
  const onUnexpectedError = options.onUnexpectedError ?? defaultUnexpectedError;
  const dispatch = createDispatcher(options.api, { onUnexpectedError });
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const openStreams = new Set<() => void>();
  const guard = createRequestGuard(token);

  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    const host = request.headers.host;
    if (!guard.hostAllowed(host, request.socket.localPort)) {
      return fail(reply, {
        code: 'FORBIDDEN',
        message: "This address does not name the Plug'nConnect agent.",
      });
    }
    if (!guard.originAllowed(request.headers.origin, host)) {
      return fail(reply, { code: 'FORBIDDEN', message: 'Requests from other web pages are refused.' });
    }
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413)
      return fail(reply, {
        code: 'BODY_TOO_LARGE',
        message: `The request body exceeds ${BODY_LIMIT} bytes.`,
      });
    // Fastify's own 4xx: unreadable JSON, unsupported content type…
    if (status >= 400 && status < 500)
      return fail(reply, { code: 'VALIDATION_FAILED', message: error.message }, status);
    onUnexpectedError(request.url, error);
    return fail(reply, { code: 'INTERNAL', message: 'Unexpected error' });
  });

  app.setNotFoundHandler((request, reply) =>
    fail(reply, { code: 'NOT_FOUND', message: `Nothing at ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.post<{ Params: { method: string } }>('/rpc/:method', async (request, reply) => {
    if (!guard.tokenValid(bearerToken(request.headers.authorization))) {
      return fail(reply, {
        code: 'UNAUTHENTICATED',
        message: 'Missing or wrong agent token: open the address the agent printed.',
      });
    }
    const answer = await settle(dispatch, request.params.method, request.body);
    if (!answer.ok) return fail(reply, answer.error);
    return reply.header('cache-control', 'no-store').send(answer);
  });

  app.get<{ Querystring: { token?: unknown } }>('/events', (request, reply) => {
    // EventSource cannot send headers, hence the query parameter here and only here.
    const given =
      typeof request.query.token === 'string'
        ? request.query.token
        : bearerToken(request.headers.authorization);
    if (!guard.tokenValid(given)) {
      return fail(reply, {
        code: 'UNAUTHENTICATED',
        message: 'Missing or wrong agent token: open the address the agent printed.',
      });
    }
    reply.hijack();
    const end = streamEvents(options.api, reply.raw, heartbeatMs);
    openStreams.add(end);
    reply.raw.on('close', () => openStreams.delete(end));
    return reply;
  });

  app.get('/*', async (request, reply) => {
    const file = await readRendererFile(rendererDir, request.url.split('?')[0] ?? '/');
    if (file === null) return fail(reply, { code: 'NOT_FOUND', message: 'No such file' });
    return reply.headers(file.headers).send(file.body);
  });

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port });
  const { port } = app.server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    async close() {
      // Event streams never go idle: end them, or closing would wait for the browser to leave.
      for (const end of openStreams) end();
      await app.close();
    },
  };
}
