/**
 * One download feeding several keys: every chunk of a file goes to each key still being written.
 * The producer is pulled only when every live consumer has room (the slowest key sets the pace,
 * memory stays bounded); a key that fails is dropped and the others go on.
 */
export class FanOut {
  private readonly dropped = new Set<number>();
  private readonly files = new Map<string, Broadcast>();

  constructor(
    private readonly consumers: number,
    private readonly open: (path: string) => AsyncIterable<Buffer>,
    private readonly queueChunks = 8,
  ) {}

  /** The stream of `path` for consumer `index` (each consumer asks once per file, in the same order). */
  stream(index: number, path: string): AsyncIterable<Buffer> {
    let b = this.files.get(path);
    if (!b) {
      b = new Broadcast(this.open(path), this.consumers, this.queueChunks, this.dropped);
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
  private readonly queues: Buffer[][];
  private readonly waiting: Array<(() => void) | null>;
  private readonly closed: boolean[];
  private done = false;
  private error: unknown = null;
  private pumping: Promise<void> | null = null;
  private readonly source: AsyncIterator<Buffer>;
  private wakePump: (() => void) | null = null;

  constructor(
    source: AsyncIterable<Buffer>,
    n: number,
    private readonly max: number,
    dropped: ReadonlySet<number>,
  ) {
    this.source = source[Symbol.asyncIterator]();
    this.queues = Array.from({ length: n }, () => []);
    this.waiting = Array.from({ length: n }, () => null);
    this.closed = Array.from({ length: n }, (_, i) => dropped.has(i));
  }

  release(i: number): void {
    if (this.closed[i]) return;
    this.closed[i] = true;
    this.queues[i] = [];
    this.wake();
    if (this.closed.every(Boolean)) void this.source.return?.();
  }

  consumer(i: number): AsyncIterator<Buffer> {
    this.pumping ??= this.pump();
    return {
      next: async (): Promise<IteratorResult<Buffer>> => {
        for (;;) {
          const q = this.queues[i]!;
          if (q.length > 0) {
            const chunk = q.shift()!;
            this.wake();
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

  private async pump(): Promise<void> {
    try {
      for (;;) {
        // Wait until every live consumer has room.
        while (this.queues.some((q, i) => !this.closed[i] && q.length >= this.max)) {
          await new Promise<void>((resolve) => (this.wakePump = resolve));
        }
        if (this.closed.every(Boolean)) return;
        const r = await this.source.next();
        if (r.done) break;
        this.queues.forEach((q, i) => {
          if (!this.closed[i]) q.push(r.value);
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
