import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** 1 MiB reads: the 64 KiB stream default costs 2–3× in hashing throughput. */
export const IO_CHUNK = 1024 * 1024;

export interface FileDigest {
  sha256: string;
  size: number;
}

/** Feeds a file (or its first `end` bytes) into a running hash; returns the bytes read. */
export async function feedFile(hash: Hash, path: string, end?: number): Promise<number> {
  if (end === 0) return 0;
  let size = 0;
  const stream = createReadStream(path, {
    highWaterMark: IO_CHUNK,
    ...(end !== undefined ? { end: end - 1 } : {}),
  });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return size;
}

export async function hashFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  const size = await feedFile(hash, path);
  return { sha256: hash.digest('hex'), size };
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
