import { constants, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Uncached I/O on a key (O_DIRECT, Linux). Writing through the page cache costs a copy into the
 * cache and its writeback bookkeeping, which made the key writer CPU-bound; O_DIRECT moves the
 * bytes straight between our buffers and the device. It also makes the read-back come from the
 * key itself, with no cache to drop first.
 *
 * O_DIRECT needs three things aligned: the file position and the length (multiples of the
 * device's logical block size, 512 or 4096) and the buffer's memory address. Node can neither
 * ask for an aligned allocation nor tell a buffer's address, so `allocate` takes the memory of
 * a WebAssembly.Memory (mapped in whole pages: page-aligned), and checks it the only way
 * there is: a direct read of the target's first blocks into it, which the kernel refuses with
 * EINVAL from a misaligned address. Should that fail, it over-allocates an ordinary buffer and
 * tries offsets 0, 16, 32… (V8 backing stores are 16-byte aligned) until a read is accepted.
 * The aligned offset is remembered per ArrayBuffer, so any view of it starting a multiple of
 * the alignment further on is aligned too. Reads of a hole in a sparse file check nothing, so
 * the first blocks of the target must hold data (openImageTarget writes them).
 *
 * When the target refuses O_DIRECT (some file systems; macOS and Windows have no O_DIRECT flag),
 * takes it without honouring it (tmpfs), or no offset works, `DirectIo.open` answers null and
 * the caller keeps the buffered path. PNC_DIRECT_IO=0 in the environment forces that path (for
 * comparison, or should some key misbehave with O_DIRECT). Linux keeps a buffered and an O_DIRECT descriptor of the same file or device
 * coherent: a direct write writes back and drops the cached pages in its range, a direct read
 * writes back dirty pages in its range first.
 */

/** What a BlockTarget exposes of its direct I/O (see BlockTarget.direct). */
export interface DirectAccess {
  /** Positions, lengths and buffer addresses of direct I/O are multiples of this (512 or 4096). */
  readonly alignment: number;
  /** False once the direct path was given up (an unexpected EINVAL): I/O then goes through the cache. */
  readonly active: boolean;
  /** A buffer of `bytes` (uninitialised) whose start is aligned; I/O from it can skip the bounce copy. */
  allocate(bytes: number): Buffer;
  /** Bytes moved by O_DIRECT so far. */
  readonly bytesWritten: number;
  readonly bytesRead: number;
  /** Of those, bytes that had to be copied through a bounce buffer (the caller's was not aligned). */
  readonly bytesBounced: number;
}

/** Logical block sizes tried, smallest first. */
const BLOCK_SIZES = [512, 4096] as const;
const MAX_ALIGNMENT = 4096;
/**
 * Probe reads span a page boundary wherever they start: recent kernels accept any address for
 * a read that stays inside one page, and only check where the buffer crosses pages.
 */
const PROBE_BYTES = 2 * MAX_ALIGNMENT;
/** Bytes at the start of a target that DirectIo.open and allocate read. */
export const DIRECT_PROBE_BYTES = PROBE_BYTES;
/** V8 backing stores come from malloc: at least 16-byte aligned. */
const ADDRESS_STEP = 16;
const BOUNCE_BYTES = 1024 * 1024;
const WASM_PAGE_BYTES = 64 * 1024;
/** WebAssembly.Memory, looked up when used (the compiler's libraries here only declare its types). */
const wasmMemory = () =>
  (
    globalThis as unknown as {
      WebAssembly?: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } };
    }
  ).WebAssembly?.Memory;

const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;
const mod = (n: number, a: number) => ((n % a) + a) % a;

const isEinval = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code === 'EINVAL';

/** One O_DIRECT descriptor of a target, with the alignment found for it. */
export class DirectIo implements DirectAccess {
  bytesWritten = 0;
  bytesRead = 0;
  bytesBounced = 0;
  active = true;
  /** For each ArrayBuffer from `allocate`: the byte offset in it (mod alignment) that is aligned. */
  private readonly phases = new WeakMap<ArrayBufferLike, number>();
  private lastSlack: number;
  private readonly bounces: Buffer[] = [];

