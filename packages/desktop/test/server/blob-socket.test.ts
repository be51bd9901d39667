import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isPncError, type PncError } from '@pnc/shared';
import { requestBlob } from '../../src/core/server/blob-request.js';
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
    const aborted = await requestBlob(`${base}/a`, base, {}, controller.signal);
    const reading = readAll(aborted.stream);
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(reading).rejects.toThrow('stop now');

    const destroyed = await requestBlob(`${base}/d`, base, {});
    const reading2 = readAll(destroyed.stream);
    setTimeout(() => destroyed.stream.destroy(new Error('idle')), 50);
    await expect(reading2).rejects.toThrow('idle');
  });
});
