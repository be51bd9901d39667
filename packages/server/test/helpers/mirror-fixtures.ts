import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '@pnc/shared';
import { pino } from 'pino';
import { ensureDataDir } from '../../src/config/data-dir.js';
import { getCurrentContent } from '../../src/db/content.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { catalogBlobs } from '../../src/mirror/garbage-collector.js';
import { OriginHttp } from '../../src/mirror/origin-http.js';
import { runSync, type SyncOptions, type SyncResult } from '../../src/mirror/sync-run.js';
import { provisionTrustedRoot } from '../../src/mirror/trusted-root.js';
import { buildDemo } from '../../src/publisher/demo.js';
import { blobPath } from '../../src/store/blob-store.js';
import { hashFile } from '../../src/store/hashing.js';

export const quietLog = pino({ level: 'silent' });

export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `pnc-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A publisher folder with the demo content published (small by default). */
export async function demoRepo(workdir: string, size = 2 * 1024 * 1024): Promise<void> {
  await buildDemo(workdir, { size, seed: 7 });
}

export interface Box {
  dataDir: string;
  db: Db;
  http: OriginHttp;
  sync(origin: string, extra?: Partial<SyncOptions>): Promise<SyncResult>;
  close(): Promise<void>;
}

/** A dealer box data folder provisioned with the publisher's first root. */
export function makeBox(dataDir: string, workdir: string, idleTimeoutMs = 5000): Box {
  ensureDataDir(dataDir);
  provisionTrustedRoot(dataDir, join(workdir, 'repo', 'metadata', '1.root.json'));
  const db = openDatabase(join(dataDir, 'pnc.sqlite'));
  const http = new OriginHttp(idleTimeoutMs);
  return {
    dataDir,
    db,
    http,
    sync: (origin, extra = {}) =>
      runSync({ dataDir, db, origin, log: quietLog, http, trigger: 'test', retryDelayMs: 50, diskMarginBytes: 0, ...extra }),
    close: async () => {
      db.close();
      await http.close();
    },
  };
}

/**
 * The invariant every fault must keep: what is served is one complete catalog — its file, its
 * vehicle registry and every blob present in the store with the right hash.
 */
export async function assertServedComplete(dataDir: string, db: Db): Promise<number | null> {
  const current = getCurrentContent(db);
  if (!current) return null;
  const catalog = Catalog.parse(JSON.parse(readFileSync(blobPath(dataDir, current.catalogSha256), 'utf8')));
  const wanted = catalogBlobs(catalog);
  wanted.set(current.catalogSha256, -1);
  if (current.vehiclesSha256) wanted.set(current.vehiclesSha256, -1);
  for (const [sha256, size] of wanted) {
    const d = await hashFile(blobPath(dataDir, sha256));
    if (d.sha256 !== sha256 || (size >= 0 && d.size !== size)) throw new Error(`served blob ${sha256} is corrupt`);
  }
  return current.snapshotVersion;
}
