import { createHash } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPncError, PncError } from '@pnc/shared/errors';
import { networkError, type OriginHttp } from '../mirror/origin-http.js';
import { commitBlobDurably, type BlobCommits } from './blob-commits.js';
import { hasBlob, partialPath } from './blob-store.js';
import { receiveInto, type SinkState } from './body-sink.js';
import { feedFile } from './hashing.js';

export interface BlobRef {
  sha256: string;
  size: number;
}

export interface DownloadOptions {
  dataDir: string;
  http: OriginHttp;
  /** URL of the blob at the origin. */
  url: string;
  /** Awaited for every chunk (the sync's bandwidth windows). */
  throttle?: { take(n: number): Promise<void> };
  signal?: AbortSignal;
  /** Called with bytes found in a partial file (`resumed`) or received (`downloaded`). */
  onBytes?: (n: number, how: 'resumed' | 'downloaded') => void;
  /** Attempts without any progress before giving up (progress resets the count). */
  maxStalledAttempts?: number;
  retryDelayMs?: number;
  /**
   * Hands the verified file over to be made durable in the background (the caller settles it
   * before relying on the blob); without it the blob is in the store, durably, on return.
   */
  commits?: BlobCommits;
  /** See SinkOptions.syncWrites. */
  syncWrites?: boolean;
}

/** Errors worth another attempt: transport trouble, server errors, short or corrupt bodies. */
function retryable(e: unknown): boolean {
  if (!isPncError(e)) return true;
  return ['DOWNLOAD_FAILED', 'TIMEOUT', 'SERVER_UNREACHABLE', 'HASH_MISMATCH', 'LENGTH_MISMATCH'].includes(
    (e as PncError).code,
  );
}

function contentRange(h: string | string[] | undefined): { start: number; total: number } | null {
  const m = typeof h === 'string' ? /^bytes (\d+)-\d+\/(\d+)$/.exec(h) : null;
  return m ? { start: Number(m[1]), total: Number(m[2]) } : null;
}

/**
 * Downloads one blob into the store: resumes a partial file with Range (across restarts), hashes
 * while writing, never writes past the signed length, fsyncs and renames into place (now, or
 * through `opts.commits`). A changed total or a 200 answer to a Range request restarts the file
 * cleanly. Returns bytes received.
 */
export async function downloadBlob(blob: BlobRef, opts: DownloadOptions): Promise<number> {
  if (hasBlob(opts.dataDir, blob.sha256, blob.size)) return 0;
  const partial = partialPath(opts.dataDir, blob.sha256);
  const maxStalled = opts.maxStalledAttempts ?? 5;
  let stalled = 0;
  let hashFailures = 0;
  const st: Progress = {
    have: (await stat(partial).catch(() => null))?.size ?? 0,
    hash: createHash('sha256'),
    received: 0,
  };
  if (st.have > blob.size) await restart(st, partial);
  if (st.have > 0) {
    st.have = await feedFile(st.hash, partial, st.have);
    opts.onBytes?.(st.have, 'resumed');
  }
  for (;;) {
    const before = st.received;
    try {
      if (st.have < blob.size) {
        await fetchInto(blob, partial, st, opts);
        if (st.have < blob.size) {
          throw new PncError(
            'DOWNLOAD_FAILED',
            `The origin closed ${blob.sha256.slice(0, 12)}… after ${st.have} of ${blob.size} bytes.`,
          );
        }
      }
      const digest = st.hash.digest('hex');
      if (digest !== blob.sha256) {
        await restart(st, partial);
        throw new PncError(
          'HASH_MISMATCH',
          `Blob ${blob.sha256} arrived with sha256 ${digest}: the bytes are corrupt.`,
          { sha256: blob.sha256 },
        );
      }
      if (opts.commits) opts.commits.add(blob.sha256, partial);
      else await commitBlobDurably(opts.dataDir, blob.sha256, partial);
      return st.received;
    } catch (e) {
      const err = isPncError(e) ? (e as PncError) : networkError(e, opts.url);
      if (opts.signal?.aborted || !retryable(err)) throw err;
      if (err.code === 'HASH_MISMATCH' && ++hashFailures >= 2) throw err;
      stalled = st.received > before ? 0 : stalled + 1;
      if (stalled >= maxStalled) throw err;
      await sleep(
        (opts.retryDelayMs ?? 1000) * Math.min(2 ** stalled, 30),
        undefined,
        opts.signal ? { signal: opts.signal } : {},
      ).catch(() => {
        throw err;
      });
    }
  }
}

/** Where a download stands; updated as bytes land so a failure mid-body loses nothing. */
type Progress = SinkState;

async function restart(st: Progress, partial: string): Promise<void> {
  await rm(partial, { force: true });
  st.have = 0;
  st.hash = createHash('sha256');
}

async function fetchInto(blob: BlobRef, partial: string, st: Progress, opts: DownloadOptions): Promise<void> {
  const res = await opts.http.getBlob(opts.url, st.have > 0 ? { range: `bytes=${st.have}-` } : {}, opts.signal);
  if (res.statusCode === 206 && st.have > 0) {
    const range = contentRange(res.headers['content-range']);
    if (!range || range.start !== st.have || range.total !== blob.size) {
      // The origin's file differs from the one we started: start over rather than splice.
      res.body.destroy();
      await restart(st, partial);
      throw new PncError(
        'LENGTH_MISMATCH',
        `The origin's size for ${blob.sha256.slice(0, 12)}… changed; restarting it.`,
      );
    }
  } else if (res.statusCode === 200) {
    const len = Number(res.headers['content-length'] ?? blob.size);
    if (len !== blob.size) {
      res.body.destroy();
      throw new PncError(
        'LENGTH_MISMATCH',
        `The origin serves ${len} bytes for ${blob.sha256.slice(0, 12)}…, the catalog signed ${blob.size}.`,
      );
    }
    if (st.have > 0) await restart(st, partial);
  } else if (res.statusCode === 416) {
    res.body.destroy();
    await restart(st, partial);
    throw new PncError(
      'LENGTH_MISMATCH',
      `The origin refused the resume of ${blob.sha256.slice(0, 12)}…; restarting it.`,
    );
  } else {
    res.body.destroy();
    const code = res.statusCode === 404 || res.statusCode === 403 ? 'NOT_FOUND' : 'DOWNLOAD_FAILED';
    throw new PncError(code, `The origin answered HTTP ${res.statusCode} for blob ${blob.sha256}.`, {
      status: res.statusCode,
    });
  }
  const fh = await open(partial, st.have === 0 ? 'w' : 'a');
  try {
    await receiveInto(res.body, fh, st, blob.size, {
      ...(opts.throttle ? { throttle: opts.throttle } : {}),
      onBytes: (n) => opts.onBytes?.(n, 'downloaded'),
      ...(opts.syncWrites ? { syncWrites: true } : {}),
    });
  } catch (e) {
    throw networkError(e, opts.url);
  } finally {
    await fh.close();
    res.body.destroy();
  }
}
