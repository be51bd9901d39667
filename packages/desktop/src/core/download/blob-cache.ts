import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { PncError, type PackageFile } from '@pnc/shared';
import type { BlobSource } from '../keys/write-key.js';

const BUFFER = 1024 * 1024;

export interface BlobCacheOptions {
  dir: string;
  /** Bytes the cache may hold; the least recently used blobs go first. */
  maxBytes: number;
  /** Where misses come from (the LAN server). */
  upstream: BlobSource;
}

/**
 * A workstation cache of verified blobs, so a second key for the same update does not download
 * it again. A hit is re-hashed while it streams (a disk can rot); a miss is streamed from the
 * server and kept only once its signed hash checked out. Capped by size, least recently used out.
 */
export function createBlobCache(opts: BlobCacheOptions): BlobSource & { prune(): Promise<void>; usage(): Promise<number> } {
  const pathOf = (sha: string) => join(opts.dir, sha);
  /** Bytes in the cache as last counted; null until first needed. */
  let total: number | null = null;

  async function* fromDisk(f: PackageFile, signal?: AbortSignal): AsyncGenerator<Buffer> {
    const h = createHash('sha256');
    let n = 0;
    for await (const chunk of createReadStream(pathOf(f.sha256), { highWaterMark: BUFFER, ...(signal ? { signal } : {}) }) as AsyncIterable<Buffer>) {
      h.update(chunk);
      n += chunk.length;
      yield chunk;
    }
    if (n !== f.size || h.digest('hex') !== f.sha256) {
      await rm(pathOf(f.sha256), { force: true });
      throw new PncError('HASH_MISMATCH', `A cached copy of ${f.path} was damaged on this computer's disk; it was removed. Write the key again.`);
    }
    const now = new Date();
    await utimes(pathOf(f.sha256), now, now).catch(() => undefined);
  }

  async function* throughCache(f: PackageFile, signal?: AbortSignal): AsyncGenerator<Buffer> {
    await mkdir(opts.dir, { recursive: true });
    const part = `${pathOf(f.sha256)}.${process.pid}.${Date.now()}.part`;
    const fh = await open(part, 'w');
    let kept = false;
    try {
      // The upstream verifies size and hash before its last chunk: reaching the end means good bytes.
      for await (const chunk of opts.upstream(f, signal)) {
        await fh.write(chunk);
        yield chunk;
      }
      await fh.sync();
      await fh.close();
      await rename(part, pathOf(f.sha256));
      kept = true;
    } finally {
      if (!kept) {
        await fh.close().catch(() => undefined);
        await rm(part, { force: true });
      }
    }
    // Prune only when the running total says the cap is passed (a full scan costs a stat per blob).
    total = total === null ? await usage() : total + f.size;
    if (total > opts.maxBytes) await prune();
  }

  async function entries(): Promise<Array<{ path: string; size: number; used: number }>> {
    const names = await readdir(opts.dir).catch(() => [] as string[]);
    const out: Array<{ path: string; size: number; used: number }> = [];
    for (const name of names) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const st = await stat(join(opts.dir, name)).catch(() => null);
      if (st) out.push({ path: join(opts.dir, name), size: st.size, used: st.mtimeMs });
    }
    return out;
  }

  async function usage(): Promise<number> {
    return (await entries()).reduce((n, e) => n + e.size, 0);
  }

  async function prune(): Promise<void> {
    const all = (await entries()).sort((a, b) => a.used - b.used);
    let sum = all.reduce((n, e) => n + e.size, 0);
    for (const e of all) {
      if (sum <= opts.maxBytes) break;
      await rm(e.path, { force: true });
      sum -= e.size;
    }
    total = sum;
  }

  const source = (f: PackageFile, signal?: AbortSignal): AsyncIterable<Buffer> => ({
    [Symbol.asyncIterator]: () => {
      // Files larger than the whole cache are streamed through without a copy.
      const gen = (async function* () {
        const hit = await stat(pathOf(f.sha256)).then(
          (s) => s.size === f.size,
          () => false,
        );
        if (hit) yield* fromDisk(f, signal);
        else if (f.size > opts.maxBytes) yield* opts.upstream(f, signal);
        else yield* throughCache(f, signal);
      })();
      return gen;
    },
  });
  return Object.assign(source, { prune, usage });
}
