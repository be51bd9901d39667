import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join, normalize } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a fault-injecting origin does to one request. */
export type Fault =
  | { kind: 'status'; status: number }
  /** Sends the headers and `afterBytes` of the body, then destroys the socket. */
  | { kind: 'drop'; afterBytes: number }
  /** Announces the full length but ends the body early (a clean close, not a reset). */
  | { kind: 'truncate'; afterBytes: number }
  /** Flips one byte of the body at this offset of the file. */
  | { kind: 'flip'; offset: number }
  /** Sends the body at this rate. */
  | { kind: 'trickle'; bytesPerSecond: number }
  /** Waits this long before answering. */
  | { kind: 'stall'; ms: number }
  /** Answers with these bytes instead of the file. */
  | { kind: 'replace'; body: Buffer };

export interface RequestLog {
  path: string;
  rangeStart: number;
  status: number;
  bytesSent: number;
}

export interface OriginOptions {
  /** Folder served at `/` (the publisher's repo/). */
  root: () => string;
  fault?: (path: string, attempt: number) => Fault | undefined;
  /** Caps every body (bytes/s), to make a sync slow enough to interrupt. */
  bytesPerSecond?: number;
  /** Date header to send instead of the real time (clock skew tests). */
  date?: () => Date;
  /** Serves https (at `https://localhost:<port>`) with this certificate. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface Origin {
  url: string;
  requests: RequestLog[];
  close(): Promise<void>;
}

const CHUNK = 64 * 1024;

/**
 * A static HTTP origin on 127.0.0.1 with Range support, as a bucket serves the repository, plus
 * faults on demand. Real sockets, real HTTP: the mirror cannot tell it from production.
 */
export async function startOrigin(opts: OriginOptions): Promise<Origin> {
  const requests: RequestLog[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const attempt = (attempts.get(path) ?? 0) + 1;
    attempts.set(path, attempt);
    const log: RequestLog = { path, rangeStart: 0, status: 200, bytesSent: 0 };
    requests.push(log);
    res.sendDate = false;
    res.setHeader('date', (opts.date?.() ?? new Date()).toUTCString());
    const fault = opts.fault?.(path, attempt);
    if (fault?.kind === 'stall') await sleep(fault.ms);
    if (fault?.kind === 'status') {
      log.status = fault.status;
      res.writeHead(fault.status).end();
      return;
    }
    const root = opts.root();
    const file = normalize(join(root, path));
    const body = fault?.kind === 'replace' ? fault.body : null;
    const st = !body && file.startsWith(root) ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!body && !st?.isFile()) {
      log.status = 404;
      res.writeHead(404).end();
      return;
    }
    const size = body ? body.length : st!.size;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= size) {
        log.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      log.status = 206;
      res.writeHead(206, { 'content-length': size - start, 'content-range': `bytes ${start}-${size - 1}/${size}`, 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
    }
    log.rangeStart = start;
    const rate = fault?.kind === 'trickle' ? fault.bytesPerSecond : opts.bytesPerSecond;
    const stream: AsyncIterable<Buffer> | Buffer[] = body
      ? [body.subarray(start)]
      : (createReadStream(file, { start, highWaterMark: CHUNK }) as AsyncIterable<Buffer>);
    const step = rate ? Math.min(CHUNK, Math.max(1024, Math.floor(rate / 20))) : Infinity;
    let offset = start;
    for await (const chunk of stream) {
      for (let i = 0; i < chunk.length; i += step) {
        let part = chunk.subarray(i, i + step);
        if (fault?.kind === 'flip' && fault.offset >= offset && fault.offset < offset + part.length) {
          part = Buffer.from(part);
          part[fault.offset - offset]! ^= 0xff;
        }
        if ((fault?.kind === 'drop' || fault?.kind === 'truncate') && offset + part.length > start + fault.afterBytes) {
          const keep = start + fault.afterBytes - offset;
          if (keep > 0) res.write(part.subarray(0, keep));
          log.bytesSent += Math.max(0, keep);
          if (fault.kind === 'drop') res.destroy();
          else res.socket?.end();
          return;
        }
        if (!res.write(part)) await new Promise((r) => res.once('drain', r));
        log.bytesSent += part.length;
        offset += part.length;
        if (rate) await sleep((part.length / rate) * 1000);
        if (res.destroyed) return;
      }
    }
    res.end();
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => res.destroy());
  };
  const server = opts.tls ? createTlsServer(opts.tls, onRequest) : createServer(onRequest);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: opts.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
