import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPncError, type PncError } from '@pnc/shared';
import { describe, expect, it } from 'vitest';
import {
  assertWritableTarget,
  createDriveAccess,
  openKeyTarget,
  type KeyTarget,
} from '../../src/core/drives/index.js';
import { readMounts } from '../../src/core/drives/linux-block.js';
import { linuxSystemDisks } from '../../src/core/drives/system-disks.js';
import type { DriveAccess } from '../../src/core/service/desktop-service.js';
import {
  Fat32Reader,
  openImageTarget,
  planFat32Volume,
  writeFat32Volume,
} from '../../src/core/fat32/index.js';
import { canMount, canUseLoops, GIB, MIB, sh, withLoop, withMount, withTempDir } from './block-tools.js';

async function refusal(target: KeyTarget): Promise<PncError> {
  try {
    await assertWritableTarget(target);
  } catch (e) {
    if (isPncError(e)) return e;
    throw e;
  }
  throw new Error(`${JSON.stringify(target)} was accepted`);
}

function reasons(e: PncError): string[] {
  return (e.details?.reasons as Array<{ code: string }>).map((r) => r.code);
}

/** The whole disk under `/`, the way an administrator finds it. */
async function rootDiskByFindmnt(): Promise<string> {
  const source = await sh('findmnt', '-no', 'SOURCE', '/');
  const parent = await sh('lsblk', '-no', 'PKNAME', source).catch(() => '');
  return parent ? `/dev/${parent.split('\n')[0]}` : source;
}

/**
 * The node of a loop device's first partition. Without udev (containers) the kernel may need
 * `partx` to scan it and nobody creates /dev/loopNp1: make the node from /sys ourselves.
 */
async function partitionNode(dev: string, dir: string): Promise<string> {
  await sh('partx', '-a', dev).catch(() => undefined);
  const name = `${basename(dev)}p1`;
  const numbers = (await readFile(`/sys/class/block/${name}/dev`, 'utf8')).trim().split(':');
  if (await stat(`/dev/${name}`).catch(() => null)) return `/dev/${name}`;
  const node = join(dir, name);
  await sh('mknod', node, 'b', numbers[0]!, numbers[1]!);
  return node;
}

const linux = process.platform === 'linux';

