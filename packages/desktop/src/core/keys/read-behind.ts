import { createHash } from 'node:crypto';
import { PncError, type PackageFile } from '@pnc/shared';
import { Fat32Reader, type BlockTarget, type Fat32Plan } from '../fat32/index.js';
import { crc32 } from '../util/crc32.js';

/**
 * Files are read back in batches of at least this many written bytes: each batch costs an fsync
 * (and a cache drop when the target has no direct I/O), and the last one is the only read-back
 * left once the writing ends.
 */
const BATCH_BYTES = 128 * 1024 * 1024;

/**
 * Reads one file through an independent FAT32 reader and compares it with what it must be: the
 * CRC-32 of the bytes written for it when given (`writtenCrc`, see `checksummed`), else the
 * signed sha256. The CRC is enough there: those bytes already matched the signed sha256 as they
 * were downloaded, and the read-back looks for a faulty key, which a CRC catches (every burst
 * of up to 32 bits, any other damage but for 1 in 4 billion) for an eighth of sha256's CPU (a
 * third with zlib's CRC, see util/crc32).
 */
export async function verifyFile(
  reader: Fat32Reader,
  f: PackageFile,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
  writtenCrc?: number,
): Promise<void> {
  signal?.throwIfAborted();
  const byCrc = writtenCrc !== undefined && crc32 !== null;
  const h = byCrc ? null : createHash('sha256');
  let crc = 0;
  let size = 0;
  for await (const chunk of reader.readFile(f.path, { transient: true })) {
    if (h) h.update(chunk);
    else crc = crc32!(chunk, crc);
    size += chunk.length;
    onBytes(chunk.length);
  }
  const expected = byCrc ? hex32(writtenCrc) : f.sha256;
  const actual = h ? h.digest('hex') : hex32(crc);
  if (size !== f.size || actual !== expected) {
    throw new PncError(
      'VERIFY_FAILED',
      `"${f.path}" on the key does not read back as written: the key may be faulty. Use another key.`,
      {
        path: f.path,
        check: byCrc ? 'crc32' : 'sha256',
        expected,
        actual,
      },
    );
  }
}

const hex32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/**
 * Passes a file's chunks on unchanged and, once the last one went through, reports the CRC-32
 * of them all (what `verifyFile` later expects to read back). Without a CRC-32 in this runtime
 * it reports nothing and the read-back checks the signed sha256.
 */
export async function* checksummed(
  chunks: AsyncIterable<Buffer>,
  onDone: (crc: number) => void,
): AsyncGenerator<Buffer> {
  if (!crc32) {
    yield* chunks;
    return;
  }
  let crc = 0;
  for await (const chunk of chunks) {
    crc = crc32(chunk, crc);
    yield chunk;
  }
  onDone(crc);
}

/**
 * Reads a key back while it is still being written, so the read-back overlaps the writing
 * instead of following it. The writer reports how far its writes have landed; once a batch of
 * whole files lies below that point the key is fsynced and those files are read and hashed —
 * from the key itself: through the target's direct I/O (O_DIRECT) when it has it, else after
 * dropping the key's OS cache. A file is only ever read after a
 * sync that followed its last write. `run` resolves once every file matched, and never before
 * `writerDone` (the writer's own final fsync).
 */
export class ReadBehind {
  private landed = 0;
  private writer: 'writing' | 'done' | 'failed' = 'writing';
  private wake: (() => void) | null = null;
  /** Every read went to the device (direct I/O, or every cache drop worked): not from memory. */
  fromDevice = true;
  /** Bytes of files read back and matched so far (and of the one being read). */
  verifiedBytes = 0;

  constructor(
    private readonly target: BlockTarget,
    private readonly plan: Fat32Plan,
    private readonly files: PackageFile[],
    /** CRC-32 of each file's bytes as handed to the writer (by path); see `checksummed`. */
    private readonly written: ReadonlyMap<string, number>,
    private readonly dropCache: (() => Promise<boolean>) | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly onBytes: (done: number) => void,
  ) {}

  /** From the writer (see WriteOptions.onLanded). */
  landedAt(position: number): void {
    this.landed = Math.max(this.landed, position);
    this.notify();
  }

  /** The writer finished and fsynced: whatever is left can be read back now. */
  writerDone(): void {
    this.writer = 'done';
    this.notify();
  }

  /** The writer gave up: stop reading (the key is failed anyway). */
  writerFailed(): void {
    this.writer = 'failed';
    this.notify();
  }

  async run(): Promise<void> {
    const onAbort = () => this.notify();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.readAll();
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async readAll(): Promise<void> {
    const at = new Map(this.plan.files.map((p) => [p.path, p]));
    // In the order the writer lays them down.
    const queue = this.files
      .map((f) => ({ f, end: at.get(f.path)!.offset + f.size }))
      .sort((a, b) => a.end - b.end);
    let reader: Fat32Reader | null = null;
    let next = 0;
    let verifiedTo = 0;
    while (next < queue.length) {
      const ready = await this.nextBatch(queue[next]!.end, verifiedTo);
      if (!ready) return;
      // Bytes below `upTo` landed before this sync started: after it they are on the key.
      const upTo = this.landed;
      await this.target.sync();
      // Direct reads bypass the cache: nothing to drop.
      const direct = this.target.direct?.active === true;
      if (!direct) this.fromDevice = (await this.dropCache?.()) === true && this.fromDevice;
      // The metadata comes first on the key, so it is on the key from the first batch on.
      reader ??= await Fat32Reader.open(this.target);
      while (next < queue.length && queue[next]!.end <= upTo) {
        const f = queue[next]!.f;
        await verifyFile(
          reader,
          f,
          this.signal,
          (n) => this.onBytes((this.verifiedBytes += n)),
          this.written.get(f.path),
        );
        next++;
      }
      // Direct I/O given up during the batch: some reads may have come from the cache.
      if (direct && !this.target.direct?.active) this.fromDevice = false;
      verifiedTo = upTo;
    }
    // Every file matched, but the key only counts once the writer's final fsync returned.
    await this.nextBatch(Infinity, verifiedTo);
  }

  /**
   * Waits until the file ending at `end` has landed and a batch worth reading has built up
   * (or the writer is done). False when the writer failed or the write was cancelled.
   */
  private async nextBatch(end: number, verifiedTo: number): Promise<boolean> {
    for (;;) {
      this.signal?.throwIfAborted();
      if (this.writer === 'failed') return false;
      if (this.writer === 'done') return true;
      if (this.landed >= end && this.landed - verifiedTo >= BATCH_BYTES) return true;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
