import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPncError } from '@pnc/shared';
import { describe, expect, it } from 'vitest';
import { Fat32Reader } from '../../src/core/fat32/index.js';
import { contentOf, run, sha256, withTempDir } from '../helpers/fat-tools.js';

const mtools = (image: string) => ['-i', image];

async function ok(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

async function readAll(reader: Fat32Reader, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of reader.readFile(path)) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('Fat32Reader on volumes it did not write', () => {
  it('reads a superfloppy made by mkfs.fat and filled by mtools, following fragmented chains', async () => {
    await withTempDir(async (dir) => {
      const image = join(dir, 'floppy.img');
      await ok('truncate', ['-s', '300M', image]);
      await ok('mkfs.fat', ['-F', '32', '-n', 'HEADUNIT', image]);
      const local = async (name: string, size: number) => {
        const p = join(dir, name);
        await writeFile(p, contentOf(name, size));
        return p;
      };
      // a, b, c back to back; once b is deleted and mtools told (FSInfo) to allocate from the
      // start again, the next file fills b's hole and continues after c: a fragmented chain.
      for (const [name, size] of [
        ['a.bin', 50_000],
        ['b.bin', 30_000],
        ['c.bin', 20_000],
      ] as const) {
        await ok('mcopy', [...mtools(image), await local(name, size), `::/${name}`]);
      }
      await ok('mdel', [...mtools(image), '::/b.bin']);
      const fh = await open(image, 'r+');
      await fh.write(Buffer.from([2, 0, 0, 0]), 0, 4, 512 + 492); // FSInfo next-free hint
      await fh.close();
      await ok('mmd', [...mtools(image), '::/Fingerprint Data']);
      const fingerprint = '::/Fingerprint Data/Vehicle Fingerprint.dat';
      await ok('mcopy', [...mtools(image), await local('d.bin', 200_000), fingerprint]);
      const fat = await run('mshowfat', [...mtools(image), fingerprint]);
      expect(fat.stdout.match(/<\d+-\d+>/g)?.length, fat.stdout).toBeGreaterThan(1);
      await ok('mcopy', [...mtools(image), await local('lower.txt', 5), '::/lower.txt']);
      expect((await run('fsck.fat', ['-n', image])).code).toBe(0);

      const reader = await Fat32Reader.open(image);
      try {
        const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
        expect((await reader.list()).sort(byPath)).toEqual(
          [
            { path: 'a.bin', size: 50_000, isDir: false },
            { path: 'c.bin', size: 20_000, isDir: false },
            { path: 'Fingerprint Data', size: 0, isDir: true },
            { path: 'Fingerprint Data/Vehicle Fingerprint.dat', size: 200_000, isDir: false },
            { path: 'lower.txt', size: 5, isDir: false },
          ].sort(byPath),
        );
        expect(sha256(await readAll(reader, 'Fingerprint Data/Vehicle Fingerprint.dat'))).toBe(
          sha256(contentOf('d.bin', 200_000)),
        );
        // FAT names match ignoring case, by long or by short name.
        expect(sha256(await readAll(reader, 'FINGER~1/vehicle fingerprint.DAT'))).toBe(
          sha256(contentOf('d.bin', 200_000)),
        );
        expect(sha256(await readAll(reader, 'A.BIN'))).toBe(sha256(contentOf('a.bin', 50_000)));
        expect((await readAll(reader, 'lower.txt')).equals(contentOf('lower.txt', 5))).toBe(true);

        const missing = await readAll(reader, 'b.bin').catch((e: unknown) => e);
        expect(isPncError(missing) && missing.code).toBe('NOT_FOUND');
      } finally {
        await reader.close();
      }
    });
  });

  it('refuses something that is not FAT32, and a broken cluster chain', async () => {
    await withTempDir(async (dir) => {
      const blank = join(dir, 'blank.img');
      await ok('truncate', ['-s', '10M', blank]);
      const e = await Fat32Reader.open(blank).catch((x: unknown) => x);
      expect(isPncError(e) && e.code).toBe('VERIFY_FAILED');

      const image = join(dir, 'floppy.img');
      await ok('truncate', ['-s', '300M', image]);
      await ok('mkfs.fat', ['-F', '32', image]);
      await writeFile(join(dir, 'x.bin'), contentOf('x', 10_000));
      await ok('mcopy', [...mtools(image), join(dir, 'x.bin'), '::/x.bin']);
      // Make the entry claim 64 KiB while its chain still holds 10,000 bytes, as a torn write could.
      const fh = await open(image, 'r+');
      try {
        const boot = Buffer.alloc(512);
        await fh.read(boot, 0, 512, 0);
        const bytesPerSector = boot.readUInt16LE(11);
        const rootOffset = (boot.readUInt16LE(14) + (boot[16] ?? 0) * boot.readUInt32LE(36)) * bytesPerSector;
        const root = Buffer.alloc(bytesPerSector * (boot[13] ?? 0));
        await fh.read(root, 0, root.length, rootOffset);
        const at = Array.from({ length: root.length / 32 }, (_, i) => i * 32).find(
          (i) => root.toString('latin1', i, i + 11) === 'X       BIN',
        );
        expect(at).toBeDefined();
        await fh.write(Buffer.from([0x00, 0x00, 0x01, 0x00]), 0, 4, rootOffset + (at ?? 0) + 28);
      } finally {
        await fh.close();
      }
      const broken = await Fat32Reader.open(image);
      try {
        const err = await readAll(broken, 'x.bin').catch((x: unknown) => x);
        expect(isPncError(err) && err.code).toBe('VERIFY_FAILED');
        expect((err as Error).message).toMatch(
          /"x\.bin" has a chain of \d+ clusters where its size needs \d+/,
        );
      } finally {
        await broken.close();
      }
    });
  });
});
