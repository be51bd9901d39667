import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAccounts, type Accounts } from '../../src/accounts/accounts.js';
import { LoginThrottle } from '../../src/accounts/throttle.js';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { demoRepo, makeBox, quietLog, tempDir, type Box } from './mirror-fixtures.js';
import { startOrigin, type Origin } from './origin-server.js';

export interface ApiFixture {
  app: FastifyInstance;
  box: Box;
  accounts: Accounts;
  adminPassword: string;
  dir: string;
  origin: Origin;
  /** Signs in (changing the one-time password when asked) and returns a bearer header. */
  signIn(username: string, password: string): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

/** A dealer box with the demo content mirrored from a real HTTP origin, and the API built over it. */
export async function apiFixture(): Promise<ApiFixture> {
  const tmp = tempDir('api');
  const workdir = join(tmp.path, 'publisher');
  await demoRepo(workdir);
  const origin = await startOrigin({ root: () => join(workdir, 'repo') });
  const box = makeBox(join(tmp.path, 'box'), workdir);
  await box.sync(origin.url);
  const accounts = createAccounts(box.db, { throttle: new LoginThrottle(3, 60_000, 60_000) });
  const adminPassword = (await accounts.ensureFirstAccess(join(tmp.path, 'box', 'first-access-password.txt')))!;
  const config = loadConfig({ flags: { dataDir: box.dataDir, name: 'Test box', dealerCode: 'T-001' } });
  const app = await buildApp({ config, db: box.db, log: quietLog, version: '0.0.0-test', accounts });
  return {
    app,
    box,
    accounts,
    adminPassword,
    dir: tmp.path,
    origin,
    async signIn(username, password) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
      if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.body}`);
      const body = res.json<{ token: string; user: { mustChangePassword: boolean } }>();
      return { authorization: `Bearer ${body.token}` };
    },
    async close() {
      await app.close();
      await box.close();
      await origin.close();
      tmp.cleanup();
    },
  };
}
