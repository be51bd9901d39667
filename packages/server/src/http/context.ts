import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import type { ServerConfig } from '../config/config.js';
import type { SyncManager } from '../mirror/sync-manager.js';

/** What the routes need, injected so the app can be built in tests without listening. */
export interface AppDeps {
  config: ServerConfig;
  db: Db;
  log: Logger;
  /** Absent when the box has no origin configured (serves what it has). */
  sync?: SyncManager;
  version: string;
}
