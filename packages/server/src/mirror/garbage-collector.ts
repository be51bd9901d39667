import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '@pnc/shared';
import type { Logger } from 'pino';
import { dataDirLayout } from '../config/data-dir.js';
import { blobLastReferenced, forgetBlob, keptCatalogs } from '../db/content.js';
import type { Db } from '../db/database.js';
import { blobPath, listStoredBlobs, removeBlob } from '../store/blob-store.js';

export const DEFAULT_RETENTION_DAYS = 14;

/** Every hash a catalog needs: its own file, the vehicle registry, package and channel files. */
export function catalogBlobs(catalog: Catalog): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of catalog.packages) for (const f of p.files) out.set(f.sha256, f.size);
  for (const c of catalog.channels) out.set(c.file.sha256, c.file.size);
  return out;
}

/**
 * Deletes blobs no kept catalog (current, previous) references and nothing used for the retention
 * period; also stale partial downloads. Runs after a publication, never during one.
 */
export function collectGarbage(
  dataDir: string,
  db: Db,
  retentionDays: number,
  now: Date,
  log: Logger,
): { removed: number; freedBytes: number } {
  const keep = new Set<string>();
  for (const c of keptCatalogs(db)) {
    keep.add(c.catalogSha256);
    if (c.vehiclesSha256) keep.add(c.vehiclesSha256);
    try {
      const catalog = Catalog.parse(JSON.parse(readFileSync(blobPath(dataDir, c.catalogSha256), 'utf8')));
      for (const h of catalogBlobs(catalog).keys()) keep.add(h);
    } catch (err) {
      // Without the catalog we cannot know what it references: keep everything this time.
      log.warn(
        { err, catalog: c.catalogSha256 },
        'a kept catalog cannot be read; skipping garbage collection',
      );
      return { removed: 0, freedBytes: 0 };
    }
  }
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const lastUse = blobLastReferenced(db);
  let removed = 0;
  let freedBytes = 0;
  for (const sha256 of listStoredBlobs(dataDir)) {
    if (keep.has(sha256)) continue;
    const st = statSync(blobPath(dataDir, sha256), { throwIfNoEntry: false });
    if (!st) continue;
    const used = lastUse.get(sha256);
    const usedAt = used ? Date.parse(used) : st.mtimeMs;
    if (usedAt > cutoff) continue;
    removeBlob(dataDir, sha256);
    forgetBlob(db, sha256);
    removed++;
    freedBytes += st.size;
  }
  const partialDir = dataDirLayout(dataDir).partial;
  for (const name of readdirSync(partialDir)) {
    const path = join(partialDir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && st.mtimeMs < cutoff) {
      rmSync(path, { force: true });
      freedBytes += st.size;
    }
  }
  if (removed) log.info({ removed, freedBytes }, 'unreferenced blobs collected');
  return { removed, freedBytes };
}
