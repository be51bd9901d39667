import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ejectDrive } from '../../src/core/drives/index.js';
import { canMount, GIB, sh, withLoop, withMount, withTempDir } from './block-tools.js';

async function isMounted(dir: string): Promise<boolean> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === dir);
}

// udisksctl and eject are not installed here, so ejection ends at "unmounted, not powered off".
describe.runIf(process.platform === 'linux')('ejectDrive', () => {
  it('never ejects the system disk, and answers plainly for what is not a key', async () => {
    const root = await sh('findmnt', '-no', 'SOURCE', '/');
    const sys = await ejectDrive(root);
    expect(sys).toMatchObject({ ok: false, message: expect.stringContaining("this computer's system") });
    expect(await isMounted('/')).toBe(true);
    expect(await ejectDrive('/no/such/key')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not a key'),
    });
    await withTempDir(async (dir) => {
      expect((await ejectDrive(dir)).ok).toBe(false);
    });
  });

  it.runIf(canMount)('unmounts a key given by its device or by its mount point', async () => {
    await withTempDir(async (dir) => {
      await withLoop(join(dir, 'key.raw'), GIB, async (dev) => {
        await sh('mkfs.ext4', '-q', dev);
        await withMount(dev, [], join(dir, 'by-device'), async (mnt) => {
          const r = await ejectDrive(dev);
          expect(r.ok).toBe(true);
          if (r.ok && !r.poweredOff) expect(r.message).toMatch(/light stops blinking/);
          expect(await isMounted(mnt)).toBe(false);
        });
        await withMount(dev, [], join(dir, 'by-path'), async (mnt) => {
          expect((await ejectDrive(mnt)).ok).toBe(true);
          expect(await isMounted(mnt)).toBe(false);
        });
      });
    });
  });

  it.runIf(canMount)('says what to do when the key is busy', async () => {
    await withTempDir(async (dir) => {
      await withLoop(join(dir, 'busy.raw'), GIB, async (dev) => {
        await sh('mkfs.ext4', '-q', dev);
        await withMount(dev, [], join(dir, 'mnt'), async (mnt) => {
          const fh = await open(join(mnt, 'open.txt'), 'w');
          try {
            const r = await ejectDrive(mnt);
            expect(r).toMatchObject({
              ok: false,
              message: expect.stringContaining('Close any window or program'),
            });
          } finally {
            await fh.close();
          }
        });
      });
    });
  });
});
