import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIB, MIB, stressTree, withTempDir, writeImage } from '../helpers/fat-tools.js';

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, position);
    return buf;
  } finally {
    await fh.close();
  }
}

describe('on-disk structures', () => {
  it('MBR, boot sector with its backup, FSInfo and two identical FATs', async () => {
    await withTempDir(async (dir) => {
      const image = join(dir, 'key.img');
      const files = stressTree(20);
      const plan = await writeImage(image, 16 * GIB, files);

      const head = await readAt(image, 0, MIB);
      expect(head.readUInt16LE(510)).toBe(0xaa55);
      expect(head[446 + 4]).toBe(0x0c); // FAT32 with LBA addressing
      expect(head.readUInt32LE(446 + 8)).toBe(2048);
      expect(head.readUInt32LE(446 + 12) * 512).toBe(plan.partitionBytes);
      expect(head.readUInt32LE(446 + 16 + 4)).toBe(0); // no second partition
      // Everything between the MBR and the partition is zeroed: no stale GPT header survives.
      expect(head.subarray(512).every((b) => b === 0)).toBe(true);

      const reserved = await readAt(image, plan.partitionOffset, plan.reservedSectors * 512);
      const sector = (n: number) => reserved.subarray(n * 512, (n + 1) * 512);
      const boot = sector(0);
      expect([...boot.subarray(0, 3)]).toEqual([0xeb, 0x58, 0x90]);
      expect(boot.readUInt16LE(11)).toBe(512);
      expect(boot[13]).toBe(plan.clusterBytes / 512);
      expect(boot.readUInt16LE(14)).toBe(plan.reservedSectors);
      expect(boot[16]).toBe(2);
      expect(boot[21]).toBe(0xf8);
      expect(boot.readUInt32LE(28)).toBe(2048); // hidden sectors = partition start
      expect(boot.readUInt32LE(36)).toBe(plan.fatSectors);
      expect(boot.readUInt32LE(44)).toBe(2); // root cluster
      expect(boot.readUInt16LE(48)).toBe(1); // FSInfo sector
      expect(boot.readUInt16LE(50)).toBe(6); // backup boot sector
      expect(boot.toString('latin1', 71, 82)).toBe('PNC_KEY    ');
      expect(boot.toString('latin1', 82, 90)).toBe('FAT32   ');
      expect(boot.readUInt16LE(510)).toBe(0xaa55);
      for (const n of [0, 1, 2]) expect(sector(n + 6).equals(sector(n)), `backup of sector ${n}`).toBe(true);

      const fsinfo = sector(1);
      expect(fsinfo.readUInt32LE(0)).toBe(0x41615252);
      expect(fsinfo.readUInt32LE(484)).toBe(0x61417272);
      expect(fsinfo.readUInt32LE(488)).toBe(plan.freeClusters);
      expect(fsinfo.readUInt32LE(492)).toBe(plan.clusterCount - plan.freeClusters + 2); // first free cluster
      expect(fsinfo.readUInt32LE(508)).toBe(0xaa550000);

      const fatBytes = plan.fatSectors * 512;
      const fats = await readAt(image, plan.partitionOffset + plan.reservedSectors * 512, 2 * fatBytes);
      const fat1 = fats.subarray(0, fatBytes);
      expect(fat1.equals(fats.subarray(fatBytes))).toBe(true);
      expect(fat1.readUInt32LE(0)).toBe(0x0ffffff8);
      expect(fat1.readUInt32LE(4)).toBe(0x0fffffff);
      expect(plan.dataOffset).toBe(plan.partitionOffset + plan.reservedSectors * 512 + 2 * fatBytes);
      // Every file's chain: consecutive clusters ending with end-of-chain.
      for (const f of plan.files) {
        for (let c = f.firstCluster; c < f.firstCluster + f.clusterCount; c++) {
          const last = c === f.firstCluster + f.clusterCount - 1;
          expect(fat1.readUInt32LE(c * 4), `${f.path} cluster ${c}`).toBe(last ? 0x0fffffff : c + 1);
        }
      }
      const used = plan.clusterCount - plan.freeClusters;
      expect(fat1.subarray((used + 2) * 4).every((b) => b === 0)).toBe(true);
    });
  });
});
