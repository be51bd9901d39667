import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

describe('accounts and the first access', () => {
  let f: ApiFixture;
  let admin: { authorization: string };
  beforeAll(async () => {
    f = await apiFixture();
  }, 60_000);
  afterAll(() => f.close());

  it('writes the one-time admin password to a 0600 file', () => {
    const file = join(f.box.dataDir, 'first-access-password.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('lets the first-access admin do nothing but change the password', async () => {
    const h = await f.signIn('admin', f.adminPassword);
    const me = await f.app.inject({ url: '/api/v1/auth/me', headers: h });
    expect(me.json()).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: true });
    const users = await f.app.inject({ url: '/api/v1/users', headers: h });
    expect(users.statusCode).toBe(403);
    expect(users.json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    const weak = await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: h,
      payload: { currentPassword: f.adminPassword, newPassword: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    const ok = await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: h,
      payload: { currentPassword: f.adminPassword, newPassword: 'a good long passphrase' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(existsSync(join(f.box.dataDir, 'first-access-password.txt'))).toBe(false);
    admin = h;
    expect((await f.app.inject({ url: '/api/v1/users', headers: admin })).statusCode).toBe(200);
  });

  it('creates technicians with a one-time password; disabling signs them out', async () => {
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { username: 'marco', role: 'technician' },
    });
    expect(created.statusCode).toBe(201);
    const { temporaryPassword } = created.json<{ temporaryPassword: string }>();
    const dup = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { username: 'MARCO', role: 'technician' },
    });
    expect(dup.statusCode).toBe(409);

    const tech = await f.signIn('marco', temporaryPassword);
    await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: tech,
      payload: { currentPassword: temporaryPassword, newPassword: 'marco works on cars' },
    });
    expect((await f.app.inject({ url: '/api/v1/catalog', headers: tech })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/api/v1/users', headers: tech })).json().code).toBe('FORBIDDEN');

    await f.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/marco',
      headers: admin,
      payload: { disabled: true },
    });
    const after = await f.app.inject({ url: '/api/v1/catalog', headers: tech });
    expect(after.statusCode).toBe(401);
    const again = await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'marco', password: 'marco works on cars' },
    });
    expect(again.json().code).toBe('ACCOUNT_DISABLED');
  });

  it('refuses to disable the last administrator', async () => {
    const res = await f.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/admin',
      headers: admin,
      payload: { disabled: true },
    });
    expect(res.statusCode).toBe(409);
  });

  it('throttles repeated failed sign-ins per account', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await f.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: 'wrong' },
      });
      codes.push(r.json().code);
    }
    expect(codes.slice(0, 3)).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
    expect(codes[4]).toBe('TOO_MANY_ATTEMPTS');
  });

  it('revokes a token at logout', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: admin });
    expect(res.statusCode).toBe(204);
    expect((await f.app.inject({ url: '/api/v1/auth/me', headers: admin })).statusCode).toBe(401);
  });
});
