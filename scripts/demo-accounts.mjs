// Sets up the demo's accounts through the server's real API, the way a dealer's IT person would:
// sign in with the first-access password, choose an admin password, create a technician.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

async function call(serverUrl, method, path, body, token) {
  const res = await fetch(`${serverUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.code ?? ''} ${json.message ?? ''}`);
  return json;
}

/** Returns `{ admin: {username,password}, technician: {username,password} }`, creating them once. */
export async function ensureDemoAccounts(serverUrl, dataDir, credentialsFile) {
  if (existsSync(credentialsFile)) return JSON.parse(readFileSync(credentialsFile, 'utf8'));
  const firstAccess = readFileSync(join(dataDir, 'first-access-password.txt'), 'utf8');
  const oneTime = /password: (\S+)/.exec(firstAccess)[1];
  const creds = {
    admin: { username: 'admin', password: 'demo-admin-password' },
    technician: { username: 'technician', password: 'demo-technician-password' },
  };
  const admin = await call(serverUrl, 'POST', '/api/v1/auth/login', { username: 'admin', password: oneTime });
  await call(serverUrl, 'POST', '/api/v1/auth/password', { currentPassword: oneTime, newPassword: creds.admin.password }, admin.token);
  const created = await call(serverUrl, 'POST', '/api/v1/users', { username: creds.technician.username, role: 'technician' }, admin.token);
  const tech = await call(serverUrl, 'POST', '/api/v1/auth/login', { username: creds.technician.username, password: created.temporaryPassword });
  await call(serverUrl, 'POST', '/api/v1/auth/password', { currentPassword: created.temporaryPassword, newPassword: creds.technician.password }, tech.token);
  writeFileSync(credentialsFile, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}
