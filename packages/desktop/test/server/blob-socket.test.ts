import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isPncError, type PncError } from '@pnc/shared';
import { requestBlob } from '../../src/core/server/blob-request.js';
import { ServerClient } from '../../src/core/server/server-client.js';
import { downloadBlob } from '../../src/core/download/blob-download.js';
import { getOverSocket } from '@pnc/blob-socket';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A server on loopback; returns its base URL. */
async function serve(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** A raw TCP server that answers every connection with `script` (it owns the socket). */
function rawServer(script: (socket: net.Socket, request: string) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let request = '';
    socket.on('data', (d) => {
      request += d.toString('latin1');
      if (request.includes('\r\n\r\n')) script(socket, request);
    });
    socket.on('error', () => undefined);
  });
  closers.push(async () => sockets.forEach((s) => s.destroy()));
  return serve(server);
}

/** Reads a body the slow way (a tick between chunks), keeping copies, as a key writer would. */
async function readAll(body: AsyncIterable<Buffer>, slow = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) {
    parts.push(Buffer.from(chunk));
    if (slow) await tick();
  }
  return Buffer.concat(parts);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('blob bodies over a socket with reused buffers', () => {
  it('reads a 24 MiB body intact while the consumer is slow: held chunks are never overwritten', async () => {
    const data = randomBytes(24 * 1024 * 1024);
    const base = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-length': data.length });
        // Many small writes, so reads arrive while the consumer still holds a chunk.
        for (let off = 0; off < data.length; off += 48 * 1024) res.write(data.subarray(off, off + 48 * 1024));
        res.end();
      }),
    );
    const res = await requestBlob(`${base}/blob`, base, {});
    expect(res.status).toBe(200);
    expect(res.total).toBe(data.length);
    // Hash the views themselves, late: a view overwritten by a later read would change the hash.
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of res.stream) {
      await tick();
      hash.update(chunk);
      n += chunk.length;
    }
    expect(n).toBe(data.length);
    expect(hash.digest('hex')).toBe(sha(data));
  });

  it('sends the Range headers and reports the total from Content-Range', async () => {
    const data = randomBytes(100_000);
    let seen: http.IncomingHttpHeaders = {};
    const base = await serve(
      http.createServer((req, res) => {
        seen = req.headers;
        res.writeHead(206, {
          'content-range': `bytes 1000-${data.length - 1}/${data.length}`,
          'content-length': data.length - 1000,
        });
        res.end(data.subarray(1000));
      }),
    );
    const res = await requestBlob(`${base}/b?x=1`, base, { range: 'bytes=1000-', 'if-range': '"abc"' });
    expect(seen.range).toBe('bytes=1000-');
    expect(seen['if-range']).toBe('"abc"');
    expect(res.status).toBe(206);
    expect(res.total).toBe(data.length);
    expect(sha(await readAll(res.stream))).toBe(sha(data.subarray(1000)));
  });

  it('reads a chunked body, and a body that runs to the end of the connection', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const chunked = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200); // no length: node:http sends it chunked
        for (let off = 0; off < data.length; off += 100_000) res.write(data.subarray(off, off + 100_000));
        res.end();
      }),
    );
    const a = await requestBlob(`${chunked}/c`, chunked, {});
    expect(a.total).toBe(-1);
    expect(sha(await readAll(a.stream, true))).toBe(sha(data));

    const toEof = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      socket.end(data);
    });
    const b = await requestBlob(`${toEof}/e`, toEof, {});
    expect(sha(await readAll(b.stream))).toBe(sha(data));
  });

  it('parses a response head that arrives a few bytes at a time', async () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Long: ' + 'y'.repeat(3000) + '\r\n\r\nhello';
    const base = await rawServer((socket) => {
      let i = 0;
      const drip = () => {
        if (i >= head.length) return socket.end();
        socket.write(head.slice(i, (i += 7)));
        setTimeout(drip, 0);
      };
      drip();
    });
    const res = await getOverSocket(new URL(`${base}/h`), {});
    expect(res.head.status).toBe(200);
    expect(res.head.headers['x-long']).toHaveLength(3000);
    expect((await readAll(res.body)).toString()).toBe('hello');
  });

  it('asks for no "Connection: close" and ends the body at its length while the server keeps the connection', async () => {
    let request = '';
    const base = await rawServer((socket, req) => {
      request = req;
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'); // and never closes
    });
    const res = await requestBlob(`${base}/k`, base, {});
    expect((await readAll(res.stream)).toString()).toBe('hello');
    expect(request).not.toMatch(/connection: close/i);
  });

  it('fails the body when the server closes before the length it announced', async () => {
    const base = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      socket.write(Buffer.alloc(500, 1), () => socket.destroy());
    });
    const res = await requestBlob(`${base}/short`, base, {});
    let got = 0;
    await expect(
      (async () => {
        for await (const chunk of res.stream) got += chunk.length;
      })(),
    ).rejects.toThrow(/closed the connection mid-answer/);
    expect(got).toBe(500);
  });

  it("turns the server's JSON error into its PncError, and other answers into DOWNLOAD_FAILED", async () => {
    const base = await serve(
      http.createServer((req, res) => {
        if (req.url === '/json') {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'NOT_FOUND', message: 'No such blob.' }));
        } else {
          res.writeHead(502);
          res.end('<html>bad gateway</html>');
        }
      }),
    );
    const json = (await requestBlob(`${base}/json`, base, {}).catch((e: unknown) => e)) as PncError;
    expect(isPncError(json)).toBe(true);
    expect(json.code).toBe('NOT_FOUND');
    expect(json.message).toBe('No such blob.');
    const other = (await requestBlob(`${base}/html`, base, {}).catch((e: unknown) => e)) as PncError;
    expect(other.code).toBe('DOWNLOAD_FAILED');
    expect(other.details).toMatchObject({ status: 502 });
  });

  it('reports a refused connection and a non-HTTP answer as an unreachable server', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = (await requestBlob(`http://127.0.0.1:${port}/x`, 'srv', {}).catch(
      (e: unknown) => e,
    )) as PncError;
    expect(refused.code).toBe('SERVER_UNREACHABLE');
    expect(refused.details).toMatchObject({ cause: 'ECONNREFUSED' });

    const garbage = await rawServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    const bad = (await requestBlob(`${garbage}/x`, garbage, {}).catch((e: unknown) => e)) as PncError;
    expect(bad.code).toBe('SERVER_UNREACHABLE');
  });

  it('stops on abort and on destroy(error), mid-body', async () => {
    const base = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-length': 64 * 1024 * 1024 });
        res.write(Buffer.alloc(1024 * 1024)); // then nothing: the body hangs
      }),
    );
    const controller = new AbortController();
    const aborted = await requestBlob(`${base}/a`, base, {}, { signal: controller.signal });
    const reading = readAll(aborted.stream);
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(reading).rejects.toThrow('stop now');

    const destroyed = await requestBlob(`${base}/d`, base, {});
    const reading2 = readAll(destroyed.stream);
    setTimeout(() => destroyed.stream.destroy(new Error('idle')), 50);
    await expect(reading2).rejects.toThrow('idle');
  });

  it('https (a box behind a TLS proxy): the same reader, and the certificate is checked', async () => {
    // blob-socket's own test certificate: self-signed for localhost and 127.0.0.1.
    const fixtures = new URL('../../../blob-socket/test/fixtures/', import.meta.url);
    const cert = readFileSync(new URL('localhost.crt', fixtures));
    const key = readFileSync(new URL('localhost.key', fixtures));
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const server = https.createServer({ cert, key }, (_req, res) => {
      res.writeHead(200, { 'content-length': data.length });
      res.end(data);
    });
    const base = (await serve(server)).replace('http:', 'https:');
    const res = await requestBlob(`${base}/blob`, base, {}, { ca: cert });
    expect(res.total).toBe(data.length);
    expect(sha(await readAll(res.stream, true))).toBe(sha(data));

    const untrusted = (await requestBlob(`${base}/blob`, base, {}).catch((e: unknown) => e)) as PncError;
    expect(isPncError(untrusted) && untrusted.code).toBe('SERVER_UNREACHABLE');
    expect(untrusted.details).toMatchObject({ cause: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('a server silent mid-body fails the body with ETIMEDOUT after idleTimeoutMs', async () => {
    const base = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-length': 8 * 1024 * 1024 });
        res.write(Buffer.alloc(1024 * 1024)); // then nothing
      }),
    );
    const res = await requestBlob(`${base}/s`, base, {}, { idleTimeoutMs: 200 });
    await expect(readAll(res.stream)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});

/** downloadBlob from `base` with an idle time of `idleTimeoutMs`: the bytes and the resumes. */
async function download(base: string, data: Buffer, idleTimeoutMs: number, onChunk?: () => Promise<void>) {
  const resumes: Array<{ offset: number; error: string }> = [];
  const parts: Buffer[] = [];
  const blob = downloadBlob(new ServerClient(base), {
    size: data.length,
    sha256: sha(data),
    idleTimeoutMs,
    onResume: (r) => resumes.push(r),
  });
  for await (const chunk of blob) {
    parts.push(Buffer.from(chunk));
    await onChunk?.();
  }
  return { bytes: Buffer.concat(parts), resumes };
}

describe('downloadBlob over the socket reader', () => {
  it('a server that goes silent mid-file: TIMEOUT after the idle time, then a Range resume completes the file', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const requests: Array<string | undefined> = [];
    const base = await serve(
      http.createServer((req, res) => {
        requests.push(req.headers.range);
        const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
        if (requests.length === 1) {
          res.writeHead(200, { 'content-length': data.length });
          res.write(data.subarray(0, 700_000)); // then silent: the connection stays open
          return;
        }
        res.writeHead(206, {
          'content-length': data.length - start,
          'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
        });
        res.end(data.subarray(start));
      }),
    );
    const t0 = performance.now();
    const { bytes, resumes } = await download(base, data, 300);
    expect(sha(bytes)).toBe(sha(data));
    expect(resumes).toHaveLength(1);
    expect(resumes[0]!.error).toBe('No data from the server for 0.3 s.');
    expect(resumes[0]!.offset).toBeGreaterThan(0);
    expect(requests[1]).toBe(`bytes=${resumes[0]!.offset}-`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('a consumer slower than the idle time is not a silent server', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const base = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-length': data.length });
        res.end(data);
      }),
    );
    let first = true;
    const { bytes, resumes } = await download(base, data, 100, async () => {
      // A key that stalls (its cache flushing) for longer than the idle time, once.
      if (first) await new Promise((r) => setTimeout(r, 400));
      first = false;
    });
    expect(sha(bytes)).toBe(sha(data));
    expect(resumes).toEqual([]);
  });
});
