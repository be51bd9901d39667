import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody, DesktopApi } from '@pnc/shared';
import type { RpcReply } from '../rpc/dispatch.js';
import { streamEvents } from './events.js';
import { bearerToken, createRequestGuard } from './guards.js';
import { httpStatusFor } from './http-status.js';
import { listenAgent, type AgentListener } from './listener.js';
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
  /**
   * Already listening (the command prints the address before loading this module); its host,
   * port, token and renderer folder then win over the ones above.
   */
  listener?: AgentListener;
}

export interface Agent {
  /** The address to open, carrying the token in the fragment (never sent to any server). */
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Inputs are a VIN or a URL: anything bigger is not a real call. */
const BODY_LIMIT = 64 * 1024;

/** A request the agent cannot read: answered with this status and VALIDATION_FAILED (413: BODY_TOO_LARGE). */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(res: ServerResponse, error: ApiErrorBody, status = httpStatusFor(error.code)): void {
  send(res, status, { ok: false, error });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function defaultUnexpectedError(method: string, error: unknown): void {
  console.error(`pnc agent: ${method} failed unexpectedly`, error);
}

/** `__proto__` keys, or `constructor.prototype`, would poison objects the service builds from the input. */
function hasPrototypeKeys(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') return true;
    if (
      key === 'constructor' &&
      typeof inner === 'object' &&
      inner !== null &&
      Object.hasOwn(inner, 'prototype')
    )
      return true;
    if (hasPrototypeKeys(inner)) return true;
  }
  return false;
}

/**
 * A call's input: absent without a body, JSON (or plain text, which the contract then refuses).
 * Bodies over BODY_LIMIT, unreadable JSON and other media types are the caller's mistakes.
 */
async function readInput(req: IncomingMessage): Promise<unknown> {
  const length = req.headers['content-length'];
  const type = req.headers['content-type'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (type === undefined && !chunked && (length === undefined || length === '0')) return undefined;
  const media = (type ?? '').split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json' && media !== 'text/plain')
    throw new BadRequest(415, `Unsupported Media Type: ${type ?? ''}`);
  if (length !== undefined && Number(length) > BODY_LIMIT)
    throw new BadRequest(413, 'Request body is too large');
  // Not `for await`: leaving it early would destroy the socket the answer has to go out on.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      reject(new BadRequest(413, 'Request body is too large'));
    };
    const onEnd = () => {
      if (length !== undefined && Number(length) !== size)
        reject(new BadRequest(400, 'Request body size did not match Content-Length'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    req.on('data', onData).on('end', onEnd).once('error', reject);
  });
  if (media === 'text/plain') return text;
  if (text === '')
    throw new BadRequest(400, "Body cannot be empty when content-type is set to 'application/json'");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest(400, "Body is not valid JSON but content-type is set to 'application/json'");
  }
  if (hasPrototypeKeys(parsed)) throw new BadRequest(400, 'Object contains forbidden prototype property');
  return parsed;
}

/**
 * The local agent of the browser mode: serves the built renderer and the desktop API
 * (`POST /rpc/:method`, `GET /events`) on 127.0.0.1 behind a per-run token. Plain node:http:
 * three routes do not need a framework, and the agent starts sooner without one.
 */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const listener =
    options.listener ??
    (await listenAgent({
      port: options.port,
      rendererDir: options.rendererDir,
      ...(options.host ? { host: options.host } : {}),
      ...(options.token ? { token: options.token } : {}),
    }));
  const { token, rendererDir, server } = listener;
  const onUnexpectedError = options.onUnexpectedError ?? defaultUnexpectedError;
  // The contract's schemas load beside the page (which is served without them): calls wait for them.
  const call: Promise<(method: string, input: unknown) => Promise<RpcReply>> =
    import('../rpc/dispatch.js').then(({ createDispatcher, settle }) => {
      const dispatch = createDispatcher(options.api, { onUnexpectedError });
      return (method, input) => settle(dispatch, method, input);
    });
  call.catch(() => undefined);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const openStreams = new Set<() => void>();
  const guard = createRequestGuard(token);
  const unauthenticated = (res: ServerResponse) =>
    fail(res, {
      code: 'UNAUTHENTICATED',
      message: 'Missing or wrong agent token: open the address the agent printed.',
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    const host = req.headers.host;
    if (!guard.hostAllowed(host, req.socket.localPort))
      return fail(res, { code: 'FORBIDDEN', message: "This address does not name the Plug'nConnect agent." });
    if (!guard.originAllowed(req.headers.origin, host))
      return fail(res, { code: 'FORBIDDEN', message: 'Requests from other web pages are refused.' });
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    const method = req.method ?? 'GET';

    const rpc = /^\/rpc\/([^/]+)$/.exec(pathname);
    if (method === 'POST' && rpc) {
      if (!guard.tokenValid(bearerToken(req.headers.authorization))) return unauthenticated(res);
      let name: string;
      try {
        name = decodeURIComponent(rpc[1]!);
      } catch {
        throw new BadRequest(400, `'${pathname}' is not a valid url component`);
      }
      const input = await readInput(req);
      const answer = await (await call)(name, input);
      if (!answer.ok) return fail(res, answer.error);
      return send(res, 200, answer);
    }

    if (method === 'GET' && pathname === '/events') {
      // EventSource cannot send headers, hence the query parameter here and only here.
      const inQuery = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)).getAll('token');
      const given = inQuery.length === 1 ? inQuery[0] : bearerToken(req.headers.authorization);
      if (!guard.tokenValid(given)) return unauthenticated(res);
      const end = streamEvents(options.api, res, heartbeatMs);
      openStreams.add(end);
      res.on('close', () => openStreams.delete(end));
      return;
    }

    if (method === 'GET' || method === 'HEAD') {
      const file = await readRendererFile(rendererDir, pathname);
      if (file === null) return fail(res, { code: 'NOT_FOUND', message: 'No such file' });
      res.writeHead(200, { ...file.headers, 'content-length': file.body.length });
      res.end(method === 'HEAD' ? undefined : file.body);
      return;
    }

    fail(res, { code: 'NOT_FOUND', message: `Nothing at ${method} ${pathname}` });
  }

  listener.route((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BadRequest) {
        // The rest of an unread body is not worth reading.
        req.resume();
        if (error.status === 413)
          return fail(res, {
            code: 'BODY_TOO_LARGE',
            message: `The request body exceeds ${BODY_LIMIT} bytes.`,
          });
        return fail(res, { code: 'VALIDATION_FAILED', message: error.message }, error.status);
      }
      onUnexpectedError(req.url ?? '/', error);
      fail(res, { code: 'INTERNAL', message: 'Unexpected error' });
    });
  });

  return {
    url: listener.url,
    token,
    async close() {
      // Event streams never go idle: end them, or closing would wait for the browser to leave.
      for (const end of openStreams) end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
