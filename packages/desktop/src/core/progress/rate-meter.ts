/** Throughput over a sliding window, so MB/s and ETA follow the link instead of the average. */
export class RateMeter {
  private samples: Array<{ t: number; bytes: number }> = [];
  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records the running total of bytes done; returns bytes per second over the window. */
  update(totalBytes: number): number {
    const t = this.now();
    this.samples.push({ t, bytes: totalBytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (t - first.t) / 1000;
    return dt > 0 ? (totalBytes - first.bytes) / dt : 0;
  }
}

/** Seconds left at the given rate, or null while the rate is not known yet. */
export function etaSeconds(done: number, total: number, bytesPerSecond: number): number | null {
  if (bytesPerSecond <= 0) return null;
  return Math.max(0, Math.round((total - done) / bytesPerSecond));
}
