import { getOverSocket } from '@pnc/blob-socket';
import type { Dispatcher, request as undiciRequest } from 'undici';
// The zod-free entry: the box's download threads load this module (download-worker.ts).
import { PncError } from '@pnc/shared/errors';
import { IO_CHUNK } from '../store/hashing.js';

/** Idle time allowed while waiting for headers or between two body chunks. Never a total limit. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export interface OriginResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * A blob's body: iterate once. From the socket reader, **each chunk is only valid until the next
 * is asked for** (a view into a buffer it reuses); `destroy` drops the connection.
 */
export interface BlobBody extends AsyncIterable<Buffer> {
  destroy(): void;
}

export interface OriginBlobResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: BlobBody;
}

interface UndiciClient {
  request: typeof undiciRequest;
  dispatcher: Dispatcher;
}

const PROXY_VARS = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'];

/**
 * HTTP(S) to the carmaker's origin: certificates validated by Node's TLS (extra CAs through
 * NODE_EXTRA_CA_CERTS), HTTPS_PROXY/NO_PROXY honoured, idle timeouts only — a multi-GB blob may
 * take hours on a slow line and must not fail for that.
 */
export class OriginHttp {
  /**
   * undici, loaded at the first request that needs it: a download thread without a proxy never
   * does (its blobs go through @pnc/blob-socket), and loading it costs ≈ 0.2 CPU s per thread.
   */
  private undici: Promise<UndiciClient> | null = null;
  /** The origin's clock from the last Date header, with our clock at that moment. */
  lastOriginDate: { origin: Date; local: Date } | null = null;

  constructor(readonly idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS) {}

  private client(): Promise<UndiciClient> {
    this.undici ??= import('undici').then((u) => ({
      request: u.request,
      dispatcher: new u.EnvHttpProxyAgent({
        headersTimeout: this.idleTimeoutMs,
        bodyTimeout: this.idleTimeoutMs,
        connections: 16,
      }),
    }));
    return this.undici;
  }

  async get(
    url: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<OriginResponse> {
    let res: Dispatcher.ResponseData;
    try {
      const { request, dispatcher } = await this.client();
      res = await request(url, {
        method: 'GET',
        headers: { 'user-agent': 'plugnconnect-mirror', ...headers },
        dispatcher,
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
   * A blob GET. Without a proxy, the body is read into one reused buffer (@pnc/blob-socket): at
   * LAN or loopback speed, undici's fresh buffer per socket read costs more system time than the
   * disk writes (2 GiB from nginx, hashed, written and fsynced: 6.0–7.1 s through undici,
   * 4.7–5.3 s this way). Through a proxy (HTTPS_PROXY…), undici's proxy agent as for the rest.
   */
  async getBlob(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<OriginBlobResponse> {
    if (PROXY_VARS.some((v) => process.env[v])) {
      const res = await this.get(url, headers, signal);
      // The body may fail before the caller iterates it (while the file opens): the iteration
      // reports that error; an 'error' event without a listener would crash the process.
      res.body.on('error', () => {});
      return res;
    }
    let res;
    try {
      res = await getOverSocket(
        new URL(url),
        { 'user-agent': 'plugnconnect-mirror', ...headers },
        { idleTimeoutMs: this.idleTimeoutMs, ...(signal ? { signal } : {}) },
      );
    } catch (e) {
      throw networkError(e, url);
    }
    this.noteDate(res.head.headers['date']);
    return { statusCode: res.head.status, headers: res.head.headers, body: res.body };
  }

  private noteDate(date: string | string[] | undefined): void {
    if (typeof date === 'string' && !Number.isNaN(Date.parse(date)))
      this.lastOriginDate = { origin: new Date(date), local: new Date() };
  }

  async close(): Promise<void> {
    if (this.undici) await (await this.undici).dispatcher.close();
  }
}

/** Plain words for transport failures; the code tells the caller whether to retry. */
export function networkError(e: unknown, url: string): PncError {
  if (e instanceof PncError) return e;
  const err = e as { code?: string; message?: string; name?: string };
  const host = safeHost(url);
  if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT' || err.code === 'ETIMEDOUT') {
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
