import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPncError, type PncError } from '@pnc/shared';
import { describe, expect, it } from 'vitest';
import { writeToMountedKey, type MountedFile, type MountedProgress } from '../../src/core/mounted/index.js';
import { canUseLoops, MIB, withMount, withTempDir } from '../drives/block-tools.js';

/** Deterministic contents for a file, and its signed description. */
function content(path: string, size: number): { spec: MountedFile; data: Buffer } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4)
    data.writeUInt32LE((i * 2654435761 + path.length) >>> 0, Math.min(i, size - 4));
  return { spec: { path, size, sha256: createHash('sha256').update(data).digest('hex') }, data };
}

/** Serves each file in 300 KiB pieces (not aligned on the writer's 1 MiB blocks), counting what was asked. */
function sourceOf(items: Array<{ spec: MountedFile; data: Buffer }>) {
  const asked: string[] = [];
  const source = async function* (f: MountedFile) {
    asked.push(f.path);
    const data = items.find((i) => i.spec.path === f.path)!.data;
    for (let off = 0; off < data.length; off += 300 * 1024) yield data.subarray(off, off + 300 * 1024);
  };
  return { asked, source };
}

async function rejection(p: Promise<unknown>): Promise<PncError> {
  try {
    await p;
  } catch (e) {
    if (isPncError(e)) return e;
    throw e;
  }
  throw new Error('it succeeded');
}

