import { FAT32_MAX_DIR_ENTRIES, FAT32_MAX_FILE_SIZE, isPncError, type PncError } from '@pnc/shared';
import { describe, expect, it } from 'vitest';
import { FAT32_MIN_VOLUME_BYTES, planFat32Volume, type Fat32FileSpec } from '../../src/core/fat32/index.js';
import { assignShortNames, shortNameChecksum } from '../../src/core/fat32/short-names.js';
import { GIB, MIB } from '../helpers/fat-tools.js';

const TIB = 1024 * GIB;

function refusal(fn: () => unknown): PncError {
  try {
    fn();
  } catch (e) {
    if (isPncError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const plan = (volumeBytes: number, files: Fat32FileSpec[] = [{ path: 'a.bin', size: 1 }]) =>
  planFat32Volume({ volumeBytes, files });

describe('geometry', () => {
  it.each([
    [1 * GIB, 4096],
    [8 * GIB, 4096],
    [8 * GIB + 2 * MIB, 8192],
    [16 * GIB, 8192],
    [32 * GIB, 16384],
    [32 * GIB + 2 * MIB, 32768],
    [128 * GIB, 32768],
    [2e12, 32768],
  ])('a %d-byte key gets %d-byte clusters, Microsoft-style', (volumeBytes, clusterBytes) => {
    expect(plan(volumeBytes).clusterBytes).toBe(clusterBytes);
  });

  it('starts the partition at 1 MiB and the data region on a 1 MiB boundary, for any size from 1 GB to 2 TB', () => {
    let seed = 12345;
    const sizes = [1e9, 2e12, 2 * TIB, 64e9 + 512, 8 * GIB - 512];
    for (let i = 0; i < 300; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      sizes.push(1e9 + Math.floor(((seed / 2 ** 31) * (2e12 - 1e9)) / 512) * 512);
    }
    for (const volumeBytes of sizes) {
      const p = plan(volumeBytes);
      expect(p.partitionOffset).toBe(MIB);
      expect(p.dataOffset % MIB).toBe(0);
      expect(p.partitionOffset + p.partitionBytes).toBeLessThanOrEqual(volumeBytes);
      expect(p.partitionBytes).toBeGreaterThan(volumeBytes - 2 * MIB);
      expect(p.reservedSectors).toBeGreaterThanOrEqual(32);
      expect(p.reservedSectors).toBeLessThan(65536);
      // Both FATs have an entry for every cluster (plus the two reserved entries) …
      expect(p.fatSectors * 128).toBeGreaterThanOrEqual(p.clusterCount + 2);
      // … and the clusters fit in the partition after them.
      expect(p.dataOffset + p.clusterCount * p.clusterBytes).toBeLessThanOrEqual(
        p.partitionOffset + p.partitionBytes,
      );
      expect(p.clusterCount).toBeGreaterThanOrEqual(65_525);
    }
  });

  it('keeps the partition within what an MBR addresses (2 TiB) on bigger devices', () => {
    const p = plan(4 * TIB);
    expect(p.partitionOffset + p.partitionBytes).toBe(2 * TIB);
    expect(p.clusterBytes).toBe(32768);
  });

  it('refuses volumes below the FAT32 minimum of 65,525 clusters', () => {
    expect(plan(FAT32_MIN_VOLUME_BYTES).clusterCount).toBe(65_525);
    for (const size of [FAT32_MIN_VOLUME_BYTES - 512, 128 * MIB, 0]) {
      expect(refusal(() => plan(size)).code).toBe('FAT32_VOLUME_SIZE_UNSUPPORTED');
    }
    for (const size of [-1, 1.5 * GIB + 0.5, Number.NaN])
      expect(refusal(() => plan(size)).code).toBe('VALIDATION_FAILED');
    expect(refusal(() => plan(128 * MIB)).message).toMatch(/too small for FAT32/);
  });

  it('puts folders first, then each file contiguously in the order given, empty files on cluster 0', () => {
    const files = [
      { path: 'z/last-folder-first-file.bin', size: 10_000 },
      { path: 'empty', size: 0 },
      { path: 'a/b/c.bin', size: 4096 },
      { path: 'KEY.JSON', size: 1 },
    ];
    const p = plan(GIB, files);
    expect(p.files.map((f) => f.path)).toEqual(files.map((f) => f.path));
    // root, z, a, a/b: one cluster each
    expect(p.files[0]).toMatchObject({ firstCluster: 6, clusterCount: 3, offset: p.dataOffset + 4 * 4096 });
    expect(p.files[1]).toMatchObject({ firstCluster: 0, clusterCount: 0 });
    expect(p.files[2]).toMatchObject({ firstCluster: 9, clusterCount: 1 });
    expect(p.files[3]).toMatchObject({ firstCluster: 10, clusterCount: 1 });
    expect(p.metadataBytes).toBe(p.dataOffset + 4 * 4096);
    expect(p.dataBytes).toBe(14_097);
    expect(p.freeClusters).toBe(p.clusterCount - 9);
  });
});

describe('refusals name the offender', () => {
  it('a file of exactly 4 GiB', () => {
    const e = refusal(() => plan(64 * GIB, [{ path: 'maps/huge.bin', size: FAT32_MAX_FILE_SIZE + 1 }]));
    expect(e.code).toBe('FAT32_FILE_TOO_LARGE');
    expect(e.message).toContain('maps/huge.bin');
    expect(plan(64 * GIB, [{ path: 'maps/huge.bin', size: FAT32_MAX_FILE_SIZE }]).files[0]?.size).toBe(
      FAT32_MAX_FILE_SIZE,
    );
  });

  it('names that differ only in case', () => {
    const e = refusal(() =>
      plan(GIB, [
        { path: 'Maps/a.bin', size: 1 },
        { path: 'maps/A.BIN', size: 1 },
      ]),
    );
    expect(e.code).toBe('FAT32_NAME_COLLISION');
    expect(e.message).toContain('maps');
    const f = refusal(() =>
      plan(GIB, [
        { path: 'x/Update.bin', size: 1 },
        { path: 'x/UPDATE.BIN', size: 1 },
      ]),
    );
    expect(f.code).toBe('FAT32_NAME_COLLISION');
    expect(f.message).toContain('x/UPDATE.BIN');
  });

  it.each(['a/../b', 'CON.txt', 'dir/aux', 'bad:name', 'trailing.', '/absolute', ''])(
    'the path %j',
    (path) => {
      const e = refusal(() => plan(GIB, [{ path, size: 1 }]));
      expect(e.code).toBe('FAT32_INVALID_NAME');
      expect(e.message).toContain(`"${path}"`);
    },
  );

  it('a folder needing more than 65,536 entries, long-name slots counted', () => {
    // 8.3 names take one entry each: with "." and "..", 65,534 of them fill a folder exactly.
    const short = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        path: `big/${i.toString(16).toUpperCase().padStart(8, '0')}.BIN`,
        size: 0,
      }));
    expect(plan(GIB, short(FAT32_MAX_DIR_ENTRIES - 2)).files).toHaveLength(65_534);
    const e = refusal(() => plan(GIB, short(FAT32_MAX_DIR_ENTRIES - 1)));
    expect(e.code).toBe('FAT32_DIRECTORY_FULL');
    expect(e.message).toContain('"big"');
    // Long names take 1 + ceil(length / 13) entries: 21,845 × 3 + 2 = 65,537.
    const long = Array.from({ length: 21_845 }, (_, i) => ({
      path: `Map tiles/tile ${String(i).padStart(6, '0')}.dat`,
      size: 0,
    }));
    const f = refusal(() => plan(GIB, long));
    expect(f.code).toBe('FAT32_DIRECTORY_FULL');
    expect(f.message).toContain('"Map tiles"');
    expect(f.details).toMatchObject({ entries: 65_537 });
    // The root also holds the volume label.
    const root = refusal(() =>
      plan(
        GIB,
        short(FAT32_MAX_DIR_ENTRIES).map((f) => ({ ...f, path: f.path.slice(4) })),
      ),
    );
    expect(root.message).toContain('root folder');
  });

  it('content bigger than the volume, saying how much is missing', () => {
    const e = refusal(() =>
      plan(GIB, [
        { path: 'a.bin', size: 600e6 },
        { path: 'b.bin', size: 600e6 },
      ]),
    );
    expect(e.code).toBe('FAT32_VOLUME_TOO_SMALL');
    const missing = (e.details as { missingBytes: number }).missingBytes;
    expect(missing).toBeGreaterThan(1.2e9 - GIB);
    expect(missing).toBeLessThan(1.2e9 - GIB + 8 * MIB);
    expect(e.message).toContain(`${missing} bytes are missing`);
  });

  it('a volume label FAT cannot hold', () => {
    expect(
      refusal(() => planFat32Volume({ volumeBytes: GIB, files: [], label: 'LABEL TOO LONG' })).code,
    ).toBe('FAT32_INVALID_NAME');
    expect(refusal(() => planFat32Volume({ volumeBytes: GIB, files: [], label: 'clé' })).code).toBe(
      'FAT32_INVALID_NAME',
    );
    expect(refusal(() => planFat32Volume({ volumeBytes: GIB, files: [], label: 'A.B' })).code).toBe(
      'FAT32_INVALID_NAME',
    );
  });
});

