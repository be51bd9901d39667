import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkError, OriginHttp } from '../../src/mirror/origin-http.js';
import { startOrigin, type Fault, type Origin } from '../helpers/origin-server.js';

/** A forward proxy (CONNECT tunnels and absolute-form GETs) that counts what it carried. */
async function startProxy(): Promise<{ url: string; used: string[]; close(): Promise<void> }> {
  const used: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    used.push(`GET ${req.url}`);
    const up = request(req.url!, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    used.push(`CONNECT ${req.url}`);
    const [host, port] = req.url!.split(':');
    const up = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client).on('error', () => {});
      client.pipe(up).on('error', () => {});
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    used,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('OriginHttp.getBlob', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pnc-origin-http-'));
  const data = randomBytes(2 * 1024 * 1024 + 17);
  let fault: ((path: string, attempt: number) => Fault | undefined) | undefined;
  let origin: Origin;

  beforeAll(async () => {
    mkdirSync(join(tmp, 'blobs'), { recursive: true });
    writeFileSync(join(tmp, 'blobs', 'b'), data);
    origin = await startOrigin({ root: () => tmp, fault: (p, a) => fault?.(p, a) });
  });
  afterAll(async () => {
    await origin.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves a Range as 206 and notes the origin clock', async () => {
    const http = new OriginHttp(2000);
    const res = await http.getBlob(`${origin.url}/blobs/b`, { range: 'bytes=1000-' });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-${data.length - 1}/${data.length}`);
    expect((await readAll(res.body)).equals(data.subarray(1000))).toBe(true);
    expect(http.lastOriginDate).not.toBeNull();
    await http.close();
  });

  it('does not count the time its reader keeps the body paused as the origin going silent', async () => {
    const http = new OriginHttp(200);
    const res = await http.getBlob(`${origin.url}/blobs/b`);
    res.body.pause();
    await sleep(700);
    expect((await readAll(res.body)).equals(data)).toBe(true);
    await http.close();
  });

  it('fails with TIMEOUT when the origin goes silent mid-body', async () => {
    const http = new OriginHttp(300);
    // 100 B/s: the first 1 KiB, then 10 s of silence.
    fault = () => ({ kind: 'trickle', bytesPerSecond: 100 });
    try {
      const res = await http.getBlob(`${origin.url}/blobs/b`);
      const err = await readAll(res.body).then(
        () => null,
        (e: unknown) => e,
      );
      expect(networkError(err, origin.url)).toMatchObject({ code: 'TIMEOUT' });
    } finally {
      fault = undefined;
      await http.close();
    }
  });

  it('fails with TIMEOUT when the headers do not come', async () => {
    const http = new OriginHttp(300);
    fault = () => ({ kind: 'stall', ms: 1500 });
    try {
      await expect(http.getBlob(`${origin.url}/blobs/b`)).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      fault = undefined;
      await http.close();
    }
  });

  it('names an unreachable origin and a cancelled request plainly', async () => {
    const http = new OriginHttp(2000);
    await expect(http.getBlob('http://127.0.0.1:9/blobs/b')).rejects.toMatchObject({
      code: 'SERVER_UNREACHABLE',
    });
    const abort = new AbortController();
    abort.abort();
    await expect(http.getBlob(`${origin.url}/blobs/b`, {}, abort.signal)).rejects.toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: expect.stringMatching(/cancelled/),
    });
    await http.close();
  });

  it('goes through HTTP_PROXY when one is configured (undici EnvHttpProxyAgent, as for metadata)', async () => {
    const proxy = await startProxy();
    const saved = process.env['http_proxy'];
    process.env['http_proxy'] = proxy.url;
    try {
      const http = new OriginHttp(2000);
      const res = await http.getBlob(`${origin.url}/blobs/b`, { range: 'bytes=5-' });
      expect(res.statusCode).toBe(206);
      expect((await readAll(res.body)).equals(data.subarray(5))).toBe(true);
      await http.close();
      expect(proxy.used.length).toBeGreaterThan(0);
      expect(proxy.used[0]).toContain(new URL(origin.url).host);
    } finally {
      if (saved === undefined) delete process.env['http_proxy'];
      else process.env['http_proxy'] = saved;
      await proxy.close();
    }
  });
});
