import type { Db } from './database.js';
import { prepared } from './statements.js';

export type Role = 'admin' | 'technician';

export interface UserRow {
  id: number;
  username: string;
  role: Role;
  passwordHash: string;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

interface RawUser {
  id: number;
  username: string;
  role: Role;
  password_hash: string;
  must_change_password: number;
  disabled: number;
  created_at: string;
  updated_at: string;
}

const toUser = (r: RawUser): UserRow => ({
  id: r.id,
  username: r.username,
  role: r.role,
  passwordHash: r.password_hash,
  mustChangePassword: r.must_change_password === 1,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function countUsers(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

export function findUser(db: Db, username: string): UserRow | null {
  const r = db.prepare('SELECT * FROM users WHERE username = ?').get(username) as RawUser | undefined;
  return r ? toUser(r) : null;
}

export function listUsers(db: Db): UserRow[] {
  return (db.prepare('SELECT * FROM users ORDER BY username').all() as RawUser[]).map(toUser);
}

export function insertUser(
  db: Db,
  u: { username: string; role: Role; passwordHash: string; mustChangePassword: boolean },
  now: string,
): UserRow {
  db.prepare(
    'INSERT INTO users (username, role, password_hash, must_change_password, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
  ).run(u.username, u.role, u.passwordHash, u.mustChangePassword ? 1 : 0, now, now);
  return findUser(db, u.username)!;
}

export function updateUser(
  db: Db,
  id: number,
  patch: Partial<{ role: Role; passwordHash: string; mustChangePassword: boolean; disabled: boolean }>,
  now: string,
): void {
  const columns: Record<string, unknown> = {
    role: patch.role,
    password_hash: patch.passwordHash,
    must_change_password:
      patch.mustChangePassword === undefined ? undefined : Number(patch.mustChangePassword),
    disabled: patch.disabled === undefined ? undefined : Number(patch.disabled),
    updated_at: now,
  };
  const set = Object.entries(columns).filter(([, v]) => v !== undefined);
  db.prepare(`UPDATE users SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`).run(
    ...set.map(([, v]) => v),
    id,
  );
}

export interface SessionRow {
  userId: number;
  username: string;
  role: Role;
  mustChangePassword: boolean;
  expiresAt: string;
}

export function insertSession(
  db: Db,
  s: {
    tokenHash: string;
    userId: number;
    expiresAt: string;
    workstation: string | null;
    address: string | null;
  },
  now: string,
): void {
  db.prepare(
    'INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, workstation, address) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(s.tokenHash, s.userId, now, s.expiresAt, now, s.workstation, s.address);
}

/** A live session: not expired, not revoked, its user not disabled. */
export function findLiveSession(db: Db, tokenHash: string, now: string): SessionRow | null {
  const r = prepared(
    db,
    `SELECT u.id AS userId, u.username, u.role, u.must_change_password AS mcp, s.expires_at AS expiresAt
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0`,
  ).get(tokenHash, now) as (Omit<SessionRow, 'mustChangePassword'> & { mcp: number }) | undefined;
  if (!r) return null;
  return {
    userId: r.userId,
    username: r.username,
    role: r.role,
    expiresAt: r.expiresAt,
    mustChangePassword: r.mcp === 1,
  };
}

export function touchSession(db: Db, tokenHash: string, now: string, address: string | null): void {
  prepared(
    db,
    'UPDATE sessions SET last_seen_at = ?, address = coalesce(?, address) WHERE token_hash = ?',
  ).run(now, address, tokenHash);
}

export function revokeSession(db: Db, tokenHash: string, now: string): void {
  db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL').run(
    now,
    tokenHash,
  );
}

export function revokeUserSessions(db: Db, userId: number, now: string, exceptTokenHash?: string): void {
  db.prepare(
    'UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_hash != ?',
  ).run(now, userId, exceptTokenHash ?? '');
}

/** Workstations seen recently (for the status page). */
export function recentWorkstations(
  db: Db,
  since: string,
): Array<{ workstation: string | null; address: string | null; username: string; lastSeenAt: string }> {
  return db
    .prepare(
      `SELECT s.workstation, s.address, u.username, max(s.last_seen_at) AS lastSeenAt
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.last_seen_at >= ? GROUP BY s.workstation, s.address, u.username ORDER BY lastSeenAt DESC LIMIT 100`,
    )
    .all(since) as Array<{
    workstation: string | null;
    address: string | null;
    username: string;
    lastSeenAt: string;
  }>;
}

export function audit(
  db: Db,
  e: { event: string; actor?: string | null; address?: string | null; details?: unknown },
  now: string,
): void {
  db.prepare('INSERT INTO audit_log (at, event, actor, address, details) VALUES (?, ?, ?, ?, ?)').run(
    now,
    e.event,
    e.actor ?? null,
    e.address ?? null,
    e.details === undefined ? null : JSON.stringify(e.details),
  );
}

export function listAudit(
  db: Db,
  limit: number,
): Array<{ at: string; event: string; actor: string | null; address: string | null; details: unknown }> {
  return (
    db
      .prepare('SELECT at, event, actor, address, details FROM audit_log ORDER BY id DESC LIMIT ?')
      .all(limit) as Array<{
      at: string;
      event: string;
      actor: string | null;
      address: string | null;
      details: string | null;
    }>
  ).map((r) => ({ ...r, details: r.details ? (JSON.parse(r.details) as unknown) : null }));
}
