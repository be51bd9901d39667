import { readFileSync } from 'node:fs';
import { Catalog } from '@pnc/shared';
import { getCurrentContent } from '../db/content.js';
import type { Db } from '../db/database.js';
import { blobPath } from '../store/blob-store.js';

let cached: { version: number; sha256: string; catalog: Catalog } | null = null;

/**
 * The catalog of a publication already read from the database, parsed once per published
 * version (the file in the store never changes).
 */
export function catalogOf(
  dataDir: string,
  current: { snapshotVersion: number; catalogSha256: string },
): Catalog {
  if (cached?.version !== current.snapshotVersion || cached.sha256 !== current.catalogSha256) {
    const catalog = Catalog.parse(JSON.parse(readFileSync(blobPath(dataDir, current.catalogSha256), 'utf8')));
    cached = { version: current.snapshotVersion, sha256: current.catalogSha256, catalog };
  }
  return cached.catalog;
}

/** The served catalog. */
export function loadCurrentCatalog(dataDir: string, db: Db): { version: number; catalog: Catalog } | null {
  const current = getCurrentContent(db);
  if (!current) return null;
  return { version: current.snapshotVersion, catalog: catalogOf(dataDir, current) };
}
