/**
 * One download feeding several keys: every chunk of a file goes to each key still being written.
 * Lockstep: the producer is pulled again only once every live key is done with the chunk it got
 * (has asked for the next), because a source's chunk is only valid until the next pull (the LAN
 * download reuses its buffer). The slowest key sets the pace; each key's block writer buffers
 * its own writes, so the keys still write in parallel. A key that fails is dropped and the
 * others go on.
 */
export class FanOut {
  private readonly dropped = new Set<number>();
  private readonly files = new Map<string, Broadcast>();

  constructor(
    private readonly consumers: number,
    private readonly open: (path: string) => AsyncIterable<Buffer>,
  ) {}

  /** The stream of `path` for consumer `index` (each consumer asks once per file, in the same order). */
  stream(index: number, path: string): AsyncIterable<Buffer> {
    let b = this.files.get(path);
    if (!b) {
      b = new Broadcast(this.open(path), this.consumers, this.dropped);
      this.files.set(path, b);
    }
    const broadcast = b;
    return { [Symbol.asyncIterator]: () => broadcast.consumer(index) };
  }

  /** Consumer `index` failed: stop waiting for it, now and for every later file. */
  drop(index: number): void {
    this.dropped.add(index);
    for (const b of this.files.values()) b.release(index);
  }

  /** Number of consumers still taking part. */
  get live(): number {
    return this.consumers - this.dropped.size;
  }
}

class Broadcast {
  /** The chunk consumer i has yet to take, if any. */
  private readonly offered: Array<Buffer | null>;
  /** Consumer i took a chunk and has not asked for the next yet: that chunk is still in use. */
  private readonly holding: boolean[];
  private readonly waiting: Array<(() => void) | null>;
  private readonly closed: boolean[];
  private done = false;
  private error: unknown = null;
  private pumping: Promise<void> | null = null;
  private readonly source: AsyncIterator<Buffer>;
  private wakePump: (() => void) | null = null;

  constructor(source: AsyncIterable<Buffer>, n: number, dropped: ReadonlySet<number>) {
    this.source = source[Symbol.asyncIterator]();
    this.offered = Array.from({ length: n }, () => null);
    this.holding = Array.from({ length: n }, () => false);
    this.waiting = Array.from({ length: n }, () => null);
    this.closed = Array.from({ length: n }, (_, i) => dropped.has(i));
  }

  release(i: number): void {
    if (this.closed[i]) return;
    this.closed[i] = true;
    this.offered[i] = null;
    this.holding[i] = false;
    this.wake();
    if (this.closed.every(Boolean)) void this.source.return?.();
  }

  consumer(i: number): AsyncIterator<Buffer> {
    this.pumping ??= this.pump();
    return {
      next: async (): Promise<IteratorResult<Buffer>> => {
        // Asking for more: done with the chunk taken before.
        if (this.holding[i]) {
          this.holding[i] = false;
          this.wake();
        }
        for (;;) {
          const chunk = this.offered[i];
          if (chunk) {
            this.offered[i] = null;
            this.holding[i] = true;
            return { value: chunk, done: false };
          }
          if (this.error) throw this.error;
          if (this.done || this.closed[i]) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (this.waiting[i] = resolve));
        }
      },
      return: async (): Promise<IteratorResult<Buffer>> => {
        this.release(i);
        return { value: undefined, done: true };
      },
    };
  }

  private wake(): void {
    const w = this.wakePump;
    this.wakePump = null;
    w?.();
  }

  private notify(): void {
    this.waiting.forEach((w, i) => {
      if (w) {
        this.waiting[i] = null;
        w();
      }
    });
  }

  /** Every live consumer has taken the last chunk and is done with it. */
  private settled(): boolean {
    return this.closed.every((c, i) => c || (!this.offered[i] && !this.holding[i]));
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        while (!this.settled()) await new Promise<void>((resolve) => (this.wakePump = resolve));
        if (this.closed.every(Boolean)) return;
        const r = await this.source.next();
        if (r.done) break;
        this.offered.forEach((_, i) => {
          if (!this.closed[i]) this.offered[i] = r.value;
        });
        this.notify();
      }
      this.done = true;
    } catch (e) {
      this.error = e;
    }
    this.notify();
  }
}
