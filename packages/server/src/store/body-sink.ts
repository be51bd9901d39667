import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BLOCK, directIoStats } from './direct-io.js';
import { IO_CHUNK } from './hashing.js';

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
}

/**
 * The partial file, open for positional writes. With `direct` (an O_DIRECT fd on the same file
 * and an aligned buffer of at least IO_CHUNK bytes, see direct-io.ts), whole blocks at block
 * positions go through it and only what is not (a tail, the rest of a block a resume starts
 * inside) through `buffered`.
 */
export interface SinkFile {
  buffered: FileHandle;
  direct?: { fh: FileHandle; buf: Buffer };
}

/** Receiving may run this far ahead of the disk before the socket is paused. */
const AHEAD = 4 * IO_CHUNK;

/**
 * Appends an HTTP body to an open file until the body ends or the file holds `limit` bytes (the
 * signed length: nothing past it is ever written), hashing exactly what was written, in order.
 *
 * Chunks are taken as the socket delivers them (flowing mode: an async iterator over a buffered
 * Readable concatenates them into a fresh copy first) and written ~1 MiB at a time at position
 * `st.have` (one writev, or one copy into the aligned buffer and one direct write), while the
 * next batch arrives. On a failure, what was received before it is still written (it counts for
 * the Range resume), then the error is thrown.
 */
export function receiveInto(
  body: Readable,
  file: SinkFile,
  st: SinkState,
  limit: number,
  opts: SinkOptions = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let accepted = st.have;
    let writing = false;
    let throttled = false;
    let ended = false;
    let failure: unknown = null;
    let writeError: unknown = null;
    let settled = false;

    const finish = (): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      // A destroyed body may still emit an error: it has nowhere to go once we are done.
      body.on('error', () => {});
      const e = writeError ?? failure;
      if (e !== null) reject(e);
      else resolve();
    };

    /** Removes the first `n` pending bytes (n ≤ pendingBytes), splitting a chunk if needed. */
    const take = (n: number): Buffer[] => {
      const out: Buffer[] = [];
      let left = n;
      while (left > 0) {
        const b = pending[0]!;
        if (b.length <= left) {
          out.push(b);
          pending.shift();
          left -= b.length;
        } else {
          out.push(b.subarray(0, left));
          pending[0] = b.subarray(left);
          left = 0;
        }
      }
      pendingBytes -= n;
      return out;
    };

    const write = (): void => {
      const direct = file.direct;
      const pos = st.have;
      let n = pendingBytes;
      let via: 'direct' | 'buffered' = 'buffered';
      if (direct) {
        if (pos % BLOCK !== 0) n = Math.min(n, BLOCK - (pos % BLOCK));
        else if (n >= BLOCK) {
          n = Math.min(n - (n % BLOCK), direct.buf.length);
          via = 'direct';
        }
      }
      const batch = take(n);
      writing = true;
      let done: Promise<void>;
      if (via === 'direct') {
        const buf = direct!.buf;
        let off = 0;
        for (const b of batch) off += b.copy(buf, off);
        done = writeDirect(direct!.fh, buf.subarray(0, n), pos);
      } else done = writeFully(file.buffered, batch, n, pos);
      done.then(
        () => {
          if (via === 'direct') {
            st.hash.update(direct!.buf.subarray(0, n));
            directIoStats.directBytes += n;
          } else {
            for (const b of batch) st.hash.update(b);
            directIoStats.bufferedBytes += n;
          }
          st.have += n;
          st.received += n;
          opts.onBytes?.(n);
          writing = false;
          next();
        },
        (e: unknown) => {
          writing = false;
          writeError = e;
          body.destroy();
          next();
        },
      );
    };

    /** After any event: write what is due, finish when drained, or let the socket flow again. */
    const next = (): void => {
      if (writing || settled) return;
      if (writeError !== null) return finish();
      if (ended || failure !== null) {
        if (pendingBytes > 0) return write();
        return finish();
      }
      if (pendingBytes >= IO_CHUNK) return write();
      if (!throttled && body.isPaused()) body.resume();
    };

    const onData = (chunk: Buffer): void => {
      if (ended || failure !== null) return;
      const room = limit - accepted;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      pending.push(part);
      pendingBytes += part.length;
      accepted += part.length;
      if (accepted >= limit) {
        ended = true;
        body.pause();
        return next();
      }
      if (opts.throttle) {
        throttled = true;
        body.pause();
        opts.throttle.take(part.length).then(
          () => {
            throttled = false;
            next();
          },
          (e: unknown) => {
            throttled = false;
            failure ??= e;
            next();
          },
        );
      }
      if (pendingBytes >= AHEAD) body.pause();
      if (!writing && pendingBytes >= IO_CHUNK) write();
    };
    const onEnd = (): void => {
      ended = true;
      next();
    };
    const onError = (e: unknown): void => {
      failure ??= e;
      next();
    };
    const onClose = (): void => {
      if (!ended && failure === null && writeError === null) failure = closedMidBody();
      next();
    };

    body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    // Torn down while the file was being opened: node:http emits a response's error only to
    // listeners that were there, so nothing more will come.
    if (body.destroyed && !body.readableEnded) {
      failure = body.errored ?? closedMidBody();
      next();
    }
  });
}

const closedMidBody = (): Error =>
  Object.assign(new Error('the origin closed the connection mid-body'), { code: 'ECONNRESET' });

const diskFull = (): Error =>
  Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** writev at `pos` until every byte is in the file: a short write without an error means a full disk. */
async function writeFully(fh: FileHandle, buffers: Buffer[], n: number, pos: number): Promise<void> {
  let bufs = buffers;
  for (let off = 0; off < n;) {
    const { bytesWritten } = await fh.writev(bufs, pos + off);
    // Hashing bytes that never reached the file would commit a truncated blob as verified
    // (issue #8's disk-full case).
    if (bytesWritten <= 0) throw diskFull();
    off += bytesWritten;
    if (off < n) bufs = skip(bufs, bytesWritten);
  }
}

/** One direct write of whole blocks at a block position; a short one likewise means a full disk. */
async function writeDirect(fh: FileHandle, buf: Buffer, pos: number): Promise<void> {
  for (let off = 0; off < buf.length;) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, pos + off);
    off += bytesWritten;
    // Only a full disk stops a write to a regular file short, and the rest would be misaligned.
    if (bytesWritten <= 0 || (off < buf.length && off % BLOCK !== 0)) throw diskFull();
  }
}

function skip(bufs: Buffer[], bytes: number): Buffer[] {
  let left = bytes;
  let i = 0;
  while (left >= bufs[i]!.length) left -= bufs[i++]!.length;
  return [bufs[i]!.subarray(left), ...bufs.slice(i + 1)];
}