  private constructor(
    private readonly fh: FileHandle,
    readonly alignment: number,
    firstSlack: number,
  ) {
    this.lastSlack = firstSlack;
  }

  /**
   * Opens `path` a second time with O_DIRECT (`flags` without O_CREAT/O_TRUNC/O_EXCL: the file
   * or device is already open) and finds its alignment. Null when the platform or the file
   * system refuses O_DIRECT, or no alignment works: the caller then stays on buffered I/O.
   */
  static async open(path: string, flags: number): Promise<DirectIo | null> {
    const oDirect = constants.O_DIRECT as number | undefined;
    if (process.platform !== 'linux' || !oDirect || process.env.PNC_DIRECT_IO === '0') return null;
    let fh: FileHandle;
    try {
      fh = await open(path, flags | oDirect);
    } catch {
      return null; // EINVAL where the file system has no direct I/O
    }
    try {
      const found = findAligned(fh, PROBE_BYTES, 0);
      // Real direct I/O refuses a position inside a block. Accepting it means the bytes are not
      // moved by the device (tmpfs takes O_DIRECT since Linux 6.6 and serves it from memory),
      // or the probed block is a hole, whose reads check nothing: either way, stay buffered.
      if (found && !probe(fh, found.raw, found.slack, BLOCK_SIZES[0], 1)) {
        for (const blockSize of BLOCK_SIZES) {
          // A block-sized read one block in: the position granularity is this block size.
          if (probe(fh, found.raw, found.slack, MAX_ALIGNMENT, blockSize)) {
            return new DirectIo(fh, blockSize, found.slack);
          }
        }
      }
    } catch {
      // Not EINVAL: the first blocks cannot be read at all; the buffered path will say why.
    }
    await fh.close();
    return null;
  }

  allocate(bytes: number): Buffer {
    let found: Aligned | null = null;
    try {
      found = findAligned(this.fh, bytes, this.lastSlack);
    } catch {
      // a read error while probing: no aligned buffer
    }
    if (!found) {
      // No aligned offset (should not happen once one was found): an ordinary buffer, which the
      // direct path copies through a bounce buffer.
      return Buffer.allocUnsafe(bytes);
    }
    const { raw, slack } = found;
    if (!found.page) this.lastSlack = slack;
    this.phases.set(raw.buffer, mod(raw.byteOffset + slack, this.alignment));
    return raw.subarray(slack, slack + bytes);
  }

  /** Whether direct I/O can use `buf` itself: it starts on an aligned address. */
  isAligned(buf: Uint8Array): boolean {
    const phase = this.phases.get(buf.buffer);
    return phase !== undefined && mod(buf.byteOffset - phase, this.alignment) === 0;
  }

  /**
   * Writes `buf` at `position`, both multiples of the alignment. False (nothing to rely on
   * having been written) when the kernel refused with EINVAL: direct I/O is then given up and
   * the caller writes the same bytes through the cache.
   */
  async write(buf: Buffer, position: number): Promise<boolean> {
    if (!this.active) return false;
    try {
      if (this.isAligned(buf)) {
        await writeAll(this.fh, buf, position);
      } else {
        const bounce = this.takeBounce();
        try {
          for (let done = 0; done < buf.length; done += bounce.length) {
            const part = buf.subarray(done, done + bounce.length);
            part.copy(bounce);
            await writeAll(this.fh, bounce.subarray(0, part.length), position + done);
          }
        } finally {
          this.bounces.push(bounce);
        }
        this.bytesBounced += buf.length;
      }
    } catch (e) {
      if (!isEinval(e)) throw e;
      this.active = false;
      return false;
    }
    this.bytesWritten += buf.length;
    return true;
  }

