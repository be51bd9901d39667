export type SyncPhase = 'idle' | 'metadata' | 'preflight' | 'blobs' | 'publishing' | 'cleanup';

export interface SyncProgressView {
  phase: SyncPhase;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  bytesDownloaded: number;
  /** Bytes per second over the last seconds; null before there is anything to measure. */
  rateBytesPerSecond: number | null;
  etaSeconds: number | null;
}

const WINDOW_MS = 10_000;

/** Counts files and bytes of a running sync and derives the rate and the time left. */
export class SyncProgress {
  phase: SyncPhase = 'metadata';
  filesTotal = 0;
  filesDone = 0;
  bytesTotal = 0;
  bytesDone = 0;
  bytesDownloaded = 0;
  private samples: Array<{ t: number; bytes: number }> = [];

  add(n: number, how: 'resumed' | 'downloaded'): void {
    this.bytesDone += n;
    if (how === 'downloaded') {
      this.bytesDownloaded += n;
      const t = Date.now();
      this.samples.push({ t, bytes: this.bytesDownloaded });
      while (this.samples.length > 2 && this.samples[0]!.t < t - WINDOW_MS) this.samples.shift();
    }
  }

  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 500) return null;
    return Math.round(((last.bytes - first.bytes) * 1000) / (last.t - first.t));
  }

  view(): SyncProgressView {
    const rate = this.rate();
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    return {
      phase: this.phase,
      filesTotal: this.filesTotal,
      filesDone: this.filesDone,
      bytesTotal: this.bytesTotal,
      bytesDone: this.bytesDone,
      bytesDownloaded: this.bytesDownloaded,
      rateBytesPerSecond: rate,
      etaSeconds: rate && rate > 0 ? Math.ceil(left / rate) : left === 0 ? 0 : null,
    };
  }
}
