import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config/config.js';
import { openDatabase, type Db } from './db/database.js';
import { buildApp } from './http/app.js';
import { createSyncManager, type SyncManager } from './mirror/sync-manager.js';
import { dataDirLayout } from './config/data-dir.js';
import { provisionTrustedRoot } from './mirror/trusted-root.js';
import { SERVER_VERSION } from './version.js';
import { createAccounts } from './accounts/accounts.js';
import { createOutboxUploader, type OutboxUploader } from './installations/outbox-uploader.js';
import { join, resolve } from 'node:path';
import { startDiscovery, type Discovery } from './discovery/discovery.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  db: Db;
  sync: SyncManager | undefined;
  /** LAN advertisement; undefined when `discovery` is off. */
  discovery: Discovery | undefined;
  log: Logger;
  stop(): Promise<void>;
}

/** Starts the box: database, mirror schedule, HTTP API. `stop` undoes it in reverse order. */
export async function startServer(
  config: ServerConfig,
  log: Logger = pino({ level: config.logLevel }),
): Promise<RunningServer> {
  if (config.trustedRoot) provisionTrustedRoot(config.dataDir, resolve(config.trustedRoot));
  const db = openDatabase(dataDirLayout(config.dataDir).database);
  let sync: SyncManager | undefined;
  if (config.origin) {
    sync = createSyncManager({
      dataDir: config.dataDir,
      db,
      origin: config.origin,
      log: log.child({ component: 'mirror' }),
      schedule: { cron: config.syncCron, ...(config.timezone ? { timezone: config.timezone } : {}) },
    });
  }
  const accounts = createAccounts(db);
  const firstAccessFile = join(config.dataDir, 'first-access-password.txt');
  const firstPassword = await accounts.ensureFirstAccess(firstAccessFile);
  if (firstPassword) {
    // Shown once, and kept in a 0600 file until the admin changes it at first sign-in.
    log.warn(
      { username: 'admin', file: firstAccessFile },
      `first access: sign in as "admin" with the one-time password ${firstPassword}`,
    );
  }
  let outbox: OutboxUploader | undefined;
  if (config.outboxUrl) {
    outbox = createOutboxUploader({
      db,
      url: config.outboxUrl,
      dealerCode: config.dealerCode,
      log: log.child({ component: 'outbox' }),
    });
  }
  const app = await buildApp({
    config,
    db,
    log,
    version: SERVER_VERSION,
    accounts,
    ...(sync ? { sync } : {}),
    ...(outbox ? { outbox } : {}),
  });
  const address = await app.listen({ host: config.host, port: config.port });
  log.info(
    { address, dataDir: config.dataDir, origin: config.origin ?? null },
    "Plug'nConnect SRV listening",
  );
  const httpPort = (app.server.address() as AddressInfo).port;
  const discovery = config.discovery
    ? await startDiscovery({
        name: config.name,
        dealerCode: config.dealerCode,
        version: SERVER_VERSION,
        httpPort,
        httpHost: config.host,
        udpPort: config.udpPort,
        log: log.child({ component: 'discovery' }),
      })
    : undefined;
  outbox?.start();
  if (sync) {
    sync.start();
    if (config.syncOnStart) {
      sync
        .runNow('start')
        .catch((err: unknown) =>
          log.warn({ err }, 'synchronisation at start failed; serving the previous content'),
        );
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    app,
    url: address.replace('0.0.0.0', '127.0.0.1'),
    db,
    sync,
    discovery,
    log,
    stop() {
      stopping ??= (async () => {
        // Say goodbye on the LAN first, so workstations stop offering a box that is going away.
        await discovery?.stop();
        await app.close();
        await outbox?.stop();
        await sync?.stop();
        db.close();
      })();
      return stopping;
    },
  };
}
