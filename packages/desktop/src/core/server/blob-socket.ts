import net from 'node:net';
import { HTTPParser } from 'http-parser-js';

/**
 * A blob GET over plain HTTP whose body arrives in one reused buffer, without a stream.
 *
 * Why: node:http hands out every socket read as a freshly allocated buffer through a Readable.
 * At LAN speed that is a GiB of short-lived memory per GiB, and V8 answers that churn with a full
 * garbage collection every few tens of MiB: measured here, 1 GiB through node:http and sha256
 * cost 1.8 user + 0.6 system CPU seconds, through this reader 0.75 + 0.15, which is what the key
 * writer then gets to use. The socket reads into one buffer (net's `onread`), http-parser-js
 * parses the response in place, and the socket stays paused while the consumer holds a chunk.
 *
 * The price is the contract of the body: **a chunk is only valid until the next one is asked
 * for**. Whoever keeps bytes past that point copies them.
 */

const READ_BUFFER = 1024 * 1024;
/** No response head in this long: the server is not answering. */
const HEAD_TIMEOUT_MS = 30_000;

export interface SocketHead {
  status: number;
  /** Lower-cased names; repeated headers joined with ", " as node:http does. */
  headers: Record<string, string>;
}

export interface SocketResponse {
  head: SocketHead;
  body: SocketBody;
}

/** The response body: each chunk is a view into the read buffer, valid until the next `next()`. */
export class SocketBody implements AsyncIterable<Buffer> {
  private readonly pending: Buffer[] = [];
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private iterating = false;

  constructor(private readonly socket: net.Socket) {}

  /** From the parser: a view into the buffer the socket just read into. */
  push(chunk: Buffer): void {
    if (chunk.length > 0) this.pending.push(chunk);
  }

  /** Whether the parser left chunks for the consumer (the socket must then stay paused). */
  get holding(): boolean {
    return this.pending.length > 0;
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(e: Error): void {
    this.error ??= e;
    this.notify();
  }

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Stops the transfer; an iteration under way throws `e` (or ends, without one). */
  destroy(e?: Error): void {
    if (e) this.fail(e);
    else this.end();
    this.socket.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.iterating) throw new Error('A blob body can only be read once.');
    this.iterating = true;
    try {
      for (;;) {
        // Asking for the next chunk means the consumer is done with the previous one.
        const chunk = this.pending.shift();
        if (chunk) {
          yield chunk;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) return;
        // The read buffer is free again: let the socket fill it.
        const waiting = new Promise<void>((resolve) => (this.wake = resolve));
        this.socket.resume();
        await waiting;
      }
    } finally {
      this.socket.destroy();
    }
  }
}

/** Header names lower-cased, repeats joined: what callers of node:http are used to. */
function headerRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const k = flat[i]!.toLowerCase();
    out[k] = out[k] === undefined ? flat[i + 1]! : `${out[k]}, ${flat[i + 1]}`;
  }
  return out;
}

/**
 * GETs an `http:` URL on a connection of its own (closed by us once the answer is read) and resolves once the response
 * head arrived. Rejects with the socket's error (its `code` kept), a parse error, or a timeout
 * (code `ETIMEDOUT`) when no head came; errors in the body surface from its iteration.
 */
export function getOverSocket(
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<SocketResponse> {
  if (url.protocol !== 'http:') throw new Error(`getOverSocket takes http: URLs, not ${url.protocol}`);
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port || 80);
    const buffer = Buffer.allocUnsafe(READ_BUFFER);
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    let response: SocketResponse | null = null;
    let complete = false;

    const socket = net.connect({
      host,
      port,
      onread: {
        buffer,
        callback: (n: number) => {
          const r = parser.execute(buffer, 0, n);
          if (r instanceof Error) {
            fail(new Error(`The server's answer is not valid HTTP (${r.message}).`));
            return false;
          }
          // Parsed views point into `buffer`: keep the socket from reading over them.
          if (response?.body.holding) {
            response.body.notify();
            return false;
          }
          return true;
        },
      },
    });
    const body = new SocketBody(socket);

    const fail = (e: Error) => {
      clearTimeout(headTimer);
      socket.destroy();
      // Trouble after the whole answer arrived (a reset on close) changes nothing.
      if (complete) return;
      if (response) response.body.fail(e);
      else reject(e);
    };
    const headTimer = setTimeout(() => {
      const e: NodeJS.ErrnoException = new Error(`No answer in ${HEAD_TIMEOUT_MS / 1000} s.`);
      e.code = 'ETIMEDOUT';
      fail(e);
    }, HEAD_TIMEOUT_MS);

    parser.onHeadersComplete = (info) => {
      clearTimeout(headTimer);
      response = { head: { status: info.statusCode, headers: headerRecord(info.headers) }, body };
      resolve(response);
    };
    parser.onBody = (chunk, offset, length) => body.push(chunk.subarray(offset, offset + length));
    parser.onMessageComplete = () => {
      complete = true;
      body.end();
      // The connection stays ours: release the server's side now instead of when the consumer
      // is done (pending views stay valid: nothing reads into the buffer any more).
      socket.destroy();
    };

    const onAbort = () => fail(signal!.reason instanceof Error ? signal!.reason : new Error('Aborted.'));
    signal?.addEventListener('abort', onAbort, { once: true });

    socket.once('connect', () => {
      // No "Connection: close": the server would then close first, and a proxy on the way may
      // drop the end of the answer with its connection; we close once the answer is complete.
      const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    // Flowing, so the end of the connection is reported (the bytes themselves go to `onread`).
    socket.resume();
    const atEnd = () => {
      // A body that runs to the connection's end (no length given) ends here.
      if (!complete) parser.finish();
      if (!complete) fail(new Error('The server closed the connection mid-answer.'));
    };
    socket.once('error', (e) => fail(e));
    socket.once('end', atEnd);
    socket.once('close', () => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(headTimer);
      atEnd();
    });
  });
}
