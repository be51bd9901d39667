/**
 * Token buckets per source address plus a global ceiling, so the probe responder can never be
 * turned into a traffic generator, whatever the probe rate.
 */
export class ProbeLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private global = { tokens: 0, at: 0 };

  constructor(
    private readonly perSource = { burst: 5, perSecond: 1 },
    private readonly overall = { burst: 100, perSecond: 50 },
    private readonly now: () => number = Date.now,
  ) {
    this.global = { tokens: overall.burst, at: now() };
  }

  /** Takes one answer from the budget of `source`; false when it is spent. */
  take(source: string): boolean {
    const t = this.now();
    const refill = (b: { tokens: number; at: number }, rate: { burst: number; perSecond: number }) => {
      b.tokens = Math.min(rate.burst, b.tokens + ((t - b.at) / 1000) * rate.perSecond);
      b.at = t;
    };
    refill(this.global, this.overall);
    let b = this.buckets.get(source);
    if (!b) {
      if (this.buckets.size >= 4096) this.forgetFull(t);
      b = { tokens: this.perSource.burst, at: t };
      this.buckets.set(source, b);
    }
    refill(b, this.perSource);
    if (b.tokens < 1 || this.global.tokens < 1) return false;
    b.tokens -= 1;
    this.global.tokens -= 1;
    return true;
  }

  /** Buckets that have refilled completely carry no information: drop them to bound memory. */
  private forgetFull(t: number): void {
    const full = (this.perSource.burst / this.perSource.perSecond) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at >= full) this.buckets.delete(k);
    if (this.buckets.size >= 4096) this.buckets.clear();
  }
}
