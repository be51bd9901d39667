import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { ApiErrorBody, PncError } from '@pnc/shared';

/**
 * Blob bodies go over plain node:http rather than axios: axios' stream plumbing cost about
 * 2 CPU s per GiB on top of the socket here (the key writer then shares the CPU with it), and a
 * 1 MiB high-water mark lets a briefly busy writer take what arrived meanwhile as one chunk.
 */
const HIGH_WATER_MARK = 1024 * 1024;
/** An error answer's body is read only this far: it is a small JSON error, or not worth more. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface BlobResponse {
  stream: IncomingMessage;
  status: number;
  /** The blob's full length (from Content-Range or Content-Length), -1 when not given. */
  total: number;
}

/** A transport failure (no answer) in the same words as the JSON calls' (see toPncError). */
export function transportError(code: string | undefined, message: string, baseUrl: string): PncError {
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new PncError('TIMEOUT', `The server at ${baseUrl} did not answer in time.`);
  }
  return new PncError(
    'SERVER_UNREACHABLE',
    `Cannot reach the server at ${baseUrl} (${code ?? message}). Check the address and the network.`,
    { cause: code },
  );
}

/** The server's JSON error when it sent one, else the status. */
async function answerError(res: IncomingMessage, url: string): Promise<PncError> {
  const status = res.statusCode ?? 0;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const c of res as AsyncIterable<Buffer>) {
      chunks.push(c);
      length += c.length;
      if (length >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // The status alone says enough.
  } finally {
    res.destroy();
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    json = undefined;
  }
  const body = ApiErrorBody.safeParse(json);
  if (body.success) return new PncError(body.data.code, body.data.message, body.data.details);
  return new PncError('DOWNLOAD_FAILED', `The server answered ${status} for ${url}.`, { status });
}

/**
 * GETs `url` and resolves with the body stream once a 200 or 206 arrives; any other answer or a
 * transport failure rejects with a PncError. No overall timeout: the caller watches the bytes.
 */
export function requestBlob(
  url: string,
  baseUrl: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<BlobResponse> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    // highWaterMark reaches the socket and the response (Node ≥ 20); @types/node lacks it.
    const options: http.RequestOptions & { highWaterMark: number } = {
      headers,
      highWaterMark: HIGH_WATER_MARK,
      ...(signal ? { signal } : {}),
    };
    const req = get(url, options, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200 && status !== 206) {
        answerError(res, url).then(reject, reject);
        return;
      }
      const range = /\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
      const total = range ? Number(range[1]) : Number(res.headers['content-length'] ?? -1);
      resolve({ stream: res, status, total });
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(transportError(e.code, e.message, baseUrl)));
  });
}
