import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PncError } from '@pnc/shared';
import type { ServerClient } from '../server/server-client.js';

export interface BlobDownloadOptions {
  /** Signed size and hash (from the verified catalog): the download is held to them. */
  size: number;
  sha256: string;
  signal?: AbortSignal;
  /**
   * No byte for this long while one is awaited = a dead connection (a whole-download timeout would
   * kill big files); time the consumer spends on a chunk never counts.
   */
  idleTimeoutMs?: number;
  /** Attempts after a dropped connection, each resuming where the bytes stopped. */
  retries?: number;
  onResume?: (info: { attempt: number; offset: number; error: string }) => void;
}

const RETRY_BASE_MS = 500;

/**
 * Streams one blob from the LAN server, verifying it on the fly: never more bytes than signed,
 * sha256 checked at the end (the chunk that completes the file is only handed over once the
 * hash matched, so a corrupt file never completes). A dropped connection resumes with Range
 * from the last byte. Each chunk is only valid until the next one is asked for (the LAN body
 * is read into a reused buffer, see @pnc/blob-socket): whoever keeps bytes copies them.
 */
export async function* downloadBlob(client: ServerClient, opts: BlobDownloadOptions): AsyncGenerator<Buffer> {
  const { size, sha256, signal } = opts;
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const retries = opts.retries ?? 8;
  const hash = createHash('sha256');
  let received = 0;
  let attempt = 0;
  // The chunk that completes the file: handed over only once the hash matched.
  let last: Buffer | null = null;

  while (received < size) {
    signal?.throwIfAborted();
    try {
      const { stream, status, total } = await client.openBlob(sha256, received, {
        idleTimeoutMs: idleMs,
        ...(signal ? { signal } : {}),
      });
      // A 200 to a Range request sends from byte 0: skip what was already handed over.
      let skip = status === 200 ? received : 0;
      if (total >= 0 && total !== size) {
        stream.destroy();
        throw new PncError(
          'LENGTH_MISMATCH',
          `The server has ${total} bytes for ${sha256.slice(0, 12)}…, the carmaker signed ${size}.`,
          {
            sha256,
            expected: size,
            actual: total,
          },
        );
      }
      try {
        for await (let chunk of stream as AsyncIterable<Buffer>) {
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          if (received + chunk.length > size) {
            throw new PncError(
              'LENGTH_MISMATCH',
              `The server sent more bytes than the carmaker signed for ${sha256.slice(0, 12)}….`,
              {
                sha256,
                expected: size,
              },
            );
          }
          received += chunk.length;
          hash.update(chunk);
          if (received === size) {
            // Still valid after the stream is closed: nothing reads into its buffer any more.
            last = chunk;
            break;
          }
          yield chunk;
        }
      } finally {
        stream.destroy();
      }
      if (received < size)
        throw new PncError('DOWNLOAD_FAILED', `The connection closed after ${received} of ${size} bytes.`);
    } catch (e) {
      const err =
        e instanceof PncError
          ? e
          : (e as NodeJS.ErrnoException).code === 'ETIMEDOUT'
            ? new PncError('TIMEOUT', `No data from the server for ${idleMs / 1000} s.`)
            : new PncError('DOWNLOAD_FAILED', (e as Error).message);
      const permanent =
        err.code === 'LENGTH_MISMATCH' ||
        err.code === 'NOT_FOUND' ||
        err.code === 'UNAUTHENTICATED' ||
        signal?.aborted;
      if (permanent || attempt >= retries)
        throw signal?.aborted ? new PncError('WRITE_CANCELLED', 'Cancelled.') : err;
      attempt++;
      opts.onResume?.({ attempt, offset: received, error: err.message });
      await sleep(
        Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), 10_000),
        undefined,
        signal ? { signal } : {},
      ).catch(() => undefined);
    }
  }
  verify(hash.digest('hex'), sha256);
  if (last) yield last;
}

function verify(actual: string, sha256: string): void {
  if (actual !== sha256) {
    throw new PncError(
      'HASH_MISMATCH',
      `The file ${sha256.slice(0, 12)}… from the server does not match the carmaker's signature.`,
      {
        expected: sha256,
        actual,
      },
    );
  }
}