describe('short names', () => {
  const names = (list: string[]) => assignShortNames(list).map((s) => `${s.name}|${s.needsLfn ? 'lfn' : ''}`);

  it('stores upper-case 8.3 names as they are, and keeps others with a long name', () => {
    expect(names(['README.TXT', 'UPDATE', 'A-B_C~1.$$$'])).toEqual([
      'README  TXT|',
      'UPDATE     |',
      'A-B_C~1 $$$|',
    ]);
    expect(names(['readme.txt', 'Update.Bin'])).toEqual(['README  TXT|lfn', 'UPDATE  BIN|lfn']);
  });

  it('derives Windows basis names with numeric tails', () => {
    expect(
      names(['Long File Name.txt', 'my file.tar.gz', '.hidden', 'a+b=c [1].txt', 'Café.txt', '日本.dat']),
    ).toEqual([
      'LONGFI~1TXT|lfn',
      'MYFILE~1GZ |lfn',
      'HIDDEN~1   |lfn',
      'A_B_C_~1TXT|lfn',
      'CAF_~1  TXT|lfn',
      '__~1    DAT|lfn',
    ]);
  });

  it('keeps aliases unique in a directory: ~1 to ~4, then hash-based', () => {
    const list = Array.from({ length: 3000 }, (_, i) => `Long File Name ${i}.txt`);
    const aliases = assignShortNames(['LONGFI~3.TXT', ...list]).map((s) => s.name);
    expect(new Set(aliases).size).toBe(3001);
    expect(aliases.slice(1, 4)).toEqual(['LONGFI~1TXT', 'LONGFI~2TXT', 'LONGFI~4TXT']);
    for (const a of aliases.slice(5)) expect(a).toMatch(/^LO[0-9A-F]{4}~\d+ ?TXT$|^LO[0-9A-F]{3}~\d\dTXT$/);
  });

  it('computes the LFN checksum of the alias as Microsoft specifies', () => {
    // Reference values from an independent (Python) implementation of the FAT specification's algorithm.
    const sum = (n: string) => shortNameChecksum(Buffer.from(n, 'latin1'));
    expect(sum('README  TXT')).toBe(0x73);
    expect(sum('LONGFI~1TXT')).toBe(0xd4);
  });
});
