import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
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

/** Receiving may run this far ahead of the disk before the socket is paused. */
const AHEAD = 4 * IO_CHUNK;

/**
 * Appends an HTTP body to an open file until the body ends or the file holds `limit` bytes (the
 * signed length: nothing past it is ever written), hashing exactly what was written, in order.
 *
 * Chunks are taken as the socket delivers them (flowing mode: an async iterator over a buffered
 * Readable concatenates them into a fresh copy first) and written ~1 MiB at a time with one
 * writev, while the next batch arrives. On a failure, what was received before it is still
 * written (it counts for the Range resume), then the error is thrown.
 */
export function receiveInto(
  body: Readable,
  fh: FileHandle,
  st: SinkState,
  limit: number,
  opts: SinkOptions = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let pending: Buffer[] = [];
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

    const write = (): void => {
      const batch = pending;
      const n = pendingBytes;
      pending = [];
      pendingBytes = 0;
      writing = true;
      writeFully(fh, batch, n).then(
        () => {
          for (const b of batch) st.hash.update(b);
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
      if (!ended && failure === null && writeError === null)
        failure = Object.assign(new Error('the origin closed the connection mid-body'), { code: 'ECONNRESET' });
      next();
    };

    body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    // Destroyed before we listened (its error and close are already emitted): a failed download.
    if (body.destroyed) {
      if (body.errored) onError(body.errored);
      onClose();
    }
  });
}

/** writev until every byte is in the file: a short write without an error means a full disk. */
async function writeFully(fh: FileHandle, buffers: Buffer[], n: number): Promise<void> {
  let bufs = buffers;
  for (let off = 0; off < n; ) {
    const { bytesWritten } = await fh.writev(bufs);
    // Hashing bytes that never reached the file would commit a truncated blob as verified
    // (issue #8's disk-full case).
    if (bytesWritten <= 0)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    off += bytesWritten;
    if (off < n) bufs = skip(bufs, bytesWritten);
  }
}

function skip(bufs: Buffer[], bytes: number): Buffer[] {
  let left = bytes;
  let i = 0;
  while (left >= bufs[i]!.length) left -= bufs[i++]!.length;
  return [bufs[i]!.subarray(left), ...bufs.slice(i + 1)];
}