async function allNames(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

const tree = [
  content('UPDATE/SOFT/part1.bin', 3 * MIB + 17),
  content('UPDATE/SOFT/part2.bin', 5),
  content('UPDATE/MAP/Europe map.dat', 2 * MIB),
  content('readme.txt', 0),
];

describe('writeToMountedKey (a temp folder standing for the mounted key)', () => {
  it('copies, verifies, then skips what is already there and right', async () => {
    await withTempDir(async (key) => {
      const { asked, source } = sourceOf(tree);
      const events: MountedProgress[] = [];
      const files = tree.map((t) => t.spec);
      const first = await writeToMountedKey({
        mountPath: key,
        files,
        source,
        skipFileSystemCheck: true,
        onProgress: (p) => events.push(p),
      });
      expect(first.written).toHaveLength(4);
      expect(first.bytesWritten).toBe(5 * MIB + 22);
      for (const t of tree) expect((await readFile(join(key, t.spec.path))).equals(t.data)).toBe(true);
      const writing = events.filter((e) => e.phase === 'writing');
      expect(writing.at(-1)).toMatchObject({
        bytesDone: 5 * MIB + 22,
        bytesTotal: 5 * MIB + 22,
        skipped: false,
      });
      expect(events.some((e) => e.phase === 'verifying')).toBe(true);
      expect((await allNames(key)).some((n) => n.endsWith('.part'))).toBe(false);

      // One file damaged on the key: only that one is written again.
      await writeFile(join(key, 'UPDATE/SOFT/part2.bin'), 'XXXXX');
      asked.length = 0;
      events.length = 0;
      const second = await writeToMountedKey({
        mountPath: key,
        files,
        source,
        skipFileSystemCheck: true,
        onProgress: (p) => events.push(p),
      });
      expect(second.written).toEqual(['UPDATE/SOFT/part2.bin']);
      expect(second.skipped).toHaveLength(3);
      expect(asked).toEqual(['UPDATE/SOFT/part2.bin']);
      expect(events.filter((e) => e.skipped).map((e) => e.file)).toHaveLength(3);
      expect((await readFile(join(key, 'UPDATE/SOFT/part2.bin'))).equals(tree[1]!.data)).toBe(true);
    });
  });

  it('resumes after a failure mid-file: the partial copy is removed, finished files are kept', async () => {
    await withTempDir(async (key) => {
      const files = tree.map((t) => t.spec);
      let fail = true;
      const failing = async function* (f: MountedFile) {
        const data = tree.find((t) => t.spec.path === f.path)!.data;
        for (let off = 0; off < data.length; off += MIB) {
          if (fail && f.path === 'UPDATE/MAP/Europe map.dat' && off >= MIB)
            throw new Error('network dropped');
          yield data.subarray(off, off + MIB);
        }
      };
      const e = await rejection(
        writeToMountedKey({ mountPath: key, files, source: failing, skipFileSystemCheck: true }),
      );
      expect(e.code).toBe('WRITE_FAILED');
      expect(e.message).toContain('Europe map.dat');
      const names = await allNames(key);
      expect(names).toContain(join('UPDATE', 'SOFT', 'part1.bin'));
      expect(names).not.toContain(join('UPDATE', 'MAP', 'Europe map.dat'));
      expect(names.some((n) => n.endsWith('.part'))).toBe(false);

      fail = false;
      const again = await writeToMountedKey({
        mountPath: key,
        files,
        source: failing,
        skipFileSystemCheck: true,
      });
      expect(again.skipped).toEqual(['UPDATE/SOFT/part1.bin', 'UPDATE/SOFT/part2.bin']);
      expect(again.written).toEqual(['UPDATE/MAP/Europe map.dat', 'readme.txt']);
    });
  });

  it('sweeps a copy left by a crash, and stops on cancel', async () => {
    await withTempDir(async (key) => {
      await mkdir(join(key, 'UPDATE', 'SOFT'), { recursive: true });
      await writeFile(join(key, 'UPDATE', 'SOFT', '.pnc-0123456789abcdef.part'), 'half a file');
      const { source } = sourceOf(tree);
      const ctl = new AbortController();
      const e = await rejection(
        writeToMountedKey({
          mountPath: key,
          files: tree.map((t) => t.spec),
          source,
          skipFileSystemCheck: true,
          signal: ctl.signal,
          onProgress: (p) => p.bytesDone > MIB && ctl.abort(),
        }),
      );
      expect(e.code).toBe('WRITE_CANCELLED');
      expect((await allNames(key)).some((n) => n.endsWith('.part'))).toBe(false);
    });
  });

  it('refuses names and trees FAT32 cannot hold, and bytes that do not match the signature, writing nothing', async () => {
    await withTempDir(async (key) => {
      const { source } = sourceOf(tree);
      const bad = await rejection(
        writeToMountedKey({
          mountPath: key,
          files: [{ ...tree[1]!.spec, path: 'UPDATE/a:b.bin' }],
          source,
          skipFileSystemCheck: true,
        }),
      );
      expect(bad.code).toBe('FAT32_INVALID_NAME');
      const twice = [tree[1]!.spec, { ...tree[1]!.spec, path: 'update/soft/PART2.BIN' }];
      expect(
        (
          await rejection(
            writeToMountedKey({ mountPath: key, files: twice, source, skipFileSystemCheck: true }),
          )
        ).code,
      ).toBe('FAT32_NAME_COLLISION');
      const lying = { ...tree[1]!.spec, sha256: '0'.repeat(64) };
      expect(
        (
          await rejection(
            writeToMountedKey({ mountPath: key, files: [lying], source, skipFileSystemCheck: true }),
          )
        ).code,
      ).toBe('HASH_MISMATCH');
      expect(await allNames(key)).toEqual(['UPDATE', join('UPDATE', 'SOFT')]);
    });
  });

  it('refuses a key that is not FAT32 by default, and a folder that is not the key itself', async () => {
    await withTempDir(async (dir) => {
      const { source } = sourceOf(tree);
      const files = [tree[1]!.spec];
      // The temp folder is inside the root file system: not a key's root.
      const inner = await rejection(writeToMountedKey({ mountPath: dir, files, source }));
      expect(inner.code).toBe('DRIVE_REFUSED');
      expect(inner.details?.reason).toBe('not-a-device');
      if (!canUseLoops) return;
      await withMount('tmpfs', ['-t', 'tmpfs', '-o', 'size=4m'], join(dir, 'mnt'), async (mnt) => {
        const e = await rejection(writeToMountedKey({ mountPath: mnt, files, source }));
        expect(e.details).toMatchObject({ reason: 'not-fat32', fileSystem: 'tmpfs' });
        expect(e.message).toContain('FAT32');
      });
    });
  });

  it.runIf(canUseLoops)('refuses when the key lacks space, saying how many bytes are missing', async () => {
    await withTempDir(async (dir) => {
      await withMount('tmpfs', ['-t', 'tmpfs', '-o', 'size=1m'], join(dir, 'mnt'), async (mnt) => {
        const big = content('big.bin', 3 * MIB);
        const { source } = sourceOf([big]);
        const fs = await statfs(mnt);
        const e = await rejection(
          writeToMountedKey({ mountPath: mnt, files: [big.spec], source, skipFileSystemCheck: true }),
        );
        expect(e.code).toBe('FAT32_VOLUME_TOO_SMALL');
        expect(e.details).toMatchObject({
          neededBytes: 3 * MIB,
          missingBytes: 3 * MIB - fs.bavail * fs.bsize,
        });
        expect(await readdir(mnt)).toEqual([]);
      });
    });
  });
});
