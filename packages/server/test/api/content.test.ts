import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, routePath, type AuthLevel, type EligibilityResult } from '@pnc/shared';
import { join } from 'node:path';
import { loadCurrentCatalog } from '../../src/mirror/catalog-cache.js';
import { removePackage } from '../../src/publisher/content-ops.js';
import { publish } from '../../src/publisher/repository.js';
import { apiFixture, type ApiFixture } from '../helpers/api-fixture.js';

const NEEDS_SOFT = 'VF1RFB00X68234567';
const OPEN_CAMPAIGN = 'UU1DJF00869456789';

describe('LAN API over the mirrored demo content', () => {
  let f: ApiFixture;
  let tech: { authorization: string };
  let admin: { authorization: string };
  beforeAll(async () => {
    f = await apiFixture();
    const a = await f.signIn('admin', f.adminPassword);
    await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: a,
      payload: { currentPassword: f.adminPassword, newPassword: 'admin long password' },
    });
    admin = a;
    const t = (
      await f.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin,
        payload: { username: 'tech', role: 'technician' },
      })
    ).json<{ temporaryPassword: string }>();
    tech = await f.signIn('tech', t.temporaryPassword);
    await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: tech,
      payload: { currentPassword: t.temporaryPassword, newPassword: 'tech long password' },
    });
  }, 60_000);
  afterAll(() => f.close());

  const someBlob = () => loadCurrentCatalog(f.box.dataDir, f.box.db)!.catalog.packages[0]!.files[0]!;

  it('answers every route per the auth matrix', async () => {
    const sample: Record<string, string> = {
      vin: NEEDS_SOFT,
      hash: someBlob().sha256,
      file: 'timestamp.json',
      username: 'nobody-here',
    };
    const rank: Record<AuthLevel, number> = { none: 0, technician: 1, admin: 2 };
    for (const [name, route] of Object.entries(apiRoutes)) {
      if (name === 'logout' || name === 'tufTarget') continue; // logout revokes; targets need a hashed name
      for (const [who, headers, level] of [
        ['anonymous', {}, 0],
        ['technician', tech, 1],
        ['admin', admin, 2],
      ] as const) {
        const res = await f.app.inject({
          method: route.method,
          url: routePath(route.path, sample),
          headers,
          payload: route.method === 'GET' ? undefined : {},
        });
        const allowed = level >= rank[route.auth];
        if (allowed) expect([401, 403], `${name} as ${who}: ${res.body}`).not.toContain(res.statusCode);
        else expect(res.statusCode, `${name} as ${who}`).toBe(level === 0 ? 401 : 403);
        expect(res.statusCode, `${name} as ${who}`).toBeLessThan(500);
      }
    }
  });

  it('gives eligibility campaigns first, and a model-level answer for an unknown VIN', async () => {
    const r = (
      await f.app.inject({ url: `/api/v1/vehicles/${OPEN_CAMPAIGN}/eligibility`, headers: tech })
    ).json<EligibilityResult>();
    expect(r.vehicle.source).toBe('registry');
    expect(r.eligible[0]).toMatchObject({
      reason: 'CAMPAIGN_OPEN',
      campaign: { code: 'OTS-23-EL54', mandatory: true },
    });
    const unknown = (
      await f.app.inject({ url: '/api/v1/vehicles/VF1ZZZ00012345678/eligibility', headers: tech })
    ).json<EligibilityResult>();
    expect(unknown.vehicle).toMatchObject({ source: 'decoded', brand: 'RENAULT' });
    expect(unknown.eligible.every((u) => u.certainty === 'model')).toBe(true);
  });

  it.each([
    ['VF1RJA0O567890123', 'VIN_FORBIDDEN_LETTER'],
    ['VF1', 'VIN_TOO_SHORT'],
    ['VF1RJA00567890123XYZ', 'VIN_TOO_LONG'],
    ['VF1RJA00%23567890123', 'VIN_INVALID_CHARACTER'],
  ])('refuses the VIN %s with %s', async (vin, code) => {
    const res = await f.app.inject({ url: `/api/v1/vehicles/${vin}/eligibility`, headers: tech });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code });
  });

  it('serves blobs with ETag, Range, If-Range, HEAD and 416', async () => {
    const file = someBlob();
    const url = `/api/v1/blobs/sha256/${file.sha256}`;
    const full = await f.app.inject({ url, headers: tech });
    expect(full.statusCode).toBe(200);
    expect(full.headers.etag).toBe(`"${file.sha256}"`);
    expect(full.headers['cache-control']).toContain('immutable');
    expect(createHash('sha256').update(full.rawPayload).digest('hex')).toBe(file.sha256);

    const part = await f.app.inject({ url, headers: { ...tech, range: 'bytes=10-99' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-99/${file.size}`);
    expect(part.rawPayload.equals(full.rawPayload.subarray(10, 100))).toBe(true);

    const suffix = await f.app.inject({ url, headers: { ...tech, range: 'bytes=-5' } });
    expect(suffix.rawPayload.equals(full.rawPayload.subarray(file.size - 5))).toBe(true);

    const stale = await f.app.inject({
      url,
      headers: { ...tech, range: 'bytes=10-99', 'if-range': '"other"' },
    });
    expect(stale.statusCode).toBe(200);

    const head = await f.app.inject({ method: 'HEAD', url, headers: tech });
    expect(head.headers['content-length']).toBe(String(file.size));
    expect(head.rawPayload.length).toBe(0);

    const beyond = await f.app.inject({ url, headers: { ...tech, range: `bytes=${file.size}-` } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.json().code).toBe('RANGE_NOT_SATISFIABLE');

    const missing = await f.app.inject({ url: `/api/v1/blobs/sha256/${'0'.repeat(64)}`, headers: tech });
    expect(missing.statusCode).toBe(404);
    const bad = await f.app.inject({ url: '/api/v1/blobs/sha256/..%2F..%2Fpnc.sqlite', headers: tech });
    expect(bad.statusCode).toBe(400);
  });

  it('records a confirmation once, answers retries the same, refuses a changed outcome, updates the vehicle', async () => {
    const eligible = (
      await f.app.inject({ url: `/api/v1/vehicles/${NEEDS_SOFT}/eligibility`, headers: tech })
    ).json<EligibilityResult>();
    const soft = eligible.eligible.find((u) => u.kind === 'SOFT')!;
    const c = {
      id: randomUUID(),
      vin: NEEDS_SOFT,
      packageIds: [soft.packageId],
      outcome: 'SUCCESS',
      installedAt: new Date().toISOString(),
    };
    const first = await f.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: tech,
      payload: c,
    });
    expect(first.statusCode).toBe(201);
    const again = await f.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: tech,
      payload: c,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ...first.json(), duplicate: true });
    const changed = await f.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: tech,
      payload: { ...c, outcome: 'FAILURE', failureReason: 'INSTALL_ERROR' },
    });
    expect(changed.statusCode).toBe(409);

    const listed = await f.app.inject({ url: `/api/v1/installations?vin=${NEEDS_SOFT}`, headers: tech });
    expect(listed.json()).toHaveLength(1);
    expect(listed.json()[0]).toMatchObject({ id: c.id, technician: 'tech', uploaded: false });

    const after = (
      await f.app.inject({ url: `/api/v1/vehicles/${NEEDS_SOFT}/eligibility`, headers: tech })
    ).json<EligibilityResult>();
    expect(after.vehicle.softVersion).toBe(soft.version);
    expect(after.eligible.find((u) => u.kind === 'SOFT')).toBeUndefined();
  });

  it('answers malformed bodies with 4xx and a code, never 5xx', async () => {
    const cases = [
      { payload: 'not json', headers: { 'content-type': 'application/json' } },
      { payload: { id: 'x' } },
      {
        payload: {
          id: randomUUID(),
          vin: NEEDS_SOFT,
          packageIds: ['A'],
          outcome: 'FAILURE',
          installedAt: new Date().toISOString(),
        },
      },
      { payload: 'x'.repeat(300 * 1024), headers: { 'content-type': 'application/json' } },
    ];
    for (const c of cases) {
      const res = await f.app.inject({
        method: 'POST',
        url: '/api/v1/installations',
        headers: { ...tech, ...c.headers },
        payload: c.payload,
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().code).toMatch(/^[A-Z_]+$/);
    }
  });
});

describe('content channels and the desktop update feed', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture();
  }, 60_000);
  afterAll(() => f.close());

  it('lists channel items and serves an electron-updater feed whose sha512 matches the installer', async () => {
    const list = await f.app.inject({ url: '/api/v1/channels/desktop-installer' });
    expect(list.statusCode).toBe(200);
    const items = list.json<Array<{ platform?: string; file: { path: string; size: number } }>>();
    const win = items.find((i) => (i.platform ?? '').startsWith('win'));
    expect(win).toBeDefined();
    const feed = await f.app.inject({ url: '/api/v1/channels/desktop-installer/latest.yml' });
    expect(feed.statusCode).toBe(200);
    const name = win!.file.path.split('/').pop()!;
    expect(feed.body).toContain(`url: "${name}"`);
    const installer = await f.app.inject({
      url: `/api/v1/channels/desktop-installer/${encodeURIComponent(name)}`,
    });
    expect(installer.rawPayload.length).toBe(win!.file.size);
    const sha512 = createHash('sha512').update(installer.rawPayload).digest('base64');
    expect(feed.body).toContain(`sha512: ${sha512}`);
    expect((await f.app.inject({ url: '/api/v1/channels/nope' })).statusCode).toBe(400);
    expect((await f.app.inject({ url: '/api/v1/channels/diagnostic-iso/missing.iso' })).statusCode).toBe(404);
  });

  it('judges eligibility against a newly published catalog from the next request on', async () => {
    const admin = await f.signIn('admin', f.adminPassword);
    await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: admin,
      payload: { currentPassword: f.adminPassword, newPassword: 'admin long password' },
    });
    const url = `/api/v1/vehicles/${OPEN_CAMPAIGN}/eligibility`;
    const packageIds = (r: EligibilityResult) => [...r.eligible, ...r.notEligible].map((u) => u.packageId);
    const before = (await f.app.inject({ url, headers: admin })).json<EligibilityResult>();
    const gone = before.eligible[0]!.packageId;
    const workdir = join(f.dir, 'publisher');
    removePackage(workdir, gone);
    publish(workdir);
    expect((await f.box.sync(f.origin.url)).status).toBe('ok');
    const after = (await f.app.inject({ url, headers: admin })).json<EligibilityResult>();
    expect(packageIds(before)).toContain(gone);
    expect(packageIds(after)).not.toContain(gone);
  });
});
