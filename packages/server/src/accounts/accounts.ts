import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { PncError, type LoginResponse, type Role, type SessionUser, type UserSummary } from '@pnc/shared';
import * as q from '../db/accounts.js';
import type { Db } from '../db/database.js';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { SessionCache } from './session-cache.js';
import { LoginThrottle } from './throttle.js';

const SESSION_DAYS = 30;
/** Burned on unknown users so timing does not tell which usernames exist. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface Principal extends SessionUser {
  userId: number;
  tokenHash: string;
}

function summary(u: q.UserRow): UserSummary {
  return {
    username: u.username,
    role: u.role,
    disabled: u.disabled,
    mustChangePassword: u.mustChangePassword,
    createdAt: u.createdAt,
  };
}

export interface Accounts {
  /** Creates the `admin` account with a one-time password when there is no account yet. */
  ensureFirstAccess(passwordFile: string): Promise<string | null>;
  login(req: {
    username: string;
    password: string;
    workstation?: string | undefined;
    address: string;
  }): Promise<LoginResponse>;
  authenticate(token: string, address: string | null): Principal | null;
  logout(p: Principal): void;
  changePassword(p: Principal, current: string, next: string, address: string): Promise<SessionUser>;
  list(): UserSummary[];
  create(
    actor: Principal,
    username: string,
    role: Role,
  ): Promise<{ user: UserSummary; temporaryPassword: string }>;
  update(
    actor: Principal,
    username: string,
    patch: { role?: Role | undefined; disabled?: boolean | undefined },
  ): UserSummary;
  resetPassword(
    actor: Principal,
    username: string,
  ): Promise<{ user: UserSummary; temporaryPassword: string }>;
}

/** Sessions' last_seen_at is written at most this often per session and address. */
const TOUCH_INTERVAL_MS = 60_000;

