import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { getOverSocket } from '../src/index.js';

// A self-signed certificate for localhost and 127.0.0.1, valid until 2126 (test fixture only).
const cert = readFileSync(new URL('./fixtures/localhost.crt', import.meta.url));
const key = readFileSync(new URL('./fixtures/localhost.key', import.meta.url));

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function serve(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return (server.address() as net.AddressInfo).port;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads a body the way its users do: each chunk used (hashed) before the next is asked for. */
async function drain(body: AsyncIterable<Buffer>, holdMs = 0): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of body) {
    if (holdMs) await sleep(holdMs);
    h.update(c);
    bytes += c.length;
  }
  return { sha256: h.digest('hex'), bytes };
}

describe('getOverSocket over https', () => {
  const blob = randomBytes(6 * 1024 * 1024 + 17);
  const tlsServer = () =>
    https.createServer({ cert, key }, (req, res) => {
      res.writeHead(200, { 'content-length': blob.length, date: new Date().toUTCString() });
      res.end(blob);
    });

  it('reads a body intact through TLS, checking the certificate against the CA given, by name and by address', async () => {
    const port = await serve(tlsServer());
    for (const host of ['localhost', '127.0.0.1']) {
      const res = await getOverSocket(new URL(`https://${host}:${port}/b`), {}, { ca: cert });
      expect(res.head.status).toBe(200);
      expect(await drain(res.body)).toEqual({ sha256: sha(blob), bytes: blob.length });
    }
  });

  it('keeps held chunks intact over TLS while the consumer is slow', async () => {
    const port = await serve(tlsServer());
    const res = await getOverSocket(new URL(`https://localhost:${port}/b`), {}, { ca: cert });
    expect(await drain(res.body, 5)).toEqual({ sha256: sha(blob), bytes: blob.length });
  });

  it("refuses a certificate it cannot trust, with the TLS error's code", async () => {
    const port = await serve(tlsServer());
    const err = (await getOverSocket(new URL(`https://localhost:${port}/b`), {}).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });
});

describe('getOverSocket idle timeout', () => {
  it('fails with ETIMEDOUT when the server stops sending mid-body', async () => {
    const port = await serve(
      http.createServer((req, res) => {
        res.writeHead(200, { 'content-length': 1000 });
        res.write(Buffer.alloc(100)); // then silence
      }),
    );
    const res = await getOverSocket(new URL(`http://127.0.0.1:${port}/s`), {}, { idleTimeoutMs: 300 });
    const err = (await drain(res.body).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe('ETIMEDOUT');
  });

  it('fails with ETIMEDOUT when no answer comes at all', async () => {
    const port = await serve(http.createServer(() => {}));
    const err = (await getOverSocket(new URL(`http://127.0.0.1:${port}/n`), {}, { idleTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    )) as NodeJS.ErrnoException;
    expect(err.code).toBe('ETIMEDOUT');
  });

  it("does not count the consumer's own time: a slow writer is not a silent server", async () => {
    const blob = randomBytes(3 * 1024 * 1024);
    const port = await serve(
      http.createServer((req, res) => {
        res.writeHead(200, { 'content-length': blob.length });
        res.end(blob);
      }),
    );
    const res = await getOverSocket(new URL(`http://127.0.0.1:${port}/slow`), {}, { idleTimeoutMs: 200 });
    // Each chunk held longer than the timeout, as a key on a USB 2.0 port or a bandwidth window would.
    expect(await drain(res.body, 250)).toEqual({ sha256: sha(blob), bytes: blob.length });
  });
});