  /**
   * Reads up to buf.length bytes at any position (fewer only at the end of the target): straight
   * into `buf` when it and the range are aligned, else through a bounce buffer covering the
   * range rounded out to whole blocks. Null when the kernel refused (EINVAL): direct I/O is
   * given up and the caller reads through the cache.
   */
  async read(buf: Buffer, position: number): Promise<number | null> {
    if (!this.active) return null;
    const a = this.alignment;
    try {
      let done: number;
      if (this.isAligned(buf) && position % a === 0 && buf.length % a === 0) {
        done = await readAll(this.fh, buf, position);
      } else {
        done = 0;
        const bounce = this.takeBounce();
        try {
          while (done < buf.length) {
            const at = position + done;
            const start = at - (at % a);
            const span = Math.min(bounce.length, roundUp(at + buf.length - done, a) - start);
            const got = await readAll(this.fh, bounce.subarray(0, span), start);
            const n = Math.min(got - (at - start), buf.length - done);
            if (n <= 0) break;
            bounce.copy(buf, done, at - start, at - start + n);
            done += n;
            if (got < span) break;
          }
        } finally {
          this.bounces.push(bounce);
        }
        this.bytesBounced += done;
      }
      this.bytesRead += done;
      return done;
    } catch (e) {
      if (!isEinval(e)) throw e;
      this.active = false;
      return null;
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }

  private takeBounce(): Buffer {
    return this.bounces.pop() ?? this.allocate(BOUNCE_BYTES);
  }
}

interface Aligned {
  raw: Buffer;
  /** raw[slack] is aligned. */
  slack: number;
  /** raw is a WebAssembly.Memory's, starting on a page. */
  page: boolean;
}

/**
 * Room for `bytes` from an aligned address. First a WebAssembly.Memory: V8 maps it in whole
 * pages, so it starts on a page — which matters: ext4 takes O_DIRECT writes into the holes of
 * a sparse image about 30 times slower from a buffer that is only sector-aligned. Checked with
 * a probe read like any other; if refused, an ordinary over-allocated buffer and the first
 * offset (trying `hint` first) that the kernel accepts.
 */
function findAligned(fh: FileHandle, bytes: number, hint: number): Aligned | null {
  const room = roundUp(Math.max(bytes, PROBE_BYTES), MAX_ALIGNMENT);
  let page: Buffer | null = null;
  try {
    const Memory = wasmMemory();
    if (Memory) page = Buffer.from(new Memory({ initial: Math.ceil(room / WASM_PAGE_BYTES) }).buffer);
  } catch {
    // no WebAssembly, or its address space is limited (ulimit -v)
  }
  if (page && probe(fh, page, 0, PROBE_BYTES, 0)) return { raw: page, slack: 0, page: true };
  const raw = Buffer.allocUnsafeSlow(room + MAX_ALIGNMENT);
  // Usually the allocator gives the same misalignment as last time: try that offset first.
  const slacks = [hint];
  for (let s = 0; s < MAX_ALIGNMENT; s += ADDRESS_STEP) if (s !== hint) slacks.push(s);
  for (const slack of slacks) if (probe(fh, raw, slack, PROBE_BYTES, 0)) return { raw, slack, page: false };
  return null;
}

/** Reads `length` bytes at `position` into raw[slack…]: false when the kernel refuses (EINVAL). */
function probe(fh: FileHandle, raw: Buffer, slack: number, length: number, position: number): boolean {
  try {
    readSync(fh.fd, raw, slack, length, position);
    return true;
  } catch (e) {
    if (isEinval(e)) return false;
    throw e;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length;) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    done += bytesWritten;
  }
}

/** Reads until `buf` is full or a short read (the end of the target: past it, positions would be unaligned). */
async function readAll(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buf.length) {
    const want = buf.length - done;
    const { bytesRead } = await fh.read(buf, done, want, position + done);
    done += bytesRead;
    if (bytesRead < want) break;
  }
  return done;
}
