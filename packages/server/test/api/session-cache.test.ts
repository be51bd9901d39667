import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts, tokenHash, type Accounts } from '../../src/accounts/accounts.js';
import { SESSION_CACHE_MS } from '../../src/accounts/session-cache.js';
import { revokeSession } from '../../src/db/accounts.js';
import { openDatabase, type Db } from '../../src/db/database.js';

// Bearer checks keep live sessions in memory for a moment: revocations through Accounts must
// still apply to the very next request, and anything else within SESSION_CACHE_MS.
describe('session cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pnc-sessions-'));
  let db: Db;
  let accounts: Accounts;
  let clock = Date.parse('2026-03-01T08:00:00Z');
  let adminToken: string;
  let admin: NonNullable<ReturnType<Accounts['authenticate']>>;
  const signIn = async (username: string, password: string) =>
    (await accounts.login({ username, password, address: '10.0.0.2' })).token;

  beforeAll(async () => {
    db = openDatabase(':memory:');
    accounts = createAccounts(db, { now: () => new Date(clock) });
    const first = (await accounts.ensureFirstAccess(join(dir, 'first.txt')))!;
    const pending = accounts.authenticate(await signIn('admin', first), null)!;
    await accounts.changePassword(pending, first, 'admin-password-long-1', '10.0.0.2');
    adminToken = await signIn('admin', 'admin-password-long-1');
    admin = accounts.authenticate(adminToken, null)!;
  }, 30_000);
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a password change pending, a role change and disabling to the next request', async () => {
    const { temporaryPassword } = await accounts.create(admin, 'tech', 'admin');
    const token = await signIn('tech', temporaryPassword);
    expect(accounts.authenticate(token, null)?.mustChangePassword).toBe(true);
    const p = accounts.authenticate(token, null)!;
    await accounts.changePassword(p, temporaryPassword, 'tech-password-long-1', '10.0.0.2');
    expect(accounts.authenticate(token, null)?.mustChangePassword).toBe(false);
    accounts.update(admin, 'tech', { role: 'technician' });
    expect(accounts.authenticate(token, null)?.role).toBe('technician');
    accounts.update(admin, 'tech', { disabled: true });
    expect(accounts.authenticate(token, null)).toBeNull();
  });

  it('refuses a signed-out token at once', async () => {
    const token = await signIn('admin', 'admin-password-long-1');
    const p = accounts.authenticate(token, null)!;
    accounts.logout(p);
    expect(accounts.authenticate(token, null)).toBeNull();
    expect(accounts.authenticate(adminToken, null)).not.toBeNull();
  });

  it('sees a revocation written behind its back within SESSION_CACHE_MS', async () => {
    const token = await signIn('admin', 'admin-password-long-1');
    expect(accounts.authenticate(token, null)).not.toBeNull();
    revokeSession(db, tokenHash(token), new Date(clock).toISOString());
    clock += SESSION_CACHE_MS;
    expect(accounts.authenticate(token, null)).toBeNull();
  });

  it('refuses a cached session once it expires', async () => {
    const token = await signIn('admin', 'admin-password-long-1');
    clock += 30 * 86_400_000 - 500; // sessions last 30 days
    expect(accounts.authenticate(token, null)).not.toBeNull();
    clock += 1_000;
    expect(accounts.authenticate(token, null)).toBeNull();
  });
});