export function createAccounts(
  db: Db,
  opts: { now?: () => Date; throttle?: LoginThrottle; firstAccessFile?: string } = {},
): Accounts {
  const now = () => (opts.now ?? (() => new Date()))().toISOString();
  const throttle = opts.throttle ?? new LoginThrottle();
  let firstAccessFile = opts.firstAccessFile;
  /** When each session's last_seen_at was last written (see authenticate). */
  const lastTouched = new Map<string, { atMs: number; address: string | null }>();
  /** Live sessions read in the last seconds; every revocation below drops them at once. */
  const sessions = new SessionCache();

  function mustFind(username: string): q.UserRow {
    const u = q.findUser(db, username);
    if (!u) throw new PncError('NOT_FOUND', `No account "${username}".`);
    return u;
  }

  /** Refuses changes that would leave the box without an enabled admin. */
  function keepAnAdmin(
    target: q.UserRow,
    patch: { role?: Role | undefined; disabled?: boolean | undefined },
  ): void {
    const losesAdmin =
      target.role === 'admin' &&
      !target.disabled &&
      (patch.disabled === true || (patch.role && patch.role !== 'admin'));
    if (!losesAdmin) return;
    const admins = q.listUsers(db).filter((u) => u.role === 'admin' && !u.disabled);
    if (admins.length <= 1)
      throw new PncError('CONFLICT', 'This is the last enabled administrator; create another one first.');
  }

  return {
    async ensureFirstAccess(passwordFile) {
      firstAccessFile = passwordFile;
      if (q.countUsers(db) > 0) return null;
      const password = generatePassword();
      q.insertUser(
        db,
        {
          username: 'admin',
          role: 'admin',
          passwordHash: await hashPassword(password),
          mustChangePassword: true,
        },
        now(),
      );
      writeFileSync(
        passwordFile,
        `username: admin\npassword: ${password}\n(change it at first sign-in; this file is then deleted)\n`,
        { mode: 0o600 },
      );
      chmodSync(passwordFile, 0o600);
      q.audit(db, { event: 'first_access_created', actor: 'system' }, now());
      return password;
    },

    async login({ username, password, workstation, address }) {
      const keys = [`u:${username.toLowerCase()}`, `a:${address}`];
      const wait = throttle.retryAfter(keys);
      if (wait > 0) {
        q.audit(db, { event: 'login_throttled', actor: username, address }, now());
        throw new PncError(
          'TOO_MANY_ATTEMPTS',
          `Too many failed sign-ins: try again in ${Math.ceil(wait / 1000)} s.`,
          {
            retryAfterSeconds: Math.ceil(wait / 1000),
          },
        );
      }
      const user = q.findUser(db, username);
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) {
        throttle.fail(keys);
        q.audit(db, { event: 'login_failed', actor: username, address }, now());
        throw new PncError('INVALID_CREDENTIALS', 'Wrong username or password.');
      }
      if (user.disabled) {
        q.audit(db, { event: 'login_disabled', actor: username, address }, now());
        throw new PncError('ACCOUNT_DISABLED', 'This account is disabled; ask the dealership administrator.');
      }
      throttle.succeed(keys);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.parse(now()) + SESSION_DAYS * 86_400_000).toISOString();
      q.insertSession(
        db,
        {
          tokenHash: tokenHash(token),
          userId: user.id,
          expiresAt,
          workstation: workstation ?? null,
          address,
        },
        now(),
      );
      q.audit(db, { event: 'login', actor: user.username, address, details: { workstation } }, now());
      return {
        token,
        expiresAt,
        user: { username: user.username, role: user.role, mustChangePassword: user.mustChangePassword },
      };
    },

    authenticate(token, address) {
      const h = tokenHash(token);
      const at = now();
      const atMs = Date.parse(at);
      let s = sessions.get(h, atMs, at);
      if (!s) {
        s = q.findLiveSession(db, h, at);
        if (!s) return null;
        sessions.set(h, s, atMs);
      }
      // "Last seen" needs minutes, not every request: a write per request (fsynced, synchronous=FULL)
      // blocked the event loop on every blob and eligibility request under load.
      const seen = lastTouched.get(h);
      if (!seen || seen.address !== address || atMs - seen.atMs >= TOUCH_INTERVAL_MS || atMs < seen.atMs) {
        q.touchSession(db, h, at, address);
        if (lastTouched.size >= 10_000) lastTouched.clear();
        lastTouched.set(h, { atMs, address });
      }
      return {
        userId: s.userId,
        username: s.username,
        role: s.role,
        mustChangePassword: s.mustChangePassword,
        tokenHash: h,
      };
    },

    logout(p) {
      q.revokeSession(db, p.tokenHash, now());
      sessions.forgetToken(p.tokenHash);
      q.audit(db, { event: 'logout', actor: p.username }, now());
    },

    async changePassword(p, current, next, address) {
      const user = mustFind(p.username);
      if (!(await verifyPassword(current, user.passwordHash))) {
        q.audit(db, { event: 'password_change_failed', actor: p.username, address }, now());
        throw new PncError('INVALID_CREDENTIALS', 'The current password is wrong.');
      }
      const problem = passwordProblem(next);
      if (problem)
        throw new PncError('VALIDATION_FAILED', `The new password needs ${problem}.`, {
          field: 'newPassword',
        });
      if (next === current)
        throw new PncError('VALIDATION_FAILED', 'The new password must differ from the current one.', {
          field: 'newPassword',
        });
      q.updateUser(db, user.id, { passwordHash: await hashPassword(next), mustChangePassword: false }, now());
      q.revokeUserSessions(db, user.id, now(), p.tokenHash);
      sessions.forgetUser(user.id); // the kept session no longer has a password change pending
      q.audit(db, { event: 'password_changed', actor: p.username, address }, now());
      if (firstAccessFile && user.username === 'admin') rmSync(firstAccessFile, { force: true });
      return { username: user.username, role: user.role, mustChangePassword: false };
    },

    list: () => q.listUsers(db).map(summary),

    async create(actor, username, role) {
      if (q.findUser(db, username))
        throw new PncError('CONFLICT', `An account "${username}" already exists.`);
      const temporaryPassword = generatePassword();
      const u = q.insertUser(
        db,
        { username, role, passwordHash: await hashPassword(temporaryPassword), mustChangePassword: true },
        now(),
      );
      q.audit(db, { event: 'user_created', actor: actor.username, details: { username, role } }, now());
      return { user: summary(u), temporaryPassword };
    },

    update(actor, username, patch) {
      const u = mustFind(username);
      keepAnAdmin(u, patch);
      q.updateUser(
        db,
        u.id,
        {
          ...(patch.role ? { role: patch.role } : {}),
          ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        },
        now(),
      );
      if (patch.disabled) q.revokeUserSessions(db, u.id, now());
      sessions.forgetUser(u.id); // a new role or a disabled account applies to the next request
      q.audit(db, { event: 'user_updated', actor: actor.username, details: { username, ...patch } }, now());
      return summary(mustFind(username));
    },

    async resetPassword(actor, username) {
      const u = mustFind(username);
      const temporaryPassword = generatePassword();
      q.updateUser(
        db,
        u.id,
        { passwordHash: await hashPassword(temporaryPassword), mustChangePassword: true },
        now(),
      );
      q.revokeUserSessions(db, u.id, now());
      sessions.forgetUser(u.id);
      q.audit(db, { event: 'password_reset', actor: actor.username, details: { username } }, now());
      return { user: summary(mustFind(username)), temporaryPassword };
    },
  };
}
