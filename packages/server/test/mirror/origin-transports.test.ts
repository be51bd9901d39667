import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, makeBox, tempDir } from '../helpers/mirror-fixtures.js';

// The self-signed localhost certificate of @pnc/blob-socket's tests (valid until 2126).
const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'blob-socket', 'test', 'fixtures');
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'server-cli.ts');

/**
 * A forward proxy that alone knows where `origin.invalid` is: a sync that succeeds through it
 * fetched every file through it (a direct connection cannot even resolve the name).
 */
async function startProxy(originPort: number): Promise<{ url: string; tunnels: string[]; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const target = (hostPort: string) => {
    const [host, port] = hostPort.split(':');
    return { host: host === 'origin.invalid' ? '127.0.0.1' : host!, port: host === 'origin.invalid' ? originPort : Number(port) };
  };
  const server = http.createServer((req, res) => {
    // Absolute-form requests (a proxy that is not asked to tunnel).
    const u = new URL(req.url!);
    const t = target(u.host);
    const up = http.request({ host: t.host, port: t.port, path: u.pathname + u.search, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url!);
    const t = target(req.url!);
    const up = net.connect(t.port, t.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [up, client]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === up ? client : up).destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    tunnels,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('mirror: how blobs reach the box', () => {
  const tmp = tempDir('transports');
  const workdir = join(tmp.path, 'publisher');
  beforeAll(async () => {
    await demoRepo(workdir);
  });
  afterAll(() => tmp.cleanup());

  it('goes through the proxy of HTTP_PROXY for metadata and blobs alike', async () => {
    const origin = await startOrigin({ root: () => join(workdir, 'repo') });
    const proxy = await startProxy(Number(new URL(origin.url).port));
    process.env['HTTP_PROXY'] = proxy.url;
    const box = makeBox(join(tmp.path, 'box-proxy'), workdir);
    try {
      const r = await box.sync(`http://origin.invalid:${new URL(origin.url).port}`);
      expect(r.status).toBe('ok');
      expect(await assertServedComplete(box.dataDir, box.db)).toBe(1);
      expect(proxy.tunnels.length).toBeGreaterThan(0);
      expect(origin.requests.some((q) => q.path.startsWith('/blobs/sha256/'))).toBe(true);
    } finally {
      delete process.env['HTTP_PROXY'];
      await box.close();
      await proxy.close();
      await origin.close();
    }
  });

  it('mirrors from an https origin whose CA is given through NODE_EXTRA_CA_CERTS, and refuses it without', async () => {
    const origin: Origin = await startOrigin({
      root: () => join(workdir, 'repo'),
      tls: { cert: readFileSync(join(FIXTURES, 'localhost.crt')), key: readFileSync(join(FIXTURES, 'localhost.key')) },
    });
    const sync = (dataDir: string, env: Record<string, string>) =>
      new Promise<{ code: number | null; result: { status: string; error?: { code: string } } }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', CLI, 'sync', '--origin', origin.url, '--data-dir', dataDir, '--trusted-root', join(workdir, 'repo', 'metadata', '1.root.json'), '--json'],
          { env: { ...process.env, PNC_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => resolve({ code, result: JSON.parse(out.trim().split('\n').pop() ?? '{}') }));
      });
    try {
      const trusted = await sync(join(tmp.path, 'box-https'), { NODE_EXTRA_CA_CERTS: join(FIXTURES, 'localhost.crt') });
      expect(JSON.stringify(trusted.result)).toContain('"status":"ok"');
      expect(origin.requests.filter((q) => q.path.startsWith('/blobs/sha256/')).length).toBeGreaterThan(0);

      const untrusted = await sync(join(tmp.path, 'box-https-untrusted'), {});
      expect(untrusted.result.status).toBe('failed');
      expect(untrusted.result.error?.code).toBe('SERVER_UNREACHABLE');
    } finally {
      await origin.close();
    }
  }, 120_000);
});
