import type { SessionRow } from '../db/accounts.js';

/**
 * How long a session found live is trusted without asking the database again. Every revocation
 * made through Accounts (sign-out, password change or reset, role change, disabling) drops the
 * entries at once; this only bounds how late a change written behind its back is seen.
 */
export const SESSION_CACHE_MS = 2_000;

/** Beyond this many sessions the cache starts over rather than grow (a LAN box has a few dozen). */
const MAX_ENTRIES = 10_000;

/**
 * Live sessions recently read from the database, by token hash. A bearer request otherwise
 * paid a SQLite read (and its WAL locking) before every answer. Unknown tokens are never
 * cached: they always reach the database.
 */
export class SessionCache {
  private readonly entries = new Map<string, { session: SessionRow; checkedAtMs: number }>();

  constructor(private readonly ttlMs = SESSION_CACHE_MS) {}

  /** The cached session if it was checked less than the TTL ago and has not expired since. */
  get(tokenHash: string, atMs: number, atIso: string): SessionRow | null {
    const e = this.entries.get(tokenHash);
    if (!e) return null;
    // A clock stepping back also forces a fresh read.
    if (atMs < e.checkedAtMs || atMs - e.checkedAtMs >= this.ttlMs || e.session.expiresAt <= atIso) {
      this.entries.delete(tokenHash);
      return null;
    }
    return e.session;
  }

  set(tokenHash: string, session: SessionRow, atMs: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(tokenHash, { session, checkedAtMs: atMs });
  }

  forgetToken(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }

  forgetUser(userId: number): void {
    for (const [h, e] of this.entries) if (e.session.userId === userId) this.entries.delete(h);
  }
}
