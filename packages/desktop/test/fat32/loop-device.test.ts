import { open, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPncError } from '@pnc/shared';
import { describe, expect, it } from 'vitest';
import {
  openDeviceTarget,
  planFat32Volume,
  writeFat32Volume,
  type Fat32Plan,
} from '../../src/core/fat32/index.js';
import {
  contentOf,
  GIB,
  MIB,
  run,
  stressTree,
  unevenChunks,
  verifyVolume,
  withLoopDevice,
  withTempDir,
} from '../helpers/fat-tools.js';

/** Fills ranges of a file with 0xA5 garbage, as a used key would hold old data. */
async function scribble(path: string, ranges: Array<[number, number]>): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    for (const [at, length] of ranges) await fh.write(Buffer.alloc(length, 0xa5), 0, length, at);
  } finally {
    await fh.close();
  }
}

describe('writing through a block device', () => {
  it('writes the stress tree through /dev/loopN over a used key; fsck.fat and mtools agree', async () => {
    await withTempDir(async (dir) => {
      const backing = join(dir, 'usb-key.img');
      const volumeBytes = 2 * GIB;
      await writeFile(backing, '');
      await truncate(backing, volumeBytes);
      // Old content where the MBR, the FATs, the folders and the free area will be: the
      // writer must zero the metadata regions itself on a device (no "fresh image" shortcut).
      await scribble(backing, [
        [0, 24 * MIB],
        [GIB, MIB],
        [volumeBytes - MIB, MIB],
      ]);
      const files = stressTree(3000);
      let plan: Fat32Plan | undefined;

      await withLoopDevice(backing, null, async (device) => {
        const target = await openDeviceTarget(device);
        try {
          // The size found by probing reads matches what the kernel reports.
          const blockdev = await run('blockdev', ['--getsize64', device]);
          expect(target.size).toBe(Number(blockdev.stdout.trim()));
          expect(target.size).toBe(volumeBytes);

          // Opened exclusively: a second writer (or a mount) is refused while we hold it.
          const second = await openDeviceTarget(device).catch((e: unknown) => e);
          expect(isPncError(second) && second.code).toBe('WRITE_FAILED');
          expect((second as Error).message).toContain('in use');

          plan = planFat32Volume({ volumeBytes: target.size, files });
          await writeFat32Volume(plan, target, (f) => unevenChunks(contentOf(f.path, f.size)));
          // The device took the writes with O_DIRECT, from the writer's aligned buffers.
          expect(target.direct?.active).toBe(true);
          expect(target.direct!.bytesWritten).toBeGreaterThan(plan.dataBytes);
          expect(target.direct!.bytesBounced).toBe(0);
        } finally {
          await target.close();
        }
      });

      expect(plan).toBeDefined();
      if (plan) await verifyVolume(backing, plan, files);
    });
  });
});
