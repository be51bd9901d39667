import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fat32Reader, FAT32_MIN_VOLUME_BYTES } from '../../src/core/fat32/index.js';
import {
  fsckFindings,
  fsckPartition,
  GIB,
  MIB,
  mdirListing,
  PARTITION_OFFSET,
  run,
  stressTree,
  verifyVolume,
  withTempDir,
  writeImage,
} from '../helpers/fat-tools.js';

describe('FAT32 images checked by fsck.fat and mtools', () => {
  const tree = stressTree(3000);

  it.each([
    ['1 GiB', 1 * GIB, 4096],
    ['8 GiB', 8 * GIB, 4096],
    ['64 GiB', 64 * GIB, 32768],
    ['128 GiB', 128 * GIB, 32768],
  ])('%s sparse image with a stress tree', async (_name, volumeBytes, clusterBytes) => {
    await withTempDir(async (dir) => {
      const image = join(dir, 'key.img');
      const plan = await writeImage(image, volumeBytes, tree);
      expect(plan.clusterBytes).toBe(clusterBytes);
      expect(plan.dataOffset % MIB).toBe(0);

      // The free area stays a hole: what is allocated is about the data plus a few MiB of metadata.
      const allocated = (await stat(image)).blocks * 512;
      expect(allocated).toBeLessThan(plan.dataBytes + tree.length * clusterBytes + 16 * MIB);

      await verifyVolume(image, plan, tree);
    });
  });

  it('gives colliding long names unique Windows-style aliases that mdir shows next to them', async () => {
    await withTempDir(async (dir) => {
      const image = join(dir, 'key.img');
      const files = stressTree(0);
      await writeImage(image, GIB, files);
      const listing = await mdirListing(image);
      const aliases = Array.from({ length: 12 }, (_, i) => {
        const line = listing.split('\n').find((l) => l.endsWith(` Long File Name ${i + 1}.txt`));
        expect(line, `Long File Name ${i + 1}.txt`).toBeDefined();
        return line?.slice(0, 12).replace(/\s+/, '.');
      });
      // LONGFI~1.TXT is a real file, so the aliases start at ~2; past ~4 come hash-based ones.
      expect(aliases.slice(0, 3)).toEqual(['LONGFI~2.TXT', 'LONGFI~3.TXT', 'LONGFI~4.TXT']);
      for (const a of aliases.slice(3)) expect(a).toMatch(/^LO[0-9A-F]{4}~\d\.TXT$/);
      expect(new Set(aliases).size).toBe(12);
      expect(listing).toMatch(/^LONGFI~1 TXT +17 /m);
      expect(listing).toMatch(/^README +TXT +11 .* readme\.txt$/m);
    });
  });

  it('writes an empty key (label only)', async () => {
    await withTempDir(async (dir) => {
      const image = join(dir, 'key.img');
      const plan = await writeImage(image, 4 * GIB, []);
      expect(plan.freeClusters).toBe(plan.clusterCount - 1);
      const fsck = await fsckPartition(image, plan.partitionBytes);
      expect(fsck.code).toBe(0);
      expect(fsckFindings(fsck.stdout + fsck.stderr)).toEqual([]);
      // (mdir's recursive and bare listings fail on an empty root, even one made by mkfs.fat.)
      const mdir = await run('mdir', ['-i', `${image}@@${PARTITION_OFFSET}`, '::']);
      expect(mdir.code).toBe(0);
      expect(mdir.stdout).toContain('Volume in drive : is PNC_KEY');
      expect(mdir.stdout).toContain('No files');
      const reader = await Fat32Reader.open(image);
      expect(await reader.list()).toEqual([]);
      await reader.close();
    });
  });

  it('writes the smallest volume FAT32 allows', async () => {
    await withTempDir(async (dir) => {
      const image = join(dir, 'key.img');
      const files = stressTree(50);
      const plan = await writeImage(image, FAT32_MIN_VOLUME_BYTES, files);
      expect(plan.clusterCount).toBe(65_525);
      await verifyVolume(image, plan, files);
    });
  });
});
