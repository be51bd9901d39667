import { isPncError, PncError } from '@pnc/shared';
import type { BlockTarget } from './targets.js';

export function writeCancelled(): PncError {
  return new PncError(
    'WRITE_CANCELLED',
    'Writing the key was cancelled; the key is incomplete and must be written again.',
  );
}

/** A failed write (at `position`) or flush (null) of the target, in words a technician can act on. */
export function writeFailed(e: unknown, position: number | null): PncError {
  if (isPncError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const what = position === null ? 'Flushing the key' : `Writing to the key at byte ${position}`;
  return new PncError(
    'WRITE_FAILED',
    `${what} failed (${err.message}). The key may be faulty or was unplugged: try another key or port.`,
    { position, cause: err.code ?? err.message },
  );
}

/**
 * Lays bytes down in one forward pass, gathered into blocks aligned on `blockBytes` so the
 * device only ever sees large aligned writes. Two buffers: one is filled while the other is
 * being written, and filling waits for that write, which gives the source backpressure.
 * On a `zeroed` target (a fresh sparse image), zeros with nothing pending before them in
 * their block are skipped rather than written, so the free parts of a huge image stay holes.
 * On a target with direct I/O the buffers come from it (aligned), so whole blocks go to the
 * device without a copy.
 */
export class BlockWriter {
  private spare: Buffer;
  private block: Buffer;
  /** Absolute position of block[0]; always a multiple of blockBytes. */
  private blockStart = 0;
  /** block[fillStart, fillEnd) holds bytes not yet written. */
  private fillStart = 0;
  private fillEnd = 0;
  private inFlight: Promise<void> = Promise.resolve();
  /** Absolute end of the last write handed to the target. */
  private writtenTo = 0;

  constructor(
    private readonly target: BlockTarget,
    private readonly blockBytes: number,
    private readonly signal: AbortSignal | undefined,
    /** Told, after each write lands, the position below which every byte has been written. */
    private readonly onLanded?: (position: number) => void,
  ) {
    const alloc = (n: number) => target.direct?.allocate(n) ?? Buffer.allocUnsafe(n);
    this.block = alloc(blockBytes);
    this.spare = alloc(blockBytes);
  }

  /** The absolute position the next byte goes to. */
  get position(): number {
    return this.blockStart + this.fillEnd;
  }

  async put(data: Uint8Array): Promise<void> {
    for (let off = 0; off < data.length;) {
      const n = Math.min(data.length - off, this.blockBytes - this.fillEnd);
      this.block.set(data.subarray(off, off + n), this.fillEnd);
      this.fillEnd += n;
      off += n;
      if (this.fillEnd === this.blockBytes) await this.flush();
    }
  }

  async zeros(count: number): Promise<void> {
    for (let left = count; left > 0;) {
      const n = Math.min(left, this.blockBytes - this.fillEnd);
      if (this.target.zeroed && this.fillStart === this.fillEnd) {
        this.fillStart = this.fillEnd += n;
      } else {
        this.block.fill(0, this.fillEnd, this.fillEnd + n);
        this.fillEnd += n;
      }
      left -= n;
      if (this.fillEnd === this.blockBytes) await this.flush();
    }
  }

  /** Writes what is pending and waits for every write to land. */
  async finish(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  /** After a failure: waits for the write in flight so nothing touches the target once we return. */
  async settle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.fillEnd > this.fillStart) {
      if (this.signal?.aborted) throw writeCancelled();
      await this.inFlight;
      let from = this.fillStart;
      const direct = this.target.direct;
      if (direct?.active && this.target.zeroed) {
        // A write starting inside a sector would send its head through the OS cache. Every byte
        // before fillStart that no write covered was skipped as zero, and is zero on a zeroed
        // target: start the write on the sector instead, with those zeros.
        const over = (this.blockStart + from) % direct.alignment;
        if (over > 0 && this.blockStart + from - over >= Math.max(this.blockStart, this.writtenTo)) {
          this.block.fill(0, from - over, from);
          from -= over;
        }
      }
      const position = this.blockStart + from;
      const end = this.blockStart + this.fillEnd;
      this.writtenTo = end;
      const pending = this.target.write(this.block.subarray(from, this.fillEnd), position).then(
        () => this.onLanded?.(end),
        (e: unknown) => {
          throw writeFailed(e, position);
        },
      );
      // Observed when awaited next; marked handled now so a failure never goes "unhandled" meanwhile.
      pending.catch(() => undefined);
      this.inFlight = pending;
      [this.block, this.spare] = [this.spare, this.block];
    }
    if (this.fillEnd === this.blockBytes) {
      this.blockStart += this.blockBytes;
      this.fillEnd = 0;
    }
    this.fillStart = this.fillEnd;
  }
}
