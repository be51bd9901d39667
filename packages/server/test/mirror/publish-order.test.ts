import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as FsPromises from 'node:fs/promises';
import type * as Content from '../../src/db/content.js';
import { getCurrentContent } from '../../src/db/content.js';
import { dataDirLayout } from '../../src/config/data-dir.js';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, makeBox, tempDir } from '../helpers/mirror-fixtures.js';

/** What reached the disk, in order: fsyncs (by path), renames (by source) and the publication. */
const { events } = vi.hoisted(() => ({ events: [] as string[] }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const open: typeof real.open = async (path, ...rest) => {
    const fh = await real.open(path, ...rest);
    const sync = fh.sync.bind(fh);
    fh.sync = async () => {
      await sync();
      events.push(`fsync ${String(path)}`);
    };
    return fh;
  };
  const rename: typeof real.rename = async (from, to) => {
    await real.rename(from, to);
    events.push(`rename ${String(from)}`);
  };
  return { ...real, default: { ...real, open, rename }, open, rename };
});

vi.mock('../../src/db/content.js', async (importOriginal) => {
  const real = await importOriginal<typeof Content>();
  return {
    ...real,
    publishCatalog: (...args: Parameters<typeof real.publishCatalog>) => {
      events.push('publish');
      return real.publishCatalog(...args);
    },
  };
});

describe('publication order', () => {
  const tmp = tempDir('publish-order');
  const workdir = join(tmp.path, 'publisher');
  let origin: Origin;

  beforeAll(async () => {
    await demoRepo(workdir, 3 * 1024 * 1024 + 4321);
    origin = await startOrigin({ root: () => join(workdir, 'repo') });
  });
  afterAll(async () => {
    await origin.close();
    tmp.cleanup();
  });

  it('publishes only after every blob was fsynced, renamed into the store and its folder fsynced', async () => {
    const box = makeBox(join(tmp.path, 'box'), workdir);
    events.length = 0;
    const result = await box.sync(origin.url);
    expect(result.status).toBe('ok');
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(getCurrentContent(box.db)!.snapshotVersion);

    const { partial, store } = dataDirLayout(box.dataDir);
    const at = (e: string): number => events.indexOf(e);
    const publish = at('publish');
    expect(publish).toBeGreaterThan(0);
    const renamed = events
      .filter((e) => e.startsWith(`rename ${partial}/`))
      .map((e) => e.slice('rename '.length));
    expect(renamed.length).toBeGreaterThan(2);
    for (const p of renamed) {
      expect(at(`fsync ${p}`), `${p} fsynced before its rename`).toBeGreaterThanOrEqual(0);
      expect(at(`fsync ${p}`)).toBeLessThan(at(`rename ${p}`));
      expect(at(`rename ${p}`)).toBeLessThan(publish);
      const dir = join(store, p.slice(partial.length + 1, partial.length + 3));
      const dirSync = events.lastIndexOf(`fsync ${dir}`);
      expect(dirSync, `${dir} fsynced after the rename, before the publication`).toBeGreaterThan(
        at(`rename ${p}`),
      );
      expect(dirSync).toBeLessThan(publish);
    }
    await box.close();
  });
});
