import { createHash, randomBytes } from 'node:crypto';
import { existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, Agent, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/http/errors.js';
import { CHUNK, writeFileBody } from '../../src/http/file-body.js';
import { sendImmutableFile } from '../../src/http/send-file.js';

// Over real sockets (app.inject has none): several chunks, a short last one.
const SIZE = 3 * CHUNK + 12_345;
const dir = mkdtempSync(join(tmpdir(), 'pnc-file-body-'));
const path = join(dir, 'blob');
const data = randomBytes(SIZE);
const sha = createHash('sha256').update(data).digest('hex');

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(url: string, opts: { method?: string; headers?: Record<string, string>; agent?: Agent } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts a download, and closes the connection once the first bytes have arrived. */
function abortAfterFirstBytes(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    req.end();
  });
}

/** Descriptors of this process open on `file` (Linux). */
function fdsOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(() => writeFileSync(path, data));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileBody', () => {
  let server: Server;
  let url: string;
  let next: { start: number; length: number; done: (err?: Error) => void; fd?: (fd: number) => void };
  beforeAll(async () => {
    server = createServer((_req, res) => {
      const fd = openSync(path, 'r');
      next.fd?.(fd);
      res.writeHead(200, { 'content-length': next.length });
      writeFileBody(res, fd, next.start, next.length, next.done);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the byte range across chunk boundaries, then closes the file', async () => {
    let fd = -1;
    let outcome: Error | undefined | 'pending' = 'pending';
    next = { start: CHUNK - 100, length: CHUNK + 200, done: (err) => (outcome = err), fd: (n) => (fd = n) };
    const got = await get(url);
    expect(got.body.equals(data.subarray(CHUNK - 100, 2 * CHUNK + 100))).toBe(true);
    await until(() => outcome !== 'pending', 'the body to finish');
    expect(outcome).toBeUndefined();
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
  });

  it('closes the file when the client leaves mid-body', async () => {
    let fd = -1;
    let outcome: Error | undefined | 'pending' = 'pending';
    next = { start: 0, length: SIZE, done: (err) => (outcome = err), fd: (n) => (fd = n) };
    await abortAfterFirstBytes(url);
    await until(() => outcome !== 'pending', 'the body to stop');
    expect(outcome).toBeInstanceOf(Error);
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
  });

  it('cuts the connection (never a short 200 that looks complete) when the file is shorter than promised', async () => {
    let outcome: Error | undefined | 'pending' = 'pending';
    next = { start: 0, length: SIZE + 10, done: (err) => (outcome = err) };
    await expect(get(url)).rejects.toThrow();
    await until(() => outcome !== 'pending', 'the body to stop');
    expect(String(outcome)).toMatch(/ended at byte/);
  });
});

describe('sendImmutableFile over a socket', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = Fastify();
    installErrorHandling(app);
    app.route({
      method: ['GET', 'HEAD'],
      url: '/f',
      handler: (req, reply) => sendImmutableFile(req, reply, path, sha),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/f`;
  });
  afterAll(() => app.close());

  it('answers GET, ranges, HEAD, 304 and 416 on one keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const full = await get(base, { agent });
    expect(full.status).toBe(200);
    expect(full.headers['content-length']).toBe(String(SIZE));
    expect(full.headers.etag).toBe(`"${sha}"`);
    expect(full.headers['cache-control']).toContain('immutable');
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(createHash('sha256').update(full.body).digest('hex')).toBe(sha);

    const part = await get(base, { agent, headers: { range: `bytes=${CHUNK - 1}-${2 * CHUNK}` } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes ${CHUNK - 1}-${2 * CHUNK}/${SIZE}`);
    expect(part.body.equals(data.subarray(CHUNK - 1, 2 * CHUNK + 1))).toBe(true);

    const tail = await get(base, { agent, headers: { range: 'bytes=-7', 'if-range': `"${sha}"` } });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(data.subarray(SIZE - 7))).toBe(true);

    const stale = await get(base, { agent, headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(SIZE);

    const head = await get(base, { agent, method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(SIZE));
    expect(head.body.length).toBe(0);

    const cached = await get(base, { agent, headers: { 'if-none-match': `"${sha}"` } });
    expect(cached.status).toBe(304);

    const beyond = await get(base, { agent, headers: { range: `bytes=${SIZE}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${SIZE}`);
    expect(JSON.parse(beyond.body.toString()).code).toBe('RANGE_NOT_SATISFIABLE');
    agent.destroy();
  });

  it.runIf(existsSync('/proc/self/fd'))('leaves no descriptor open after answers and client aborts', async () => {
    const agent = new Agent({ keepAlive: true });
    await Promise.all([get(base, { agent }), get(base, { agent, method: 'HEAD' }), abortAfterFirstBytes(base)]);
    await until(() => fdsOn(path) === 0, 'every descriptor on the file to be closed');
    agent.destroy();
  });
});
