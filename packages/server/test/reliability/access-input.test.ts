import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, Catalog, ErrorCode, isPncError, parseVin, routePath, UpdatePackage, type AuthLevel } from '@pnc/shared';
import { createAccounts } from '../../src/accounts/accounts.js';
import { LoginThrottle } from '../../src/accounts/throttle.js';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { loadCurrentCatalog } from '../../src/mirror/catalog-cache.js';
import { importVehicleRegistry } from '../../src/publisher/content-ops.js';
import { demoRepo, makeBox, quietLog, tempDir, type Box } from '../helpers/mirror-fixtures.js';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { SCALE } from './support.js';

const DAY = 86_400_000;

/** Access control and bad input against the real API (Fastify, SQLite, mirrored demo content). */
describe('access and bad input', () => {
  const tmp = tempDir('rel-access');
  const workdir = join(tmp.path, 'publisher');
  let origin: Origin;
  let box: Box;
  let app: FastifyInstance;
  let clock = Date.now();
  const tokens: Record<'anonymous' | 'technician' | 'admin' | 'expired' | 'revoked' | 'disabled', Record<string, string>> = {
    anonymous: {}, technician: {}, admin: {}, expired: {}, revoked: {}, disabled: {},
  };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  beforeAll(async () => {
    await demoRepo(workdir, 256 * 1024);
    origin = await startOrigin({ root: () => join(workdir, 'repo') });
    box = makeBox(join(tmp.path, 'box'), workdir);
    await box.sync(origin.url);
    const accounts = createAccounts(box.db, { now: () => new Date(clock), throttle: new LoginThrottle(3, 60_000, 60_000) });
    const first = (await accounts.ensureFirstAccess(join(tmp.path, 'first.txt')))!;
    const config = loadConfig({ flags: { dataDir: box.dataDir, name: 'Reliability box', dealerCode: 'R-1' } });
    app = await buildApp({ config, db: box.db, log: quietLog, version: '0.0.0', accounts });
    const login = async (username: string, password: string) =>
      (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } })).json<{ token: string }>().token;
    const change = async (token: string, currentPassword: string, newPassword: string) =>
      app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token), payload: { currentPassword, newPassword } });
    await change(await login('admin', first), first, 'admin-password-long-1');
    tokens.admin = bearer(await login('admin', 'admin-password-long-1'));
    for (const name of ['tech', 'old', 'gone', 'off']) {
      const u = (await app.inject({ method: 'POST', url: '/api/v1/users', headers: tokens.admin, payload: { username: name, role: 'technician' } })).json<{ temporaryPassword: string }>();
      await change(await login(name, u.temporaryPassword), u.temporaryPassword, `${name}-password-long-1`);
    }
    tokens.technician = bearer(await login('tech', 'tech-password-long-1'));
    // A token signed in 31 days ago has expired (sessions last 30 days).
    clock = Date.now() - 31 * DAY;
    tokens.expired = bearer(await login('old', 'old-password-long-1'));
    clock = Date.now();
    tokens.revoked = bearer(await login('gone', 'gone-password-long-1'));
    await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: tokens.revoked });
    tokens.disabled = bearer(await login('off', 'off-password-long-1'));
    await app.inject({ method: 'PATCH', url: '/api/v1/users/off', headers: tokens.admin, payload: { disabled: true } });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await box.close();
    await origin.close();
    tmp.cleanup();
  });

  const sample = () => ({
    vin: 'VF1RFB00X68234567',
    hash: loadCurrentCatalog(box.dataDir, box.db)!.catalog.packages[0]!.files[0]!.sha256,
    file: 'timestamp.json',
    username: 'nobody-here',
  });

  it('X01 every route × anonymous / technician / admin / expired / revoked / disabled token: only the right role gets through (401/403 otherwise)', async () => {
    const rank: Record<AuthLevel, number> = { none: 0, technician: 1, admin: 2 };
    const who = { anonymous: 0, expired: 0, revoked: 0, disabled: 0, technician: 1, admin: 2 } as const;
    let checked = 0;
    for (const [name, route] of Object.entries(apiRoutes)) {
      if (name === 'logout') continue; // revokes the caller: checked in X02
      for (const [role, level] of Object.entries(who) as Array<[keyof typeof who, number]>) {
        const res = await app.inject({ method: route.method, url: routePath(route.path, sample()), headers: tokens[role], ...(route.method === 'GET' ? {} : { payload: {} }) });
        const allowed = level >= rank[route.auth];
        if (allowed) expect([401, 403], `${name} as ${role}: ${res.body}`).not.toContain(res.statusCode);
        else {
          expect(res.statusCode, `${name} as ${role}`).toBe(level === 0 ? 401 : 403);
          expect(res.json<{ code: string }>().code).toBe(level === 0 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        }
        expect(res.statusCode).toBeLessThan(500);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('X02 logout revokes the token at once; a password reset signs the user out everywhere', async () => {
    const t = bearer((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'tech', password: 'tech-password-long-1' } })).json<{ token: string }>().token);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: t })).statusCode).toBe(200);
    await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: t });
    expect((await app.inject({ url: '/api/v1/auth/me', headers: t })).statusCode).toBe(401);
    await app.inject({ method: 'POST', url: '/api/v1/users/tech/reset-password', headers: tokens.admin });
    expect((await app.inject({ url: '/api/v1/catalog', headers: tokens.technician })).statusCode).toBe(401);
  });

  it('X03 sign-in throttling: after 3 failures the 4th attempt, even with the right password, is refused (429 TOO_MANY_ATTEMPTS)', async () => {
    const attempt = (password: string) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password }, remoteAddress: '10.9.9.9' });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong')).statusCode).toBe(401);
    const r = await attempt('admin-password-long-1');
    expect(r.statusCode).toBe(429);
    expect(r.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: expect.any(Number) } });
    // Unknown users are throttled the same way (no username probing).
    for (let i = 0; i < 4; i++) await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nobody', password: 'x' }, remoteAddress: '10.9.9.8' });
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nobody', password: 'x' }, remoteAddress: '10.9.9.8' })).statusCode).toBe(429);
  });

  it('X04 the admin page is not usable without an admin session: its data routes answer 401/403', async () => {
    expect((await app.inject({ url: '/' })).statusCode).toBe(200); // the page itself is public
    for (const url of ['/api/v1/status', '/api/v1/users', '/api/v1/audit']) {
      expect((await app.inject({ url })).statusCode).toBe(401);
      expect((await app.inject({ url, headers: tokens.technician })).statusCode).toBeGreaterThanOrEqual(401);
      expect((await app.inject({ url, headers: tokens.expired })).statusCode).toBe(401);
    }
    expect((await app.inject({ method: 'POST', url: '/api/v1/sync', headers: tokens.revoked })).statusCode).toBe(401);
  });

  const codes = new Set<string>(ErrorCode.options);
  const stableError = (status: number, body: string): boolean => {
    if (status >= 500) return false;
    if (status < 400) return true;
    try {
      return codes.has((JSON.parse(body) as { code: string }).code);
    } catch {
      return false;
    }
  };

  it('B01 property-based fuzzing of every route (paths, params, queries, JSON bodies, headers): no 5xx, always a stable error code', async () => {
    const admin = tokens.admin;
    const routes = Object.entries(apiRoutes).filter(([n]) => n !== 'logout' && n !== 'resetPassword' && n !== 'syncNow');
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('..', '%2e%2e', 'VF1RFB00X68234567', 'a'.repeat(300), '', '%00', '\u0000'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), text, fc.jsonValue(), fc.dictionary(fc.string(), text), fc.boolean(), async ([, route], param, body, query, auth) => {
        const params = { vin: param, hash: param, file: param, username: param };
        let url: string;
        try {
          url = routePath(route.path, params);
        } catch {
          return;
        }
        const qs = new URLSearchParams(query).toString();
        const res = await app.inject({
          method: route.method,
          url: qs ? `${url}?${qs}` : url,
          headers: { ...(auth ? admin : {}), 'content-type': 'application/json' },
          ...(route.method === 'GET' ? {} : { payload: JSON.stringify(body) }),
        });
        if (!stableError(res.statusCode, res.body)) throw new Error(`${route.method} ${url} → ${res.statusCode} ${res.body.slice(0, 200)}`);
      }),
      { numRuns: SCALE.fuzzRuns * 4 },
    );
  });

  it('B02 property-based fuzzing of confirmations and accounts bodies built from the schemas, mutated: no 5xx, stable codes, no duplicate rows', async () => {
    const confirmation = fc.record({
      id: fc.oneof(fc.uuid(), fc.string()),
      vin: fc.oneof(fc.constant('VF1RFB00X68234567'), fc.string({ maxLength: 20 })),
      packageIds: fc.array(fc.oneof(fc.constant('EASYLINK-SOFT-5.4.0'), fc.string()), { maxLength: 20 }),
      outcome: fc.constantFrom('SUCCESS', 'FAILURE', 'MAYBE'),
      failureReason: fc.option(fc.constantFrom('INSTALL_ERROR', 'OTHER', 'bogus'), { nil: undefined }),
      note: fc.option(fc.string({ maxLength: 3000 }), { nil: undefined }),
      installedAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
    });
    await fc.assert(
      fc.asyncProperty(confirmation, async (c) => {
        const a = await app.inject({ method: 'POST', url: '/api/v1/installations', headers: tokens.admin, payload: c });
        const b = await app.inject({ method: 'POST', url: '/api/v1/installations', headers: tokens.admin, payload: c });
        if (!stableError(a.statusCode, a.body) || !stableError(b.statusCode, b.body)) throw new Error(`${a.statusCode} ${a.body}`);
        if (a.statusCode === 201) expect(b.json()).toMatchObject({ duplicate: true });
      }),
      { numRuns: SCALE.fuzzRuns },
    );
    const dup = box.db.prepare('SELECT id, count(*) AS n FROM installations GROUP BY id HAVING n > 1').all();
    expect(dup).toEqual([]);
  });

  it('B03 VIN, package and registry parsers under fuzzing: only PncErrors with stable codes, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[A-Z0-9 -]{10,20}$/)), (s) => {
        try {
          const v = parseVin(s);
          expect(v).toMatch(/^[A-HJ-NPR-Z0-9]{17}$/);
        } catch (e) {
          if (!isPncError(e) || !e.code.startsWith('VIN_')) throw e;
        }
      }),
      { numRuns: SCALE.fuzzRuns * 20 },
    );
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.record({ path: fc.string(), size: fc.oneof(fc.integer(), fc.double()), sha256: fc.string() })), (junk, files) => {
        // safeParse never throws, whatever the input.
        UpdatePackage.safeParse(junk);
        UpdatePackage.safeParse({ id: 'X', kind: 'SOFT', family: 'RLINK2', version: '1', title: { en: 'x' }, region: '*', releasedAt: new Date().toISOString(), files });
        Catalog.safeParse({ schema: 1, generatedAt: new Date().toISOString(), packages: [junk] });
      }),
      { numRuns: SCALE.fuzzRuns * 10 },
    );
    const w = join(tmp.path, 'publisher');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constant('VF1AAAAAAAAAAAAAA,RENAULT,CLIO5,2020,RLINK2,,,,')), { maxLength: 6 }), fc.boolean(), (lines, csv) => {
        const file = join(tmp.path, csv ? 'fuzz.csv' : 'fuzz.ndjson');
        writeFileSync(file, (csv ? ['vin,brand,model,modelYear,headUnit,softVersion,mapVersion,mapRegion,openCampaigns', ...lines] : lines).join('\n'));
        try {
          importVehicleRegistry(w, file);
        } catch (e) {
          if (!isPncError(e)) throw e;
        }
      }),
      { numRuns: SCALE.fuzzRuns },
    );
  });

  it('B04 oversize and malformed bodies: 413 BODY_TOO_LARGE, 400 VALIDATION_FAILED, 415 for other content types — never 5xx', async () => {
    const big = await app.inject({ method: 'POST', url: '/api/v1/installations', headers: { ...tokens.admin, 'content-type': 'application/json' }, payload: `{"note":"${'x'.repeat(1024 * 1024)}"}` });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
    for (const payload of ['{', '{"a":', 'null', '[]', '"x"', '{"id":1e999}', '\u0000']) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload });
      expect(r.statusCode, payload).toBe(400);
      expect(r.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    }
    const xml = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(415);
    expect(stableError(xml.statusCode, xml.body)).toBe(true);
    const deep = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '['.repeat(50_000) + ']'.repeat(50_000) });
    expect(stableError(deep.statusCode, deep.body)).toBe(true);
  });

  it('B05 slow-loris: 300 connections trickling headers do not exhaust the server; normal requests still answer quickly', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const sockets: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.write('GET /api/v1/info HTTP/1.1\r\nHost: x\r\n');
        timers.push(setInterval(() => s.write(`X-Slow-${i}: a\r\n`), 1000));
        sockets.push(s);
      }
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
        expect(res.status).toBe(200);
        expect(performance.now() - t).toBeLessThan(1000);
      }
      // A slow body upload is not an open door either: the body limit holds without waiting for it.
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/info`);
      expect(r.status).toBe(200);
      // The server bounds how long headers may take (Node's headersTimeout).
      expect(app.server.headersTimeout).toBeGreaterThan(0);
      expect(app.server.headersTimeout).toBeLessThanOrEqual(120_000);
    } finally {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
    }
  });
});
