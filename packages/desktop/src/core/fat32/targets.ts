import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { PncError } from '@pnc/shared';
import { DirectIo, DIRECT_PROBE_BYTES, type DirectAccess } from './direct-io.js';
import { SECTOR_BYTES } from './geometry.js';

/** Where a volume is written: a block device or an image file, addressed by absolute byte offsets. */
export interface BlockTarget {
  write(buf: Buffer, position: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
  readonly size: number;
  /** Reads up to buf.length bytes; fewer only at the end of the target. */
  read(buf: Buffer, position: number): Promise<number>;
  /** True when every byte not yet written reads as zero (a fresh sparse image): runs of zeros need no writing. */
  readonly zeroed?: boolean;
  /**
   * Present when the target bypasses the OS cache (O_DIRECT): the aligned part of every write
   * and all reads go straight to the device, so what is read back comes from the key itself.
   * Writers should take their buffers from `direct.allocate` to spare a copy.
   */
  readonly direct?: DirectAccess;
}

/**
 * A file or device, through two descriptors when O_DIRECT is available: the direct one for the
 * aligned part of each write and for all reads, the ordinary one for the unaligned ends of a
 * write (the kernel keeps the two coherent) and for fsync — fsync is per file, so it also makes
 * durable what went through the direct descriptor, and flushes the device's own cache.
 */
class FileTarget implements BlockTarget {
  /** An own property (not a getter), so wrappers made with `{ ...target }` keep it. */
  readonly direct?: DirectAccess;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    readonly zeroed: boolean,
    private readonly directIo: DirectIo | null = null,
  ) {
    if (directIo) this.direct = directIo;
  }

  async write(buf: Buffer, position: number): Promise<void> {
    if (position < 0 || position + buf.length > this.size) {
      throw new PncError(
        'WRITE_FAILED',
        `Write of ${buf.length} bytes at ${position} is outside the ${this.size}-byte key.`,
        {
          position,
          size: this.size,
        },
      );
    }
    const d = this.directIo;
    if (d?.active) {
      // Unaligned head and tail through the cache, the aligned middle straight to the device.
      const a = d.alignment;
      const head = Math.min(buf.length, mod(-position, a));
      const middle = buf.length - head - ((buf.length - head) % a);
      if (middle > 0) {
        await this.writeCached(buf.subarray(0, head), position);
        if (!(await d.write(buf.subarray(head, head + middle), position + head))) {
          await this.writeCached(buf.subarray(head, head + middle), position + head);
        }
        await this.writeCached(buf.subarray(head + middle), position + head + middle);
        return;
      }
    }
    await this.writeCached(buf, position);
  }

  private async writeCached(buf: Buffer, position: number): Promise<void> {
    for (let done = 0; done < buf.length;) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, position + done);
      done += bytesWritten;
    }
  }

  async read(buf: Buffer, position: number): Promise<number> {
    const direct = await this.directIo?.read(buf, position);
    if (direct !== undefined && direct !== null) return direct;
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.fh.read(buf, done, buf.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  sync(): Promise<void> {
    return this.fh.sync();
  }

  async close(): Promise<void> {
    try {
      await this.directIo?.close();
    } finally {
      await this.fh.close();
    }
  }
}

const mod = (n: number, a: number) => ((n % a) + a) % a;

function openFailed(
  path: string,
  e: unknown,
  code: 'WRITE_FAILED' | 'VERIFY_FAILED' = 'WRITE_FAILED',
): PncError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === 'EBUSY'
      ? 'it is in use (mounted, or open in another program): unmount it first'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied (writing a whole device needs administrator rights)'
        : err.message;
  return new PncError(code, `Cannot open ${path}: ${why}.`, { path, cause: err.code ?? err.message });
}

/** Creates (or truncates) a sparse image file of exactly `size` bytes. */
export async function openImageTarget(path: string, size: number): Promise<BlockTarget> {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new PncError('VALIDATION_FAILED', `Image size ${size} is not a byte count.`, { size });
  }
  let fh: FileHandle;
  try {
    fh = await open(path, 'w+');
  } catch (e) {
    throw openFailed(path, e);
  }
  try {
    await fh.truncate(size);
    // Real zeros (not a hole) where DirectIo probes the alignment: reads of a hole check nothing.
    const head = Math.min(size, DIRECT_PROBE_BYTES);
    await fh.write(Buffer.alloc(head), 0, head, 0);
  } catch (e) {
    await fh.close();
    throw openFailed(path, e);
  }
  return new FileTarget(fh, size, true, await DirectIo.open(path, constants.O_RDWR));
}

/**
 * Opens an existing block device or file for writing. The size is `size` when the caller knows
 * it (drivelist reports it), a file's length, or found by probing where reads stop returning
 * data — plain reads, no ioctl, so it works on any OS. On Linux a device is opened O_EXCL,
 * which the kernel refuses while the device is mounted.
 */
export async function openDeviceTarget(path: string, size?: number): Promise<BlockTarget> {
  let fh: FileHandle;
  let st: Stats;
  try {
    st = await stat(path);
    const exclusive = st.isBlockDevice() && process.platform === 'linux';
    fh = await open(path, constants.O_RDWR | (exclusive ? constants.O_EXCL : 0));
  } catch (e) {
    throw openFailed(path, e);
  }
  try {
    const bytes = size ?? (st.isFile() ? st.size : await probeSize(fh));
    // Not O_EXCL: this descriptor already holds the device exclusively.
    return new FileTarget(fh, bytes, false, await DirectIo.open(path, constants.O_RDWR));
  } catch (e) {
    await fh.close();
    throw openFailed(path, e);
  }
}

/** Size of a device: binary search for the last sector that still reads back data. */
async function probeSize(fh: FileHandle): Promise<number> {
  const probe = Buffer.alloc(SECTOR_BYTES);
  const bytesAt = async (sector: number) =>
    (await fh.read(probe, 0, SECTOR_BYTES, sector * SECTOR_BYTES)).bytesRead;
  if ((await bytesAt(0)) === 0) return 0;
  let lo = 0; // reads back data
  let hi = 1;
  while ((await bytesAt(hi)) > 0) {
    lo = hi;
    hi *= 2;
  }
  // Invariant: sector lo reads back data, sector hi does not.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await bytesAt(mid)) > 0) lo = mid;
    else hi = mid;
  }
  return lo * SECTOR_BYTES + (await bytesAt(lo));
}

/** A read-only target for the reader when it is given a path. */
export async function openReadOnlyTarget(path: string): Promise<BlockTarget> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw openFailed(path, e, 'VERIFY_FAILED');
  }
  try {
    const st = await fh.stat();
    const size = st.isFile() ? st.size : await probeSize(fh);
    return new FileTarget(fh, size, false, await DirectIo.open(path, constants.O_RDONLY));
  } catch (e) {
    await fh.close();
    throw openFailed(path, e, 'VERIFY_FAILED');
  }
}
