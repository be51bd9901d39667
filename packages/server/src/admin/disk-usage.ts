import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';

export interface DiskUsage {
  path: string;
  totalBytes: number;
  freeBytes: number;
  storeBytes: number;
}

/** Bytes of regular files under `dir`, 0 when it does not exist. */
async function folderBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) {
    const p = join(e.parentPath, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

const STORE_SIZE_TTL_MS = 60_000;
const storeSizes = new Map<string, { at: number; bytes: Promise<number> }>();

/**
 * Space on the data folder's file system and what the content store takes. Walking the store is
 * the costly part (one stat per blob), so its size is remembered for a minute: the page polls.
 */
export async function diskUsage(dataDir: string, now = Date.now()): Promise<DiskUsage> {
  const fs = await statfs(dataDir);
  let cached = storeSizes.get(dataDir);
  if (!cached || now - cached.at > STORE_SIZE_TTL_MS) {
    cached = { at: now, bytes: folderBytes(join(dataDir, 'store')) };
    storeSizes.set(dataDir, cached);
  }
  return {
    path: dataDir,
    totalBytes: fs.blocks * fs.bsize,
    freeBytes: fs.bavail * fs.bsize,
    storeBytes: await cached.bytes,
  };
}
