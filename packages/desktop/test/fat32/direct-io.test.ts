import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BlockWriter } from '../../src/core/fat32/block-writer.js';
import { DirectIo } from '../../src/core/fat32/direct-io.js';
import {
  Fat32Reader,
  openImageTarget,
  planFat32Volume,
  writeFat32Volume,
  type BlockTarget,
} from '../../src/core/fat32/index.js';
import { contentOf, MIB, sha256, stressTree, unevenChunks, verifyVolume } from '../helpers/fat-tools.js';

/**
 * O_DIRECT on the key: taken on a disk file system (the OS temp folder here is ext4), not on
 * tmpfs (/dev/shm), where everything must work the same through the OS cache.
 */

/** `stat -f` of a folder: 'ext2/ext3' (ext4 too), 'xfs', 'btrfs', 'tmpfs'… */
function fsType(dir: string): string {
  return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
}

const DISK_TYPES = ['ext2/ext3', 'xfs', 'btrfs'];
const linux = process.platform === 'linux';
const diskTmp = linux && DISK_TYPES.includes(fsType(tmpdir()));
const shm = linux && existsSync('/dev/shm') && fsType('/dev/shm') === 'tmpfs';

async function withDir<T>(base: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(base, 'pnc-direct-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Random-ish bytes that differ from one call to the next. */
let salt = 0;
const bytes = (n: number) => contentOf(`bytes ${salt++}`, n);

/** An 8 MiB file whose first blocks hold data (probes of a hole prove nothing), opened direct. */
async function directFile(dir: string) {
  const file = join(dir, 'f.img');
  await writeFile(file, bytes(8192));
  await truncate(file, 8 * MIB);
  const d = await DirectIo.open(file, constants.O_RDWR);
  expect(d).not.toBeNull();
  return { file, d };
}

describe.runIf(diskTmp)('DirectIo on a disk file (the OS temp folder)', () => {
  it('finds an alignment, hands out aligned buffers and moves aligned ranges without a copy', async () => {
    await withDir(tmpdir(), async (dir) => {
      const { file, d } = await directFile(dir);
      try {
        const a = d!.alignment;
        expect([512, 4096]).toContain(a);
        const buf = d!.allocate(2 * MIB);
        expect(buf.length).toBe(2 * MIB);
        expect(d!.isAligned(buf)).toBe(true);
        expect(d!.isAligned(buf.subarray(a))).toBe(true);
        expect(d!.isAligned(buf.subarray(16))).toBe(false);
        expect(d!.isAligned(Buffer.alloc(a))).toBe(false);
        // Every allocation is aligned, whatever the allocator gives.
        for (const n of [1, 511, 4096, 100_000, 4 * MIB]) expect(d!.isAligned(d!.allocate(n))).toBe(true);

        const data = bytes(2 * MIB);
        data.copy(buf);
        expect(await d!.write(buf, MIB)).toBe(true);
        expect(d!.bytesWritten).toBe(2 * MIB);
        expect(d!.bytesBounced).toBe(0);
        // What the direct descriptor wrote, the ordinary file reads.
        const disk = await readFile(file);
        expect(disk.subarray(MIB, 3 * MIB).equals(data)).toBe(true);

        const back = d!.allocate(2 * MIB);
        expect(await d!.read(back, MIB)).toBe(2 * MIB);
        expect(back.equals(data)).toBe(true);
        expect(d!.bytesBounced).toBe(0);

        // Unaligned ranges and plain buffers go through a bounce buffer.
        for (const [at, n] of [
          [MIB + 1, 1],
          [MIB + 511, 2],
          [MIB + 1000, 3 * a + 7],
          [MIB - 5, 10],
          [2 * MIB - 3, 1 * MIB + 1000],
        ] as const) {
          const out = Buffer.alloc(n);
          expect(await d!.read(out, at)).toBe(n);
          expect(out.equals(disk.subarray(at, at + n)), `${at}+${n}`).toBe(true);
        }
        expect(d!.bytesBounced).toBeGreaterThan(0);
        const plain = bytes(a * 3);
        expect(await d!.write(plain, 5 * MIB)).toBe(true);
        expect((await readFile(file)).subarray(5 * MIB, 5 * MIB + plain.length).equals(plain)).toBe(true);
      } finally {
        await d!.close();
      }
    });
  });

  it('without WebAssembly, finds an aligned offset inside an ordinary buffer', async () => {
    await withDir(tmpdir(), async (dir) => {
      const { d } = await directFile(dir);
      const g = globalThis as { WebAssembly?: unknown };
      const saved = g.WebAssembly;
      let bufs: Buffer[];
      try {
        g.WebAssembly = undefined;
        bufs = [d!.allocate(MIB), d!.allocate(4 * MIB), d!.allocate(100)];
      } finally {
        g.WebAssembly = saved;
      }
      try {
        for (const b of bufs) {
          // Not a WebAssembly memory (whole 64 KiB pages) but an over-allocated ordinary buffer.
          expect(b.buffer.byteLength % (64 * 1024)).not.toBe(0);
          expect(d!.isAligned(b)).toBe(true);
        }
        const data = bytes(MIB);
        data.copy(bufs[0]!);
        expect(await d!.write(bufs[0]!, MIB)).toBe(true);
        expect(await d!.read(bufs[1]!.subarray(0, MIB), MIB)).toBe(MIB);
        expect(bufs[1]!.subarray(0, MIB).equals(data)).toBe(true);
        expect(d!.bytesBounced).toBe(0);
      } finally {
        await d!.close();
      }
    });
  });

  it('reads up to the end of a file whose size is not a multiple of the block size', async () => {
    await withDir(tmpdir(), async (dir) => {
      const file = join(dir, 'odd.img');
      const content = bytes(MIB + 1234);
      await writeFile(file, content);
      const d = await DirectIo.open(file, constants.O_RDONLY);
      expect(d).not.toBeNull();
      try {
        const tail = Buffer.alloc(5000);
        expect(await d!.read(tail, MIB - 100)).toBe(1334);
        expect(tail.subarray(0, 1334).equals(content.subarray(MIB - 100))).toBe(true);
        const whole = d!.allocate(2 * MIB);
        expect(await d!.read(whole, 0)).toBe(MIB + 1234);
        expect(whole.subarray(0, MIB + 1234).equals(content)).toBe(true);
        expect(await d!.read(Buffer.alloc(10), MIB + 1234)).toBe(0);
      } finally {
        await d!.close();
      }
    });
  });
});

describe.runIf(diskTmp)('DirectIo on a sparse file', () => {
  it('is not used when the probed blocks are a hole (their reads check no alignment)', async () => {
    await withDir(tmpdir(), async (dir) => {
      const file = join(dir, 'hole.img');
      await writeFile(file, '');
      await truncate(file, 8 * MIB);
      expect(await DirectIo.open(file, constants.O_RDWR)).toBeNull();
    });
  });
});

describe.runIf(shm)('DirectIo on tmpfs', () => {
  // Linux ≥ 6.6 opens tmpfs files with O_DIRECT but serves them from memory, any alignment goes.
  it('is not used, so the caller stays on buffered I/O', async () => {
    await withDir('/dev/shm', async (dir) => {
      const file = join(dir, 'f.img');
      await writeFile(file, Buffer.alloc(MIB));
      expect(await DirectIo.open(file, constants.O_RDWR)).toBeNull();
    });
  });
});

/** Random writes and reads with odd positions and lengths, checked against a model of the image. */
async function exerciseTarget(target: BlockTarget, image: string, size: number): Promise<void> {
  const model = Buffer.alloc(size);
  const aligned = (n: number) => {
    const b = target.direct?.allocate(n) ?? Buffer.alloc(n);
    bytes(n).copy(b);
    return b;
  };
  const writes: Array<[number, Buffer]> = [
    [0, bytes(1)],
    [511, bytes(2)],
    [4095, bytes(8193)],
    [MIB, aligned(MIB)],
    [MIB + 4096, aligned(4096 * 3 + 5)],
    [3 * MIB - 7, bytes(MIB + 3)],
    [size - 700, bytes(700)], // the image's last bytes, not a whole sector
    [2 * MIB + 100, aligned(64 * 1024).subarray(100)],
  ];
  for (const [at, buf] of writes) {
    await target.write(buf, at);
    buf.copy(model, at);
  }
  for (const [at, n] of [
    [0, size],
    [1, 1],
    [4000, 10_000],
    [MIB - 3, MIB + 6],
    [size - 1000, 1000],
  ] as const) {
    const out = Buffer.alloc(n);
    expect(await target.read(out, at)).toBe(n);
    expect(out.equals(model.subarray(at, at + n)), `read ${at}+${n}`).toBe(true);
  }
  // Past the end: a short read.
  expect(await target.read(Buffer.alloc(2000), size - 500)).toBe(500);
  await target.sync();
  expect((await readFile(image)).equals(model)).toBe(true);
}

describe('image targets with and without direct I/O', () => {
  const SIZE = 5 * MIB + 1234;

  it.runIf(diskTmp)('on a disk file system: unaligned ends through the cache, the rest direct', async () => {
    await withDir(tmpdir(), async (dir) => {
      const image = join(dir, 'key.img');
      const target = await openImageTarget(image, SIZE);
      try {
        expect(target.direct?.active).toBe(true);
        await exerciseTarget(target, image, SIZE);
        expect(target.direct!.bytesWritten).toBeGreaterThan(2 * MIB);
        expect(target.direct!.bytesRead).toBeGreaterThan(SIZE);
      } finally {
        await target.close();
      }
    });
  });

  it.runIf(shm)('on tmpfs: no direct I/O, same results', async () => {
    await withDir('/dev/shm', async (dir) => {
      const image = join(dir, 'key.img');
      const target = await openImageTarget(image, SIZE);
      try {
        expect(target.direct).toBeUndefined();
        await exerciseTarget(target, image, SIZE);
      } finally {
        await target.close();
      }
    });
  });
});

describe('block writer on a direct target', () => {
  it.runIf(diskTmp)('starts a write after skipped zeros on a sector, filling with zeros', async () => {
    await withDir(tmpdir(), async (dir) => {
      const image = join(dir, 'key.img');
      const target = await openImageTarget(image, 16 * MIB);
      const writes: Array<[number, number]> = [];
      const spy: BlockTarget = {
        ...target,
        write: (b, p) => {
          writes.push([p, b.length]);
          return target.write(b, p);
        },
        read: (b, p) => target.read(b, p),
        sync: () => target.sync(),
        close: () => target.close(),
      };
      try {
        const a = target.direct!.alignment;
        const first = bytes(1000);
        const second = bytes(3 * MIB + 17);
        const w = new BlockWriter(spy, 4 * MIB, undefined);
        await w.put(first);
        await w.zeros(4 * MIB + 100); // fills the first block, then skips into the second
        await w.put(second);
        await w.finish();
        await target.sync();
        // The second block's write starts on the sector below its first byte, not at 4 MiB + 1100.
        expect(writes).toEqual([
          [0, 4 * MIB],
          [4 * MIB + 1100 - (1100 % a), (1100 % a) + second.length],
        ]);
        const disk = await readFile(image);
        expect(disk.subarray(0, 1000).equals(first)).toBe(true);
        expect(disk.subarray(1000, 4 * MIB + 1100).every((x) => x === 0)).toBe(true);
        expect(disk.subarray(4 * MIB + 1100, 4 * MIB + 1100 + second.length).equals(second)).toBe(true);
        expect(target.direct!.bytesBounced).toBe(0);
      } finally {
        await target.close();
      }
    });
  });
});

/** A volume of odd sizes, written through a target, judged by fsck.fat, mtools and our reader. */
async function writeAndJudge(base: string, expectDirect: boolean) {
  await withDir(base, async (dir) => {
    const image = join(dir, 'key.img');
    const volumeBytes = 300 * MIB;
    const files = [
      ...stressTree(200),
      { path: 'big/odd.bin', size: 9 * MIB + 4097 },
      { path: 'big/odd2.bin', size: 4 * MIB - 1 },
    ];
    const plan = planFat32Volume({ volumeBytes, files });
    const target = await openImageTarget(image, volumeBytes);
    try {
      expect(target.direct !== undefined).toBe(expectDirect);
      await writeFat32Volume(plan, target, (f) => unevenChunks(contentOf(f.path, f.size)));
      if (expectDirect) {
        const fileBytes = files.reduce((n, f) => n + f.size, 0);
        expect(target.direct!.active).toBe(true);
        expect(target.direct!.bytesWritten).toBeGreaterThan(fileBytes);
        // The writer's blocks are aligned buffers: nothing copied on the way out.
        expect(target.direct!.bytesBounced).toBe(0);
      }
      // Our reader on the same target: the files' bytes come through direct reads.
      const reader = await Fat32Reader.open(target);
      const readBefore = target.direct?.bytesRead ?? 0;
      const bouncedBefore = target.direct?.bytesBounced ?? 0;
      for (const f of [files.at(-2)!, files.at(-1)!, ...files.slice(0, 30)]) {
        const chunks: Buffer[] = [];
        for await (const c of reader.readFile(f.path, { transient: true })) chunks.push(Buffer.from(c));
        expect(sha256(Buffer.concat(chunks)), f.path).toBe(sha256(contentOf(f.path, f.size)));
      }
      if (expectDirect) {
        expect(target.direct!.bytesRead - readBefore).toBeGreaterThan(13 * MIB);
        // Only directory and FAT reads (plain buffers) were copied.
        expect(target.direct!.bytesBounced - bouncedBefore).toBeLessThan(2 * MIB);
      }
    } finally {
      await target.close();
    }
    await verifyVolume(image, plan, files);
  });
}

describe('whole volumes', () => {
  it.runIf(diskTmp)(
    'written with O_DIRECT on ext4: fsck.fat, mtools and our reader agree',
    async () => {
      await writeAndJudge(tmpdir(), true);
    },
    120_000,
  );

  it.runIf(shm)(
    'written through the cache on tmpfs: fsck.fat, mtools and our reader agree',
    async () => {
      await writeAndJudge('/dev/shm', false);
    },
    120_000,
  );
});
