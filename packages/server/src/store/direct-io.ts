import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * O_DIRECT blob writes: the bytes go from our buffer to the disk without passing through the page
 * cache. Here page-cache writes cost ≈ 1.7 system CPU s/GiB and make the fsync slow (`dd … conv=
 * fsync` 1 GiB: 2.9 s of system time; with `oflag=direct` 0.13 s), and the store's blobs are not
 * read back soon anyway.
 *
 * O_DIRECT wants the file position, the length and the buffer's memory address aligned. Positions
 * and lengths we control: whole BLOCKs only, the rest of a blob (its unaligned tail, or the end of
 * a block a resume starts inside) goes through an ordinary fd on the same file — Linux keeps
 * direct and buffered I/O on one file coherent.
 *
 * The address Node does not let us choose. `Buffer.allocUnsafeSlow(n)` comes back 16 bytes past a
 * page (glibc's mmap'd chunks), or anywhere 16-aligned once malloc serves it from the heap; an
 * offset into it found by probing for the EINVAL of a misaligned write is only as aligned as the
 * device demands (512 bytes here), and direct writes from a buffer that is 512- but not
 * page-aligned ran 24× slower on this VM (1 GiB in 1 MiB writes: 35 s against 1.5 s). A
 * WebAssembly.Memory, though, is always mapped on its own pages: its bytes start page-aligned. So
 * the buffers are slices of one such memory, at multiples of BLOCK; the probe only checks, on a
 * scratch file, that an aligned direct write is accepted and a write 16 bytes off is refused.
 *
 * Where O_DIRECT is refused (EINVAL at open: tmpfs before Linux 6.6, some FUSE/network file
 * systems) or not enforced (the misaligned write is accepted too: tmpfs since 6.6, btrfs falling
 * back to buffered I/O, so nothing would be gained), or WebAssembly is unavailable, the store
 * keeps its buffered writes.
 */

/** Positions and lengths of direct writes are multiples of this (covers 512- and 4K-sector disks). */
export const BLOCK = 4096;
/** WebAssembly memory grows in pages of this size. */
const WASM_PAGE = 65536;

/** What the store wrote which way (since the process started): lets tests see the path taken. */
export const directIoStats = {
  /** Blobs (partial files) opened with O_DIRECT. */
  directFiles: 0,
  /** Bytes written through O_DIRECT. */
  directBytes: 0,
  /** Bytes written through the page cache (tails, resumes inside a block, fallbacks). */
  bufferedBytes: 0,
  /** Folders where O_DIRECT was refused or not enforced. */
  fallbacks: 0,
};

function isUnsupported(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'EINVAL' || code === 'EOPNOTSUPP' || code === 'ENOTSUP';
}

/** Opens `path` for writing with O_DIRECT (created if needed); null when the file system refuses. */
export async function openDirect(path: string, truncate: boolean): Promise<FileHandle | null> {
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT | (truncate ? constants.O_TRUNC : 0);
  try {
    return await open(path, flags, 0o666);
  } catch (e) {
    if (isUnsupported(e)) return null;
    throw e;
  }
}

async function accepts(probe: FileHandle, buf: Buffer, offset: number): Promise<boolean> {
  try {
    await probe.write(buf, offset, BLOCK, 0);
    return true;
  } catch (e) {
    if (isUnsupported(e)) return false;
    throw e;
  }
}

/**
 * Whether direct writes through `probe` (an O_DIRECT fd on a scratch file of the target file
 * system) really are direct: a whole block from the start of `buf` (≥ BLOCK + 16 bytes,
 * page-aligned) is accepted and one 16 bytes further is refused. Accepting both means the file
 * system does not really write directly.
 */
export async function directWritesEnforced(probe: FileHandle, buf: Buffer): Promise<boolean> {
  return (await accepts(probe, buf, 0)) && !(await accepts(probe, buf, 16));
}

type WasmMemory = new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };

/** `count` page-aligned buffers of `size` bytes (a multiple of BLOCK), or null without WebAssembly. */
export function alignedBuffers(size: number, count: number): Buffer[] | null {
  const pages = Math.ceil((size * count) / WASM_PAGE);
  // Not in the ES/Node type libraries this package compiles against (no DOM), hence the cast.
  const wasm = (globalThis as { WebAssembly?: { Memory: WasmMemory } }).WebAssembly;
  let memory: ArrayBuffer;
  try {
    if (!wasm) return null;
    memory = new wasm.Memory({ initial: pages, maximum: pages }).buffer;
  } catch {
    return null;
  }
  return Array.from({ length: count }, (_, i) => Buffer.from(memory, i * size, size));
}

/**
 * Up to `count` aligned buffers of `size` bytes for O_DIRECT writes into one folder, reused from
 * one blob to the next; `open` resolves null when the folder's file system does no real direct
 * I/O there.
 */
export class DirectIo {
  private constructor(private free: Buffer[]) {}

  /** `size` must be a multiple of BLOCK. */
  static async open(dir: string, size: number, count: number): Promise<DirectIo | null> {
    if (size < BLOCK || size % BLOCK !== 0)
      throw new Error(`direct I/O buffers are whole blocks, not ${size}`);
    const buffers = alignedBuffers(size, count);
    // A scratch file, unlinked at once: probing never touches a blob and leaves nothing behind.
    const scratch = join(dir, `.direct-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const probe = buffers ? await openDirect(scratch, true) : null;
    await rm(scratch, { force: true });
    let enforced = false;
    try {
      if (probe && buffers) enforced = await directWritesEnforced(probe, Buffer.from(buffers[0]!.buffer));
    } finally {
      await probe?.close();
    }
    if (!enforced || !buffers) {
      directIoStats.fallbacks++;
      return null;
    }
    return new DirectIo(buffers);
  }

  /** An aligned buffer, or null when all are in use (that blob is written buffered). */
  acquire(): Buffer | null {
    return this.free.pop() ?? null;
  }

  release(buf: Buffer): void {
    this.free.push(buf);
  }

  /** Lets the buffers go (those still held go with their holders). */
  close(): void {
    this.free = [];
  }
}
