import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  openSync,
  closeSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { IO_CHUNK } from '../store/hashing.js';
import type { Workdir } from './workdir.js';

export function repoBlobPath(w: Workdir, sha256: string): string {
  return join(w.blobs, sha256);
}

/**
 * Copies a file into `repo/blobs/sha256/<hash>`, hashing on the way. A blob already there is
 * kept as is: blobs never change in place, and equal content is stored once.
 */
export async function ingestFile(w: Workdir, source: string): Promise<{ sha256: string; size: number }> {
  const tmp = join(w.blobs, `.ingest-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const hash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      createReadStream(source, { highWaterMark: IO_CHUNK }),
      new Transform({
        highWaterMark: IO_CHUNK,
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          cb(null, chunk);
        },
      }),
      createWriteStream(tmp, { highWaterMark: IO_CHUNK }),
    );
    const sha256 = hash.digest('hex');
    const target = repoBlobPath(w, sha256);
    if (existsSync(target)) {
      rmSync(tmp);
    } else {
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, target);
    }
    return { sha256, size };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
