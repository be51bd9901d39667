/**
 * Sign-in throttling: after `free` failures for a key (account, or address) within `windowMs`,
 * each further attempt must wait, doubling up to `maxDelayMs`. In memory: a reboot forgives,
 * which is acceptable for a LAN box; the audit log keeps the record.
 */
export class LoginThrottle {
  private failures = new Map<string, { count: number; first: number; last: number }>();
  constructor(
    private readonly free = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly maxDelayMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the caller must still wait before trying again with any of these keys. */
  retryAfter(keys: string[]): number {
    let wait = 0;
    for (const k of keys) {
      const f = this.failures.get(k);
      if (!f) continue;
      if (this.now() - f.first > this.windowMs) {
        this.failures.delete(k);
        continue;
      }
      if (f.count < this.free) continue;
      const delay = Math.min(this.maxDelayMs, 1000 * 2 ** (f.count - this.free));
      wait = Math.max(wait, f.last + delay - this.now());
    }
    return Math.max(0, wait);
  }

  fail(keys: string[]): void {
    const t = this.now();
    for (const k of keys) {
      const f = this.failures.get(k);
      if (!f || t - f.first > this.windowMs) this.failures.set(k, { count: 1, first: t, last: t });
      else {
        f.count++;
        f.last = t;
      }
    }
    if (this.failures.size > 10_000) this.failures.clear(); // bounded memory under a flood
  }

  succeed(keys: string[]): void {
    for (const k of keys) this.failures.delete(k);
  }
}
