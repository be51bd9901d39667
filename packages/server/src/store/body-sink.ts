import type { Hash } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** What has been written of a blob; updated only once bytes are in the file. */
export interface SinkState {
  have: number;
  hash: Hash;
  received: number;
}

export interface SinkOptions {
  /** Awaited for every chunk before more is read (bandwidth windows). */
  throttle?: { take(n: number): Promise<void> };
  onBytes?: (n: number) => void;
  /**
   * Write with `writeSync` on this thread instead of handing each chunk to libuv's pool: for a
   * download thread of its own (download-worker.ts), where blocking only holds up that thread.
   */
  syncWrites?: boolean;
}

/**
 * Appends an HTTP body to an open file until the body ends or the file holds `limit` bytes (the
 * signed length: nothing past it is ever written), hashing exactly what was written, in order.
 *
 * Each chunk is written whole, then hashed, before the next is asked for: the origin's socket
 * reader hands out views into one buffer it reuses (and reads nothing while we hold one), so the
 * disk's pace is the socket's. On a failure, what was written before it still counts (for the
 * Range resume), then the error is thrown; leaving the loop closes the body.
 */
export async function receiveInto(
  body: AsyncIterable<Buffer>,
  fh: FileHandle,
  st: SinkState,
  limit: number,
  opts: SinkOptions = {},
): Promise<void> {
  for await (const chunk of body) {
    const room = limit - st.have;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length > 0) {
      if (opts.syncWrites) writeFullySync(fh.fd, part);
      else await writeFully(fh, part);
      st.hash.update(part);
      st.have += part.length;
      st.received += part.length;
      opts.onBytes?.(part.length);
    }
    // Every chunk is charged, a blob's last one too (small blobs are often one chunk).
    if (opts.throttle) await opts.throttle.take(part.length);
    if (st.have >= limit) return;
  }
}

function writeFullySync(fd: number, buffer: Buffer): void {
  for (let off = 0; off < buffer.length; ) {
    const n = writeSync(fd, buffer, off, buffer.length - off, null);
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    off += n;
  }
}

/** write until every byte is in the file: a short write without an error means a full disk. */
async function writeFully(fh: FileHandle, buffer: Buffer): Promise<void> {
  for (let off = 0; off < buffer.length; ) {
    const { bytesWritten } = await fh.write(buffer, off, buffer.length - off, null);
    // Hashing bytes that never reached the file would commit a truncated blob as verified
    // (issue #8's disk-full case).
    if (bytesWritten <= 0)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    off += bytesWritten;
  }
}
