import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import type { ServerConfig } from '../config/config.js';
import type { SyncManager } from '../mirror/sync-manager.js';
import type { Accounts } from '../accounts/accounts.js';
import type { OutboxUploader } from '../installations/outbox-uploader.js';

/** What the routes need, injected so the app can be built in tests without listening. */
export interface AppDeps {
  config: ServerConfig;
  db: Db;
  log: Logger;
  /** Absent when the box has no origin configured (serves what it has). */
  sync?: SyncManager;
  version: string;
  accounts: Accounts;
  /** Absent when no carmaker endpoint is configured: confirmations wait in the outbox. */
  outbox?: OutboxUploader;
}
