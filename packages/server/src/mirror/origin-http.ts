import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { PncError } from '@pnc/shared';
import { IO_CHUNK } from '../store/hashing.js';

/** Idle time allowed while waiting for headers or between two body chunks. Never a total limit. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export interface OriginResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** A blob body from the origin, over node:http or (through a proxy) undici. */
export interface BlobResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** Reads and drops a small body (error answers), or closes the connection of a large one. */
  dump(): Promise<void>;
  /** Done with the body: the connection goes back to the pool if it was read to its end. */
  release(): void;
}

/** What `dump()` reads to keep a connection; longer bodies close it instead (undici's default). */
const DUMP_LIMIT = 128 * 1024;

/** Idle timeouts: undici's codes, and ours for the node:http path (both mean TIMEOUT). */
const IDLE_TIMEOUT_CODES = ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'PNC_IDLE_TIMEOUT'];

function proxyConfigured(): boolean {
  const env = process.env;
  return Boolean(env['http_proxy'] || env['HTTP_PROXY'] || env['https_proxy'] || env['HTTPS_PROXY']);
}

/**
 * HTTP(S) to the carmaker's origin: certificates validated by Node's TLS (extra CAs through
 * NODE_EXTRA_CA_CERTS), HTTPS_PROXY/NO_PROXY honoured, idle timeouts only — a multi-GB blob may
 * take hours on a slow line and must not fail for that.
 */
export class OriginHttp {
  private readonly dispatcher: Dispatcher;
  /**
   * Blob bodies without a proxy: node:http parses and delivers the same bytes for ≈ 1 CPU s/GiB
   * less than undici here. Through a proxy (HTTP(S)_PROXY, with NO_PROXY) they stay on undici's
   * EnvHttpProxyAgent, like the metadata.
   */
  private readonly agents: { http: http.Agent; https: https.Agent } | null;
  /** The origin's clock from the last Date header, with our clock at that moment. */
  lastOriginDate: { origin: Date; local: Date } | null = null;

  constructor(readonly idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS) {
    this.dispatcher = new EnvHttpProxyAgent({
      headersTimeout: idleTimeoutMs,
      bodyTimeout: idleTimeoutMs,
      connections: 16,
    });
    this.agents = proxyConfigured()
      ? null
      : {
          http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
          https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
        };
  }

  private noteDate(date: string | string[] | undefined): void {
    if (typeof date === 'string' && !Number.isNaN(Date.parse(date)))
      this.lastOriginDate = { origin: new Date(date), local: new Date() };
  }

  async get(
    url: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<OriginResponse> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { 'user-agent': 'plugnconnect-mirror', ...headers },
        dispatcher: this.dispatcher,
        highWaterMark: IO_CHUNK,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      throw networkError(e, url);
    }
    this.noteDate(res.headers['date']);
    return res;
  }

  /**
   * GET for a blob body (`headers` may hold a Range). Same guarantees as `get`: idle timeouts
   * only (time we spend with the body paused — a busy disk, a bandwidth window — does not
   * count), no redirects followed, failures as PncErrors through networkError.
   */
  async getBlob(
    url: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<BlobResponse> {
    const agent = url.startsWith('https:')
      ? this.agents?.https
      : url.startsWith('http:')
        ? this.agents?.http
        : undefined;
    if (!agent) {
      const res = await this.get(url, headers, signal);
      return {
        statusCode: res.statusCode,
        headers: res.headers,
        body: res.body,
        dump: () => res.body.dump(),
        release: () => res.body.destroy(),
      };
    }
    const res = await this.nodeGet(url, headers, agent, signal);
    this.noteDate(res.headers['date']);
    return {
      statusCode: res.statusCode ?? 0,
      headers: res.headers,
      body: res,
      dump: () => dumpBody(res),
      release: () => {
        // Read to its end (the sink stops at the signed length, paused): 'end' frees the socket.
        if (res.complete) res.resume();
        else res.destroy();
      },
    };
  }

  private nodeGet(
    url: string,
    headers: Record<string, string>,
    agent: http.Agent,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    const idle = this.idleTimeoutMs;
    return new Promise((resolve, reject) => {
      const get = url.startsWith('https:') ? https.request : http.request;
      // highWaterMark reaches the socket and the response (Node ≥ 20); @types/node lacks it.
      const options: http.RequestOptions & { highWaterMark: number } = {
        method: 'GET',
        agent,
        headers: { 'user-agent': 'plugnconnect-mirror', ...headers },
        highWaterMark: IO_CHUNK,
        ...(signal ? { signal } : {}),
      };
      let res: IncomingMessage | null = null;
      const req = get(url, options, (r) => {
        res = r;
        resolve(r);
      });
      req.setTimeout(idle);
      req.on('timeout', () => {
        if (res?.complete) return;
        // Bytes are waiting for our reader (a busy disk, a bandwidth window): the origin did send;
        // the socket is paused only once a high-water mark of them is buffered.
        if (res && res.readableLength > 0) {
          req.setTimeout(idle);
          return;
        }
        const err = Object.assign(new Error(`no data for ${idle} ms`), { code: 'PNC_IDLE_TIMEOUT' });
        if (res) res.destroy(err);
        else req.destroy(err);
      });
      req.on('error', (e) => reject(networkError(e, url)));
      req.end();
    });
  }

  async close(): Promise<void> {
    for (const a of Object.values(this.agents ?? {})) a.destroy();
    await this.dispatcher.close();
  }
}

/** Discards what is left of a body: read if short and announced, else the connection is closed. */
async function dumpBody(res: IncomingMessage): Promise<void> {
  const length = Number(res.headers['content-length'] ?? NaN);
  if (!(length <= DUMP_LIMIT)) {
    res.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    res
      .on('end', resolve)
      .on('close', resolve)
      .on('error', () => resolve());
    res.resume();
  });
}

/** Plain words for transport failures; the code tells the caller whether to retry. */
export function networkError(e: unknown, url: string): PncError {
  if (e instanceof PncError) return e;
  const err = e as { code?: string; message?: string; name?: string };
  const host = safeHost(url);
  if (err.code !== undefined && IDLE_TIMEOUT_CODES.includes(err.code)) {
    return new PncError('TIMEOUT', `The origin ${host} stopped sending data (idle timeout).`, { url });
  }
  if (
    err.code === 'ECONNREFUSED' ||
    err.code === 'ENOTFOUND' ||
    err.code === 'EAI_AGAIN' ||
    err.code === 'EHOSTUNREACH' ||
    err.code === 'ENETUNREACH'
  ) {
    return new PncError('SERVER_UNREACHABLE', `The origin ${host} cannot be reached (${err.code}).`, {
      url,
      cause: err.code,
    });
  }
  if (typeof err.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code)) {
    return new PncError(
      'SERVER_UNREACHABLE',
      `The origin ${host} presented a certificate that cannot be trusted (${err.code}); a proxy intercepting TLS breaks the mirror.`,
      { url, cause: err.code },
    );
  }
  if (err.name === 'AbortError')
    return new PncError('DOWNLOAD_FAILED', 'The download was cancelled.', { url });
  // Writing the bytes failed because the disk filled up mid-sync (preflight only sees the start):
  // not a network problem to retry, and IT must hear "disk full" (found by issue #8's fault cases).
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') {
    return new PncError(
      'DISK_SPACE_LOW',
      `The box's disk filled up during the download (${err.code}): free some space; the download resumes where it stopped.`,
      { url, cause: err.code },
    );
  }
  return new PncError('DOWNLOAD_FAILED', `Download from ${host} failed: ${err.message ?? String(e)}`, {
    url,
    cause: err.code,
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
