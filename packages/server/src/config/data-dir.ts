import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the dealer box keeps everything; one folder, so a box swap is a copy of it. */
export interface DataDirLayout {
  root: string;
  database: string;
  trustedRoot: string;
  tuf: string;
  store: string;
  partial: string;
  served: string;
  syncLock: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  return {
    root: dataDir,
    database: join(dataDir, 'pnc.sqlite'),
    trustedRoot: join(dataDir, 'trusted-root.json'),
    tuf: join(dataDir, 'tuf'),
    store: join(dataDir, 'store', 'sha256'),
    partial: join(dataDir, 'store', 'partial'),
    served: join(dataDir, 'served'),
    syncLock: join(dataDir, 'sync.lock'),
  };
}

/** Creates the folders a sync writes into; harmless when they exist. */
export function ensureDataDir(dataDir: string): DataDirLayout {
  const layout = dataDirLayout(dataDir);
  for (const dir of [layout.tuf, layout.store, layout.partial, layout.served])
    mkdirSync(dir, { recursive: true });
  return layout;
}
