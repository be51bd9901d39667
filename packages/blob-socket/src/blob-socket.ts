import net from 'node:net';
import tls from 'node:tls';
import { HTTPParser } from 'http-parser-js';

/**
 * A blob GET over HTTP or HTTPS whose body arrives in one reused buffer, without a stream: the
 * workstation's LAN downloads and the box's mirror read their blob bodies with it.
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
/** TLS records carry at most 16 KiB: what a paused TLS socket still delivers fits a few of them. */
const OVERFLOW_BUFFER = 64 * 1024;
/** No byte in this long while one is awaited: the server is not answering. */
const IDLE_TIMEOUT_MS = 30_000;

export interface SocketGetOptions {
  signal?: AbortSignal;
  /**
   * Fails with `ETIMEDOUT` when no byte came for this long while one was awaited (the head, or the
   * body's next bytes). Never counts while the consumer holds a chunk, and never a total limit:
   * a multi-GB blob may take hours on a slow line.
   */
  idleTimeoutMs?: number;
  /** https: CAs to trust instead of Node's (tests); NODE_EXTRA_CA_CERTS works as usual without it. */
  ca?: string | Buffer | Array<string | Buffer>;
}

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
  /** The chunk with the consumer, until it asks for the next. */
  private lent: Buffer | null = null;

  constructor(
    private readonly socket: net.Socket,
    /** Called each time the body starts waiting for bytes (the idle timer runs from there). */
    private readonly onWait: () => void = () => {},
  ) {}

  /** From the parser: a view into the buffer the socket just read into. */
  push(chunk: Buffer): void {
    if (chunk.length > 0) this.pending.push(chunk);
  }

  /** Whether the parser left chunks for the consumer (the socket must then stay paused). */
  get holding(): boolean {
    return this.pending.length > 0;
  }

  /** Whether a view handed out, or still to hand out, points into this memory. */
  uses(memory: ArrayBufferLike): boolean {
    return this.lent?.buffer === memory || this.pending.some((c) => c.buffer === memory);
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
          this.lent = chunk;
          yield chunk;
          this.lent = null;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) return;
        // The read buffer is free again: let the socket fill it.
        const waiting = new Promise<void>((resolve) => (this.wake = resolve));
        this.onWait();
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
 * GETs an `http:` or `https:` URL on a connection of its own (closed by us once the answer is
 * read) and resolves once the response head arrived. Rejects with the socket's error (its `code`
 * kept: ECONNREFUSED, a certificate's code…), a parse error, or `ETIMEDOUT` when no head came;
 * errors in the body surface from its iteration. https: validates the certificate and the name.
 */
export function getOverSocket(
  url: URL,
  headers: Record<string, string>,
  opts: SocketGetOptions = {},
): Promise<SocketResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`getOverSocket takes http: and https: URLs, not ${url.protocol}`);
  const { signal } = opts;
  const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const secure = url.protocol === 'https:';
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port || (secure ? 443 : 80));
    const shared = Buffer.allocUnsafe(READ_BUFFER);
    let created: SocketBody | null = null;
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    let response: SocketResponse | null = null;
    let complete = false;
    // The idle watch: one timer that checks every so often, since starting or refreshing a timer
    // at each read measurably cost the reader (it reads tens of thousands of times per GiB).
    let lastActive = Date.now();
    /** The consumer holds bytes: its time is not the server's silence. */
    let consumerTurn = false;
    let idleTimer: NodeJS.Timeout | null = null;
    const checkIdle = () => {
      const quiet = Date.now() - lastActive;
      if (!consumerTurn && quiet >= idleMs) {
        const e: NodeJS.ErrnoException = new Error(`No data from the server in ${idleMs / 1000} s.`);
        e.code = 'ETIMEDOUT';
        fail(e);
      } else idleTimer = setTimeout(checkIdle, consumerTurn ? idleMs : idleMs - quiet);
    };
    const stopWatching = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = null;
    };
    /** From now on the server owes us bytes. */
    const waitForBytes = () => {
      consumerTurn = false;
      lastActive = Date.now();
    };

    const onread = {
      // Where the next read lands. A paused TCP socket reads nothing more until the consumer is
      // done with its views, so one buffer serves every read. A paused TLS socket still delivers
      // the records it had decrypted (measured: held chunks were overwritten). Node asks for the
      // next buffer right after each read: over TLS that is the shared one only when no view
      // points into it, else a small one of its own.
      buffer: secure ? () => (created?.uses(shared.buffer) ? Buffer.allocUnsafe(OVERFLOW_BUFFER) : shared) : shared,
      callback: (n: number, buf: Uint8Array) => {
        const r = parser.execute(buf as Buffer, 0, n);
        if (r instanceof Error) {
          fail(new Error(`The server's answer is not valid HTTP (${r.message}).`));
          return false;
        }
        // Parsed views point into the read buffer: keep the socket from reading over them. The
        // consumer has bytes: its time does not count as the server's silence.
        lastActive = Date.now();
        if (response?.body.holding) {
          consumerTurn = true;
          response.body.notify();
          return false;
        }
        return true;
      },
    };
    // TLS sockets take `onread` too (Node 20): the decrypted bytes land in the read buffer.
    const socket = secure
      ? tls.connect({
          host,
          port,
          ...(net.isIP(host) ? {} : { servername: host }),
          ALPNProtocols: ['http/1.1'],
          ...(opts.ca ? { ca: opts.ca } : {}),
          onread,
        } as tls.ConnectionOptions)
      : net.connect({ host, port, onread });
    const body = (created = new SocketBody(socket, waitForBytes));

    const fail = (e: Error) => {
      stopWatching();
      socket.destroy();
      // Trouble after the whole answer arrived (a reset on close) changes nothing.
      if (complete) return;
      if (response) response.body.fail(e);
      else reject(e);
    };
    idleTimer = setTimeout(checkIdle, idleMs);

    parser.onHeadersComplete = (info) => {
      response = { head: { status: info.statusCode, headers: headerRecord(info.headers) }, body };
      resolve(response);
    };
    parser.onBody = (chunk, offset, length) => body.push(chunk.subarray(offset, offset + length));
    parser.onMessageComplete = () => {
      complete = true;
      stopWatching();
      body.end();
      // The connection stays ours: release the server's side now instead of when the consumer
      // is done (pending views stay valid: nothing reads into the buffer any more).
      socket.destroy();
    };

    const onAbort = () => fail(signal!.reason instanceof Error ? signal!.reason : new Error('Aborted.'));
    signal?.addEventListener('abort', onAbort, { once: true });

    socket.once(secure ? 'secureConnect' : 'connect', () => {
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
      stopWatching();
      atEnd();
    });
  });
}
