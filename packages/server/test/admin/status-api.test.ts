import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { AuditEntry, StatusResponse, SyncStatus } from '@pnc/shared';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createSyncManager, type SyncManager } from '../../src/mirror/sync-manager.js';
import { apiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { quietLog } from '../helpers/mirror-fixtures.js';

type Headers = { authorization: string };

/** Signs in and replaces the one-time password, as the first sign-in requires. */
async function signInChanged(
  app: FastifyInstance,
  username: string,
  oneTime: string,
  workstation?: string,
): Promise<Headers> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password: oneTime, ...(workstation ? { workstation } : {}) },
  });
  const h = { authorization: `Bearer ${res.json<{ token: string }>().token}` };
  const changed = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password',
    headers: h,
    payload: { currentPassword: oneTime, newPassword: `${username} chose this one` },
  });
  expect(changed.statusCode, changed.body).toBe(200);
  return h;
}

describe('admin status API', () => {
  let f: ApiFixture;
  let admin: Headers;
  let tech: Headers;
  beforeAll(async () => {
    f = await apiFixture();
    admin = await signInChanged(f.app, 'admin', f.adminPassword);
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { username: 'lucia', role: 'technician' },
    });
    tech = await signInChanged(
      f.app,
      'lucia',
      created.json<{ temporaryPassword: string }>().temporaryPassword,
      'ATELIER-PC-2',
    );
  }, 60_000);
  afterAll(() => f.close());

  it('shows the administrator everything the status page needs', async () => {
    const res = await f.app.inject({ url: '/api/v1/status', headers: admin });
    expect(res.statusCode, res.body).toBe(200);
    const s = StatusResponse.parse(res.json());
    expect(s.info).toMatchObject({ product: 'plugnconnect-server', name: 'Test box', dealerCode: 'T-001' });
    expect(s.info.content?.packages).toBeGreaterThan(0);
    expect(s.sync).toBeNull(); // this box has no origin configured
    expect(s.syncHistory[0]).toMatchObject({ status: 'ok', trigger: 'test' });
    expect(s.disk.path).toBe(f.box.dataDir);
    expect(s.disk.totalBytes).toBeGreaterThan(s.disk.freeBytes);
    expect(s.disk.storeBytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(s.outbox).toEqual({ pending: 0, oldest: null, lastError: null, sent: 0 });
    expect(s.workstations.map((w) => w.workstation)).toContain('ATELIER-PC-2');
  });

  it('states waiting confirmations in plain words', async () => {
    const vin = 'VF1RFB00067123456';
    const { catalog } = (await f.app.inject({ url: '/api/v1/catalog', headers: tech })).json<{
      catalog: { packages: Array<{ id: string }> };
    }>();
    const posted = await f.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: tech,
      payload: {
        id: crypto.randomUUID(),
        vin,
        packageIds: [catalog.packages[0]!.id],
        outcome: 'SUCCESS',
        installedAt: new Date().toISOString(),
      },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    const s = StatusResponse.parse((await f.app.inject({ url: '/api/v1/status', headers: admin })).json());
    expect(s.outbox.pending).toBe(1);
    const problem = s.errors.find((e) => e.kind === 'outbox');
    expect(problem?.message).toMatch(
      /^1 installation confirmation not yet delivered to the carmaker: no carmaker endpoint is configured/,
    );
  });

  it('keeps the status and the audit log from technicians and strangers', async () => {
    for (const url of ['/api/v1/status', '/api/v1/audit']) {
      expect((await f.app.inject({ url, headers: tech })).json().code).toBe('FORBIDDEN');
      expect((await f.app.inject({ url })).statusCode).toBe(401);
    }
    const sync = await f.app.inject({ method: 'POST', url: '/api/v1/sync', headers: tech });
    expect(sync.statusCode).toBe(403);
  });

  it('lets a technician read the sync state (null without an origin)', async () => {
    const res = await f.app.inject({ url: '/api/v1/sync', headers: tech });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toBeNull();
  });

  it('refuses "sync now" when no origin is configured', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/api/v1/sync', headers: admin });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/No origin is configured/),
    });
  });

  it('lists the audit log newest first, within the limit', async () => {
    const res = await f.app.inject({ url: '/api/v1/audit?limit=3', headers: admin });
    const entries = AuditEntry.array().parse(res.json());
    expect(entries).toHaveLength(3);
    expect(entries[0]!.at >= entries[2]!.at).toBe(true);
    const all = AuditEntry.array().parse(
      (await f.app.inject({ url: '/api/v1/audit', headers: admin })).json(),
    );
    expect(all.map((e) => e.event)).toEqual(
      expect.arrayContaining(['first_access_created', 'user_created', 'password_changed']),
    );
    expect((await f.app.inject({ url: '/api/v1/audit?limit=0', headers: admin })).json().code).toBe(
      'VALIDATION_FAILED',
    );
  });

  describe('with an origin configured', () => {
    let app: FastifyInstance;
    let sync: SyncManager;
    beforeAll(async () => {
      sync = createSyncManager({
        dataDir: f.box.dataDir,
        db: f.box.db,
        origin: f.origin.url,
        log: quietLog,
        diskMarginBytes: 0,
      });
      const config = loadConfig({
        flags: { dataDir: f.box.dataDir, name: 'Test box', dealerCode: 'T-001', origin: f.origin.url },
      });
      app = await buildApp({
        config,
        db: f.box.db,
        log: quietLog,
        version: '0.0.0-test',
        accounts: f.accounts,
        sync,
      });
    });
    afterAll(async () => {
      await app.close();
      await sync.stop();
    });

    it('starts a sync without waiting (202), shows its progress, and records it', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/sync', headers: admin });
      expect(res.statusCode, res.body).toBe(202);
      expect(SyncStatus.parse(res.json())).toMatchObject({ running: true, trigger: 'manual' });
      let state = SyncStatus.parse((await app.inject({ url: '/api/v1/sync', headers: tech })).json());
      for (let i = 0; state.running && i < 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = SyncStatus.parse((await app.inject({ url: '/api/v1/sync', headers: tech })).json());
      }
      expect(state).toMatchObject({ running: false, lastRun: { trigger: 'manual', status: 'unchanged' } });
      const s = StatusResponse.parse((await app.inject({ url: '/api/v1/status', headers: admin })).json());
      expect(s.sync?.content?.expired).toBe(false);
      expect(s.syncHistory.map((r) => r.trigger).slice(0, 2)).toEqual(['manual', 'test']);
      const audit = AuditEntry.array().parse(
        (await app.inject({ url: '/api/v1/audit?limit=1', headers: admin })).json(),
      );
      expect(audit[0]).toMatchObject({ event: 'sync_requested', actor: 'admin' });
    });
  });
});
