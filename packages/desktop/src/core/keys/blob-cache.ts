import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { PncError, type PackageFile } from '@pnc/shared';
import type { BlobSource } from './write-key.js';

const HASH = /^[0-9a-f]{64}$/;

/**
 * The workstation's download cache: signed files kept by sha256, so a second key for the same
 * updates (another car, a key that failed) is written without downloading again. Every byte read
 * from the cache is hashed again; a damaged copy is removed and the rest comes from the server.
 * The least recently used files go first when the cache is over its size.
 */
export function createBlobCache(dir: string, maxBytes: () => Promise<number>) {
  async function entries(): Promise<Array<{ path: string; size: number; used: number }>> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const out = await Promise.all(
      names
        .filter((n) => HASH.test(n))
        .map(async (n) => {
          const st = await stat(join(dir, n)).catch(() => null);
          return st ? { path: join(dir, n), size: st.size, used: st.mtimeMs } : null;
        }),
    );
    return out.filter((e) => e !== null);
  }

  async function evict(max: number): Promise<void> {
    const all = (await entries()).sort((a, b) => a.used - b.used);
    let total = all.reduce((n, e) => n + e.size, 0);
    for (const e of all) {
      if (total <= max) break;
      await rm(e.path, { force: true });
      total -= e.size;
    }
  }

  /** Streams a cached copy, held to the signed hash; stops (returns the bytes handed over) if it is damaged. */
  async function* fromCache(path: string, file: PackageFile, signal?: AbortSignal): AsyncGenerator<Buffer, number> {
    const hash = createHash('sha256');
    let handed = 0;
    let held: Buffer | null = null;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      if (held) {
        yield held;
        handed += held.length;
      }
      held = chunk;
    }
    if (hash.digest('hex') === file.sha256 && held) {
      yield held;
      return handed + held.length;
    }
    await rm(path, { force: true });
    return handed;
  }

  return {
    /** Wraps the server as a source: cached files are read locally, the others downloaded and kept. */
    source(download: BlobSource): BlobSource {
      return async function* (file, signal) {
        if (!HASH.test(file.sha256)) throw new PncError('VALIDATION_FAILED', 'Not a sha256.');
        const max = await maxBytes();
        const path = join(dir, file.sha256);
        let skip = 0;
        if (max > 0 && (await stat(path).catch(() => null))?.size === file.size) {
          const now = new Date();
          await utimes(path, now, now).catch(() => undefined);
          const it = fromCache(path, file, signal);
          let r = await it.next();
          while (!r.done) {
            yield r.value;
            r = await it.next();
          }
          if (r.value === file.size) return;
          skip = r.value; // damaged copy: the server sends the rest (the whole file is hashed again)
        }
        const keep = max > 0 && file.size <= max && skip === 0;
        const tmp = join(dir, `${file.sha256}.${randomUUID()}.part`);
        const fh = keep ? await mkdir(dir, { recursive: true }).then(() => open(tmp, 'w')) : null;
        let complete = false;
        try {
          for await (const chunk of download(file, signal)) {
            if (fh) await fh.write(chunk);
            if (skip >= chunk.length) {
              skip -= chunk.length;
              continue;
            }
            yield skip > 0 ? chunk.subarray(skip) : chunk;
            skip = 0;
          }
          complete = true;
        } finally {
          await fh?.close().catch(() => undefined);
          if (fh && complete) {
            // The download verified the signed hash before its last chunk: the copy is good.
            await rename(tmp, path).catch(() => rm(tmp, { force: true }));
            await evict(max).catch(() => undefined);
          } else if (fh) {
            await rm(tmp, { force: true });
          }
        }
      };
    },
    async usage(): Promise<{ bytes: number; files: number }> {
      const all = await entries();
      return { bytes: all.reduce((n, e) => n + e.size, 0), files: all.length };
    },
    async clear(): Promise<void> {
      await rm(dir, { recursive: true, force: true });
    },
    evict,
  };
}
export type BlobCache = ReturnType<typeof createBlobCache>;