describe.runIf(linux)("the machine's own disks", () => {
  it('refuses the disk holding / even when named explicitly, found by findmnt and by the product alike', async () => {
    const root = await rootDiskByFindmnt();
    expect([...(await linuxSystemDisks(await readMounts()))]).toContain(basename(root));
    const e = await refusal({ device: root, volumeBytes: GIB });
    expect(e.code).toBe('DRIVE_REFUSED');
    expect(e.details?.reason).toBe('system');
    const source = await sh('findmnt', '-no', 'SOURCE', '/');
    if (source !== root)
      expect((await refusal({ device: source, volumeBytes: GIB })).details?.reason).toBe('partition');
  });

  it('refuses paths that are neither disks nor files, and missing devices', async () => {
    expect((await refusal({ device: '/dev/null', volumeBytes: GIB })).details?.reason).toBe('not-a-device');
    expect((await refusal({ device: '/tmp', volumeBytes: GIB })).details?.reason).toBe('not-a-device');
    expect((await refusal({ device: '/dev/pnc-no-such-disk', volumeBytes: GIB })).details?.reason).toBe(
      'not-found',
    );
  });

  it('asks for exactly one of device and image, and a byte count', async () => {
    await expect(assertWritableTarget({ volumeBytes: GIB })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      assertWritableTarget({ device: '/dev/x', image: '/tmp/x', volumeBytes: GIB }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(assertWritableTarget({ image: '/tmp/x', volumeBytes: -1 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});

describe.runIf(linux)('image paths', () => {
  it('accepts a new file or an existing regular file in an ordinary folder', async () => {
    await withTempDir(async (dir) => {
      const fresh = join(dir, 'key.img');
      expect(await assertWritableTarget({ image: fresh, volumeBytes: GIB })).toEqual({
        kind: 'image',
        path: fresh,
        size: GIB,
      });
      await writeFile(fresh, 'old image');
      expect(await assertWritableTarget({ image: fresh, volumeBytes: GIB })).toEqual({
        kind: 'image',
        path: fresh,
        size: GIB,
      });
    });
  });

  it('refuses folders, devices, links to devices and missing folders', async () => {
    await withTempDir(async (dir) => {
      expect((await refusal({ image: dir, volumeBytes: GIB })).details?.reason).toBe('not-a-device');
      const link = join(dir, 'innocent.img');
      await symlink(await rootDiskByFindmnt(), link);
      const e = await refusal({ image: link, volumeBytes: GIB });
      expect(reasons(e)).toEqual(expect.arrayContaining(['protected-path', 'not-a-device']));
      expect(
        (await refusal({ image: join(dir, 'no', 'such', 'key.img'), volumeBytes: GIB })).details?.reason,
      ).toBe('not-found');
    });
    expect((await refusal({ image: '/dev/null', volumeBytes: GIB })).details?.reason).toBe('protected-path');
    expect((await refusal({ image: '/etc/pnc-key.img', volumeBytes: GIB })).details?.reason).toBe(
      'protected-path',
    );
  });

  it("refuses an image inside the app's own folder or the workstation state", async () => {
    const app = fileURLToPath(new URL('../../', import.meta.url));
    expect((await refusal({ image: join(app, 'key.img'), volumeBytes: GIB })).details?.reason).toBe(
      'protected-path',
    );
    await withTempDir(async (home) => {
      const saved = process.env.PNC_HOME;
      process.env.PNC_HOME = home;
      try {
        await mkdir(join(home, 'cache'));
        expect(
          (await refusal({ image: join(home, 'cache', 'key.img'), volumeBytes: GIB })).details?.reason,
        ).toBe('protected-path');
      } finally {
        if (saved === undefined) delete process.env.PNC_HOME;
        else process.env.PNC_HOME = saved;
      }
    });
  });
});

// Real loop devices over sparse files: drivelist never lists them, so they are the explicit-path case.
describe.runIf(canUseLoops)('loop devices', () => {
  it('accepts a big enough loop device, and openKeyTarget writes a FAT32 key on it that reads back', async () => {
    await withTempDir(async (dir) => {
      await withLoop(join(dir, 'key.raw'), GIB, async (dev) => {
        expect(await assertWritableTarget({ device: dev, volumeBytes: GIB })).toEqual({
          kind: 'device',
          path: dev,
          size: GIB,
        });
        // The same device named as an "image" still gets the device guards.
        expect(await assertWritableTarget({ image: dev, volumeBytes: GIB })).toEqual({
          kind: 'device',
          path: dev,
          size: GIB,
        });

        const files = [{ path: 'UPDATE/hello.txt', size: 5 }];
        const plan = planFat32Volume({ volumeBytes: GIB, label: 'PNC_TEST', files });
        const target = await openKeyTarget({ device: dev, volumeBytes: GIB });
        try {
          await writeFat32Volume(plan, target, () => [Buffer.from('hello')]);
          await target.sync();
          const reader = await Fat32Reader.open(target);
          const chunks: Buffer[] = [];
          for await (const c of reader.readFile('UPDATE/hello.txt')) chunks.push(Buffer.from(c));
          expect(Buffer.concat(chunks).toString()).toBe('hello');
        } finally {
          await target.close();
        }
      });
    });
  });

  it('opens keys for the desktop service: a device whole, an image at the size asked, never the root disk', async () => {
    // Typed as the service's port: the drive access plugs into createDesktopService as is.
    const access: DriveAccess = createDriveAccess();
    await expect(access.open({ kind: 'device', device: await rootDiskByFindmnt() })).rejects.toMatchObject({
      code: 'DRIVE_REFUSED',
      details: { reason: 'system' },
    });
    await withTempDir(async (dir) => {
      const image = await access.open({ kind: 'image', path: join(dir, 'key.img'), size: GIB });
      expect(image).toMatchObject({ volumeBytes: GIB, label: join(dir, 'key.img') });
      await withLoop(join(dir, 'key.raw'), 2 * GIB, async (dev) => {
        const opened = await access.open({ kind: 'device', device: dev });
        expect(opened).toMatchObject({ volumeBytes: 2 * GIB, label: dev });
        const target = await opened.openTarget();
        expect(target.size).toBe(2 * GIB);
        await target.close();
      });
    });
  });

  it('refuses a loop device that is too small, saying how many bytes are missing', async () => {
    await withTempDir(async (dir) => {
      await withLoop(join(dir, 'small.raw'), 512 * MIB, async (dev) => {
        const e = await refusal({ device: dev, volumeBytes: GIB });
        expect(e.details).toMatchObject({ reason: 'too-small', missingBytes: 512 * MIB });
        expect(e.message).toContain(`${512 * MIB} bytes are missing`);
      });
    });
  });

  it('refuses a loop device attached read-only', async () => {
    await withTempDir(async (dir) => {
      await withLoop(
        join(dir, 'ro.raw'),
        GIB,
        async (dev) => {
          expect((await refusal({ device: dev, volumeBytes: GIB })).details?.reason).toBe('read-only');
        },
        ['-r'],
      );
    });
  });

  it('refuses a loop that writes through to the root disk (attached read-only over it, so nothing can happen)', async (ctx) => {
    const root = await rootDiskByFindmnt();
    // Containers may forbid a loop over a real disk (EPERM): nothing to test then.
    const dev = await sh('losetup', '-f', '--show', '-r', root).catch(() => null);
    if (!dev) return ctx.skip();
    try {
      expect(reasons(await refusal({ device: dev, volumeBytes: GIB }))).toEqual(
        expect.arrayContaining(['read-only', 'system']),
      );
    } finally {
      await sh('losetup', '-d', dev);
    }
  });

  it('refuses an image file that is attached as a loop device', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'attached.img');
      await withLoop(file, GIB, async (dev) => {
        const e = await refusal({ image: file, volumeBytes: GIB });
        expect(e.details?.reason).toBe('in-use');
        expect(e.message).toContain(dev);
      });
    });
  });

  it('refuses a partition of a key, naming the whole disk to use instead', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'mbr.img');
      // Our own writer lays down an MBR with one partition at 1 MiB.
      const plan = planFat32Volume({ volumeBytes: GIB, label: 'PNC_TEST', files: [] });
      const image = await openImageTarget(file, GIB);
      try {
        await writeFat32Volume(plan, image, () => []);
      } finally {
        await image.close();
      }
      await withLoop(
        file,
        null,
        async (dev) => {
          const e = await refusal({ device: await partitionNode(dev, dir), volumeBytes: 256 * MIB });
          expect(e.details?.reason).toBe('partition');
          expect(e.message).toContain(`choose ${dev}`);
        },
        ['-P'],
      );
    });
  });

  it.runIf(canMount)(
    'refuses a mounted loop device, and one holding the backing file of another loop',
    async () => {
      await withTempDir(async (dir) => {
        await withLoop(join(dir, 'outer.raw'), GIB, async (outer) => {
          await sh('mkfs.ext4', '-q', outer);
          await withMount(outer, [], join(dir, 'mnt'), async (mnt) => {
            const e = await refusal({ device: outer, volumeBytes: GIB });
            expect(e.details?.reason).toBe('mounted');
            expect(e.message).toContain(mnt);

            // A second loop whose backing file lives on the first: erasing the first would destroy it.
            await withLoop(join(mnt, 'inner.raw'), 300 * MIB, async (inner) => {
              const held = await refusal({ device: outer, volumeBytes: GIB });
              expect(held.details?.reasons).toContainEqual({
                code: 'in-use',
                reason: expect.stringContaining(inner),
              });
              // The inner one is an ordinary file-backed loop: fine to write.
              expect(await assertWritableTarget({ device: inner, volumeBytes: 300 * MIB })).toMatchObject({
                kind: 'device',
              });
            });

            // A loop over the mounted device itself writes through to it.
            const through = await sh('losetup', '-f', '--show', outer);
            try {
              const w = await refusal({ device: through, volumeBytes: GIB });
              expect(w.details?.reason).toBe('mounted');
              expect(w.message).toContain(`writes through to ${outer}`);
            } finally {
              await sh('losetup', '-d', through);
            }
          });
        });
      });
    },
  );

  it('refuses a virtual disk the system lists (zram)', async () => {
    const zram = (await sh('lsblk', '-dno', 'NAME')).split('\n').find((n) => n.startsWith('zram'));
    if (!zram) return;
    const e = await refusal({ device: `/dev/${zram}`, volumeBytes: GIB });
    expect(reasons(e)).toContain('virtual');
  });
});
