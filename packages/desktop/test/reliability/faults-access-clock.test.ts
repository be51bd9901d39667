import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPncError } from '@pnc/shared';
import { startAgent } from '../../src/core/agent/index.js';
import { createDriveAccess } from '../../src/core/drives/index.js';
import { readKey } from '../../src/core/keys/read-key.js';
import { writeKey } from '../../src/core/keys/write-key.js';
import { ServerClient } from '../../src/core/server/server-client.js';
import { createDesktopService } from '../../src/core/service/desktop-service.js';
import { cli, runNode } from '../helpers/processes.js';
import { currentCatalog } from '../../../server/test/reliability/forge.js';
import { startMaliciousServer, type LanFault, type MaliciousServer } from './malicious-server.js';
import { demoVins, KEY_SIZE, pickCase, publisher, tempDir, workstation } from './support.js';

/** Faults, access and clock cases of the workstation core, against a LAN server on loopback. */
describe('workstation faults, local agent access, clock', () => {
  const tmp = tempDir('rel-ws-faults');
  const workdir = join(tmp.path, 'publisher');
  const trustedRoot = join(tmp.path, '1.root.json');
  let fault: ((path: string, attempt: number) => LanFault | undefined) | undefined;
  let lan: MaliciousServer;
  let c: ReturnType<typeof pickCase>;
  let n = 0;
  let big: { sha256: string; size: number };

  beforeAll(async () => {
    await publisher(workdir, '6MiB');
    cpSync(join(workdir, 'repo', 'metadata', '1.root.json'), trustedRoot);
    lan = await startMaliciousServer({ repo: () => join(workdir, 'repo'), fault: (p, a) => fault?.(p, a) });
    c = pickCase(await workstation(join(tmp.path, 'ws-probe'), trustedRoot).verify(lan.url), demoVins(workdir));
    const p = currentCatalog(join(workdir, 'repo')).json.packages.find((x) => x['id'] === c.packageId)!;
    big = (p['files'] as Array<{ sha256: string; size: number }>).slice().sort((a, b) => b.size - a.size)[0]!;
  }, 120_000);
  afterEach(() => {
    vi.useRealTimers();
    fault = undefined;
  });
  afterAll(async () => {
    await lan.close();
    tmp.cleanup();
  });

  it('F11 SIGKILL of the workstation core (pnc-key write) mid-write: the key never reads as complete; a new write then completes', async () => {
    const env = { PNC_HOME: join(tmp.path, 'home-f11'), PNC_TRUSTED_ROOT: trustedRoot };
    const image = join(tmp.path, 'f11.img');
    fault = (p) => (p.endsWith(big.sha256) ? { kind: 'stall', afterBytes: Math.floor(big.size / 2), ms: 20_000 } : undefined);
    const child = spawn(process.execPath, [cli.key, 'write', '--server', lan.url, '--vin', c.vin, '--package', c.packageId, '--image', image, '--size', '1GiB', '--json'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let progress = '';
    child.stderr.on('data', (d: Buffer) => (progress += d.toString()));
    const exited = new Promise((r) => child.on('exit', r));
    try {
      const until = Date.now() + 30_000;
      while (!/"phase":"writing"/.test(progress) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    fault = undefined;
    const v = await runNode(cli.key, ['verify', '--image', image, '--json'], env);
    expect(v.code).toBe(7);
    expect(JSON.parse(v.stdout)).toMatchObject({ intact: false });
    const again = await runNode(cli.key, ['write', '--server', lan.url, '--vin', c.vin, '--package', c.packageId, '--image', image, '--size', '1GiB', '--json'], env);
    expect(again.code, again.stderr.slice(-500)).toBe(0);
    expect(await readKey(image)).toMatchObject({ intact: true, state: 'complete' });
  }, 120_000);

  it('F12 LAN server dropping, stalling and truncating blob streams: the key completes and verifies; each retry resumes with Range, finished bytes not fetched again', async () => {
    const kinds: LanFault[] = [
      { kind: 'drop', afterBytes: Math.floor(big.size / 4) },
      { kind: 'truncate', afterBytes: Math.floor(big.size / 4) },
      { kind: 'stall', afterBytes: Math.floor(big.size / 4), ms: 1_500 },
    ];
    let k = 0;
    fault = (p) => (p.endsWith(big.sha256) && k < kinds.length ? kinds[k++] : undefined);
    const ws = workstation(join(tmp.path, `ws-${++n}`), trustedRoot);
    const before = lan.requests.length;
    // The idle timeout of the real downloader is 30 s; a stall shorter than that just waits.
    const a = await ws.write(lan.url, c.vin, c.packageId, join(tmp.path, 'f12.img'));
    expect(a.error).toBeNull();
    expect(a.key).toMatchObject({ intact: true, state: 'complete' });
    const tries = lan.requests.slice(before).filter((r) => r.path.endsWith(big.sha256));
    expect(tries.length).toBeGreaterThan(1);
    // Bytes the server wrote before a reset may never reach the client: a resume starts at most
    // there, and never re-fetches more than what a socket can hold in flight.
    let sent = 0;
    for (const t of tries) {
      expect(t.rangeStart, 'never past what was sent').toBeLessThanOrEqual(sent);
      sent = t.rangeStart + t.bytesSent;
    }
    expect(tries.some((t) => t.rangeStart > 0), 'resumed with Range').toBe(true);
    expect(tries.reduce((s2, t) => s2 + t.bytesSent, 0) - big.size).toBeLessThanOrEqual((tries.length - 1) * 256 * 1024);
  }, 120_000);

  it('F13 key removed mid-write (the target starts failing with EIO): WRITE_FAILED, never complete, nothing recorded as a good key', async () => {
    const ws = workstation(join(tmp.path, `ws-${++n}`), trustedRoot);
    const verified = await ws.verify(lan.url);
    const client = new ServerClient(lan.url);
    const image = join(tmp.path, 'f13.img');
    const opened = await createDriveAccess().open({ kind: 'image', path: image, size: KEY_SIZE });
    let written = 0;
    const failing = {
      ...opened,
      openTarget: async () => {
        const t = await opened.openTarget();
        return {
          get size() {
            return t.size;
          },
          zeroed: t.zeroed,
          read: (b: Buffer, p: number) => t.read(b, p),
          sync: () => t.sync(),
          close: () => t.close(),
          async write(buf: Buffer, pos: number) {
            written += buf.length;
            if (written > 3 * 1024 * 1024) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
            return t.write(buf, pos);
          },
        };
      },
    };
    let code = '';
    try {
      await writeKey({ client, serverName: 'x', verified, vehicle: c.vehicle, packageIds: [c.packageId], key: failing, app: { name: 't', version: '0' } });
    } catch (e) {
      code = isPncError(e) ? e.code : `not a PncError: ${(e as Error).message}`;
    }
    expect(['WRITE_FAILED', 'VERIFY_FAILED']).toContain(code);
    const report = await readKey(image).catch(() => null);
    expect(report?.state === 'complete' || report?.intact).toBeFalsy();
  }, 60_000);

  describe('local agent', () => {
    let agent: Awaited<ReturnType<typeof startAgent>>;
    let service: ReturnType<typeof createDesktopService>;
    let port = 0;
    beforeAll(async () => {
      const renderer = mkdtempSync(join(tmpdir(), 'pnc-renderer-'));
      writeFileSync(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');
      service = createDesktopService({ stateDir: join(tmp.path, 'agent-state'), trustedRootFile: trustedRoot, confirmRetryMs: 60_000 });
      agent = await startAgent({ api: service, port: 0, rendererDir: renderer });
      port = Number(new URL(agent.url).port);
    });
    afterAll(async () => {
      await agent.close();
      await service.close();
    });

    const raw = (path: string, headers: Record<string, string>, body = '{}'): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
        req.end(body);
      });

    it('X11 the local agent refuses calls without its token, with a wrong token, from another web origin or another Host name', async () => {
      const host = `127.0.0.1:${port}`;
      const ok = { host, authorization: `Bearer ${agent.token}` };
      expect((await raw('/rpc/getConnection', ok)).status).toBe(200);
      expect((await raw('/rpc/getConnection', { host })).status).toBe(401);
      expect((await raw('/rpc/getConnection', { host, authorization: `Bearer ${'A'.repeat(43)}` })).status).toBe(401);
      expect((await raw(`/rpc/getConnection?token=${agent.token}`, { host })).status).toBe(401);
      for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null']) {
        const r = await raw('/rpc/connect', { ...ok, origin }, JSON.stringify({ url: lan.url }));
        expect(r.status, origin).toBe(403);
      }
      // DNS rebinding: a hostile name pointed at 127.0.0.1 is not the agent.
      expect((await raw('/rpc/getConnection', { ...ok, host: `evil.example:${port}` })).status).toBe(403);
      // Writing a key through the agent needs the token too.
      const w = await raw('/rpc/startWrite', { host }, JSON.stringify({ vin: c.vin, packageIds: [c.packageId], target: { kind: 'image', path: join(tmp.path, 'x.img'), size: KEY_SIZE } }));
      expect(w.status).toBe(401);
    });
  });

  it('X12 connecting: the server and session are usable while TUF verifies, said as "verifying"; a failed verification disconnects with its error', async () => {
    const service = createDesktopService({ stateDir: join(tmp.path, `ws-${++n}`), trustedRootFile: trustedRoot, confirmRetryMs: 60_000 });
    try {
      // The timestamp stalls a second, then its connection drops: the verification fails.
      fault = (p) => (p.endsWith('timestamp.json') ? { kind: 'stall', afterBytes: 0, ms: 1_000 } : undefined);
      expect(await service.connect({ url: lan.url })).toMatchObject({ server: { name: 'Evil box' }, contentVerified: false, activity: 'verifying', error: null });
      await vi.waitFor(async () => expect((await service.getConnection({})).error).not.toBeNull(), { timeout: 15_000 });
      expect(await service.getConnection({})).toMatchObject({ server: null, contentVerified: false, activity: null });
      await expect(service.checkVehicle({ vin: c.vin })).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });

      fault = undefined;
      await service.connect({ url: lan.url });
      await vi.waitFor(async () => expect(await service.getConnection({})).toMatchObject({ contentVerified: true, activity: null, error: null }), { timeout: 15_000 });
    } finally {
      await service.close();
    }
  });

  it('C11 workstation clock 10 days ahead: METADATA_EXPIRED naming this computer\'s clock against the server\'s', async () => {
    const ws = workstation(join(tmp.path, `ws-${++n}`), trustedRoot);
    await ws.verify(lan.url);
    const client = new ServerClient(lan.url);
    const serverTime = (await client.info()).serverTime;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10 * 86_400_000);
    const { fetchVerifiedCatalog } = await import('../../src/core/trust/verified-catalog.js');
    const err = await fetchVerifiedCatalog({ serverUrl: lan.url, trustedRootFile: trustedRoot, stateDir: ws.stateDir, serverTime }).catch((e: unknown) => e);
    vi.useRealTimers();
    expect(err).toMatchObject({ code: 'METADATA_EXPIRED', details: { reason: 'CLOCK_AHEAD' } });
    expect((err as Error).message).toMatch(/clock is 10\.0 days ahead of the server's/);
  });

  it('C12 workstation clock days behind the carmaker\'s signing time: refused (METADATA_EXPIRED, CLOCK_BEHIND) with both dates', async () => {
    const ws = workstation(join(tmp.path, `ws-${++n}`), trustedRoot);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 3 * 86_400_000);
    const err = await ws.verify(lan.url).catch((e: unknown) => e);
    vi.useRealTimers();
    expect(err).toMatchObject({ code: 'METADATA_EXPIRED', details: { reason: 'CLOCK_BEHIND' } });
    expect((err as Error).message).toMatch(/3\.0 days behind the time the carmaker signed this content/);
  });

  it('C13 workstation clock going backwards below the latest known time: refused (METADATA_EXPIRED, CLOCK_BEHIND), then fine once the clock is right', async () => {
    const ws = workstation(join(tmp.path, `ws-${++n}`), trustedRoot);
    await ws.verify(lan.url);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 86_400_000);
    await ws.verify(lan.url); // a later verification moves the latest known time forward
    vi.setSystemTime(Date.now() - 1 * 86_400_000);
    const err = await ws.verify(lan.url).catch((e: unknown) => e);
    vi.useRealTimers();
    expect(err).toMatchObject({ code: 'METADATA_EXPIRED', details: { reason: 'CLOCK_BEHIND' } });
    expect((err as Error).message).toMatch(/behind a time this workstation already saw/);
    // A small step (NTP correcting a few seconds) is not an error.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 86_400_000 - 5_000);
    await expect(ws.verify(lan.url)).resolves.toBeDefined();
  });
});
