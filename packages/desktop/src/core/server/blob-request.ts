import { ApiErrorBody, PncError } from '@pnc/shared';
import { getOverSocket, type SocketGetOptions } from '@pnc/blob-socket';

/**
 * Blob bodies do not go through axios, whose stream plumbing cost about 2 CPU s per GiB on top of
 * the socket here (the key writer then shares the CPU with it): over http: (the LAN server) and
 * https: (a box behind a TLS proxy) alike they are read into one reused buffer by
 * @pnc/blob-socket, which also watches for a silent server.
 */

/** An error answer's body is read only this far: it is a small JSON error, or not worth more. */
const ERROR_BODY_LIMIT = 64 * 1024;

/** A blob body: iterate once; each chunk is only valid until the next is asked for. */
export interface BlobBody extends AsyncIterable<Buffer> {
  destroy(error?: Error): void;
}

export interface BlobResponse {
  stream: BlobBody;
  status: number;
  /** The blob's full length (from Content-Range or Content-Length), -1 when not given. */
  total: number;
}

export interface BlobRequestOptions {
  signal?: AbortSignal;
  /**
   * No byte for this long while one is awaited (the answer, or the body's next bytes) fails with
   * TIMEOUT; never a limit on the whole blob, and never while the caller holds a chunk.
   */
  idleTimeoutMs?: number;
  /** https: CAs to trust instead of Node's (tests); NODE_EXTRA_CA_CERTS works as usual. */
  ca?: SocketGetOptions['ca'];
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
async function answerError(res: BlobBody, status: number, url: string): Promise<PncError> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const c of res) {
      chunks.push(Buffer.from(c)); // a view into a reused buffer: copied
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
 * GETs `url` and resolves with the body once a 200 or 206 arrives; any other answer or a
 * transport failure rejects with a PncError. No overall timeout: see `idleTimeoutMs`. A body
 * that goes silent later fails its iteration with an error whose code is ETIMEDOUT.
 */
export async function requestBlob(
  url: string,
  baseUrl: string,
  headers: Record<string, string>,
  opts: BlobRequestOptions = {},
): Promise<BlobResponse> {
  let res;
  try {
    res = await getOverSocket(new URL(url), headers, opts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw transportError(err.code, err.message, baseUrl);
  }
  const { status, headers: h } = res.head;
  if (status !== 200 && status !== 206) throw await answerError(res.body, status, url);
  return { stream: res.body, status, total: blobTotal(h) };
}

/** The blob's full length: from Content-Range on a 206, else Content-Length; -1 when neither. */
function blobTotal(headers: Record<string, string | string[] | undefined>): number {
  const range = /\/(\d+)$/.exec(String(headers['content-range'] ?? ''));
  return range ? Number(range[1]) : Number(headers['content-length'] ?? -1);
}
