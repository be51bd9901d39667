import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Updater } from 'tuf-js';
import { findVehicle, getCurrentContent, keptCatalogs, listSyncRuns } from '../../src/db/content.js';
import { loadCurrentCatalog } from '../../src/mirror/catalog-cache.js';
import { resolveServedMetadata, resolveServedTarget } from '../../src/mirror/served-repo.js';
import { addPackage, removePackage } from '../../src/publisher/content-ops.js';
import { publish, rotateKey } from '../../src/publisher/repository.js';
import { listStoredBlobs } from '../../src/store/blob-store.js';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, makeBox, tempDir, type Box } from '../helpers/mirror-fixtures.js';

describe('mirror: publisher → origin → box', () => {
  const tmp = tempDir('sync');
  const workdir = join(tmp.path, 'publisher');
  let origin: Origin;
  let box: Box;

  beforeAll(async () => {
    await demoRepo(workdir);
    origin = await startOrigin({ root: () => join(workdir, 'repo') });
    box = makeBox(join(tmp.path, 'box'), workdir);
  });
  afterAll(async () => {
    await box.close();
    await origin.close();
    tmp.cleanup();
  });

  it('mirrors the demo: catalog, vehicles, every blob verified, metadata served', async () => {
    const r = await box.sync(origin.url);
    expect(r.status).toBe('ok');
    expect(r.snapshotVersion).toBe(1);
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(1);
    const current = getCurrentContent(box.db)!;
    expect(current.packageCount).toBe(5);
    expect(findVehicle(box.db, 'UU1DJF00869456789')?.openCampaigns).toEqual(['OTS-23-EL54']);
    expect(loadCurrentCatalog(box.dataDir, box.db)?.catalog.channels.map((c) => c.channel).sort()).toEqual(['desktop-installer', 'diagnostic-iso']);
    expect(resolveServedMetadata(box.dataDir, box.db, 'timestamp.json')).toMatch(/timestamp\.1\.json$/);
    expect(resolveServedMetadata(box.dataDir, box.db, '1.root.json')).not.toBeNull();
    expect(resolveServedMetadata(box.dataDir, box.db, '2.snapshot.json')).toBeNull();
    expect(resolveServedMetadata(box.dataDir, box.db, '../pnc.sqlite')).toBeNull();
    expect(resolveServedMetadata(box.dataDir, box.db, '1.root.json/../../x')).toBeNull();
    expect(resolveServedTarget(box.dataDir, `${current.catalogSha256}.catalog.json`)).not.toBeNull();
    expect(resolveServedTarget(box.dataDir, `../${current.catalogSha256}.catalog.json`)).toBeNull();
  });

  it('serves metadata a TUF client verifies, as a workstation would', async () => {
    const client = tempDir('client');
    try {
      const served = join(box.dataDir, 'served');
      const metaDir = join(client.path, 'meta');
      mkdirSync(metaDir);
      writeFileSync(join(metaDir, 'root.json'), readFileSync(join(workdir, 'repo', 'metadata', '1.root.json')));
      // Serve the box's view: timestamp.json → the current copy, targets by hash from the store.
      const boxOrigin = await startOrigin({
        root: () => served,
        fault: (path) => (path === '/timestamp.json' ? { kind: 'replace', body: readFileSync(resolveServedMetadata(box.dataDir, box.db, 'timestamp.json')!) } : undefined),
      });
      try {
        const updater = new Updater({ metadataDir: metaDir, metadataBaseUrl: `${boxOrigin.url}/` });
        await updater.refresh();
        const info = await updater.getTargetInfo('catalog.json');
        expect(info?.hashes['sha256']).toBe(getCurrentContent(box.db)!.catalogSha256);
      } finally {
        await boxOrigin.close();
      }
    } finally {
      client.cleanup();
    }
  });

  it('a second sync with nothing new downloads no blob and is quick', async () => {
    const before = origin.requests.length;
    const t0 = Date.now();
    const r = await box.sync(origin.url);
    expect(r.status).toBe('unchanged');
    expect(r.bytesDownloaded).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    const paths = origin.requests.slice(before).map((q) => q.path);
    expect(paths.filter((p) => p.startsWith('/blobs/') || p.startsWith('/targets/'))).toEqual([]);
    expect(paths).toContain('/metadata/timestamp.json');
  });

  it('publishes a new version atomically, keeps the previous, downloads only new blobs', async () => {
    const src = join(tmp.path, 'pkg');
    mkdirSync(join(src, 'EASYLINK', 'Correctif'), { recursive: true });
    writeFileSync(join(src, 'EASYLINK', 'Correctif', 'Correctif rapide 5.4.1.pkg'), Buffer.alloc(300_000, 7));
    writeFileSync(
      join(tmp.path, 'pkg.json'),
      JSON.stringify({ id: 'EASYLINK-SOFT-5.4.1', kind: 'SOFT', family: 'EASYLINK', version: '5.4.1', region: '*', title: { en: 'EASY LINK 5.4.1' } }),
    );
    await addPackage(workdir, { folder: src, metaFile: join(tmp.path, 'pkg.json') });
    removePackage(workdir, 'RLINK2-SOFT-11.1.0');
    publish(workdir);
    const before = origin.requests.length;
    const r = await box.sync(origin.url);
    expect(r.status).toBe('ok');
    expect(r.snapshotVersion).toBe(2);
    expect(r.previousSnapshotVersion).toBe(1);
    const blobRequests = origin.requests.slice(before).filter((q) => q.path.startsWith('/blobs/'));
    expect(blobRequests.length).toBe(1);
    expect(keptCatalogs(box.db).map((c) => [c.snapshotVersion, c.state]).sort()).toEqual([
      [1, 'previous'],
      [2, 'current'],
    ]);
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(2);
    expect(listSyncRuns(box.db, 10).map((s) => s.status)).toEqual(['ok', 'unchanged', 'ok']);
  });

  it('follows a key rotation through the root chain and serves every root', async () => {
    rotateKey(workdir, 'timestamp');
    rotateKey(workdir, 'root');
    const r = await box.sync(origin.url);
    expect(r.status).toBe('ok');
    expect(r.snapshotVersion).toBe(4);
    for (const v of [1, 2, 3]) expect(resolveServedMetadata(box.dataDir, box.db, `${v}.root.json`)).not.toBeNull();
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(4);
  });

  it('collects blobs no kept catalog references once the retention has passed', async () => {
    removePackage(workdir, 'RLINK2-SOFT-11.2.0');
    publish(workdir);
    await box.sync(origin.url, { retentionDays: 1 });
    const fontsStillKept = listStoredBlobs(box.dataDir).length;
    removePackage(workdir, 'EASYLINK-SOFT-5.4.1');
    publish(workdir);
    const r = await box.sync(origin.url, { retentionDays: 0 });
    expect(r.status).toBe('ok');
    const after = listStoredBlobs(box.dataDir);
    expect(after.length).toBeLessThan(fontsStillKept);
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(r.snapshotVersion);
    // The previous catalog stays whole too: it is kept for rollback.
    const previous = keptCatalogs(box.db).find((c) => c.state === 'previous')!;
    expect(existsSync(join(box.dataDir, 'store', 'sha256', previous.catalogSha256.slice(0, 2), previous.catalogSha256))).toBe(true);
  });
});
