import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createSyncManager, type SyncManager } from '../../src/mirror/sync-manager.js';
import { provisionTrustedRoot } from '../../src/mirror/trusted-root.js';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { demoRepo, quietLog, tempDir } from '../helpers/mirror-fixtures.js';

describe('sync manager', () => {
  const tmp = tempDir('manager');
  const workdir = join(tmp.path, 'publisher');
  const dataDir = join(tmp.path, 'box');
  let origin: Origin;
  let manager: SyncManager;
  let db: ReturnType<typeof openDatabase>;

  beforeAll(async () => {
    await demoRepo(workdir);
    origin = await startOrigin({ root: () => join(workdir, 'repo'), bytesPerSecond: 4_000_000 });
    provisionTrustedRoot(dataDir, join(workdir, 'repo', 'metadata', '1.root.json'));
    db = openDatabase(join(dataDir, 'pnc.sqlite'));
    manager = createSyncManager({ dataDir, db, origin: origin.url, log: quietLog, schedule: { cron: '30 3 * * *', timezone: 'Europe/Rome' }, diskMarginBytes: 0 });
  });
  afterAll(async () => {
    await manager.stop();
    db.close();
    await origin.close();
    tmp.cleanup();
  });

  it('runs one sync at a time and reports progress as JSON', async () => {
    const first = manager.runNow('manual');
    const second = manager.runNow('manual');
    expect(second).toBe(first);
    await new Promise((r) => setTimeout(r, 300));
    const during = JSON.parse(JSON.stringify(manager.status())) as ReturnType<SyncManager['status']>;
    expect(during.running).toBe(true);
    const result = await first;
    expect(result.status).toBe('ok');
    const after = manager.status();
    expect(after.running).toBe(false);
    expect(after.progress.filesDone).toBe(after.progress.filesTotal);
    expect(after.content?.snapshotVersion).toBe(1);
    expect(after.content?.secondsToExpiry).toBeGreaterThan(6 * 86_400);
    expect(after.lastRun?.status).toBe('ok');
    expect(after.clock?.warning).toBeNull();
  });

  it('arms the schedule in its time zone and refuses bad cron syntax', () => {
    manager.start();
    expect(manager.status().schedule).toMatchObject({ cron: '30 3 * * *', timezone: 'Europe/Rome' });
    expect(manager.status().schedule?.nextRunAt).toMatch(/T0[12]:30:00/);
    expect(() => createSyncManager({ dataDir, db, origin: origin.url, log: quietLog, schedule: { cron: 'every night' } })).toThrow(/not valid cron/);
  });

  it('refuses a second sync from another process holding the lock', async () => {
    writeFileSync(join(dataDir, 'sync.lock'), String(process.ppid));
    await expect(manager.runNow('manual')).rejects.toMatchObject({ code: 'CONFLICT' });
    rmSync(join(dataDir, 'sync.lock'));
  });
});
