import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alignedBuffers,
  BLOCK,
  DirectIo,
  directIoStats,
  directWritesEnforced,
  openDirect,
} from '../../src/store/direct-io.js';

/** ext4 and xfs do real direct I/O; the tests that expect it run only there. */
const DIRECT_FS = new Set([0xef53, 0x58465342]);
const tmp = mkdtempSync(join(tmpdir(), 'pnc-direct-io-'));
const tmpIsDirect = DIRECT_FS.has(statfsSync(tmp).type);
const shm =
  existsSync('/dev/shm') && statfsSync('/dev/shm').type === 0x01021994
    ? mkdtempSync('/dev/shm/pnc-direct-io-')
    : null;

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
});

describe('aligned buffers for O_DIRECT', () => {
  it('slices one WebAssembly memory into non-overlapping buffers of whole blocks', () => {
    const bufs = alignedBuffers(3 * BLOCK, 5)!;
    expect(bufs).toHaveLength(5);
    for (const [i, b] of bufs.entries()) {
      expect(b.length).toBe(3 * BLOCK);
      expect(b.byteOffset).toBe(i * 3 * BLOCK);
      expect(b.buffer).toBe(bufs[0]!.buffer);
    }
    bufs[1]!.fill(1);
    expect(bufs[0]!.every((x) => x === 0) && bufs[2]!.every((x) => x === 0)).toBe(true);
  });

  it('refuses buffer sizes that are not whole blocks', async () => {
    await expect(DirectIo.open(tmp, BLOCK + 1, 1)).rejects.toThrow(/whole blocks/);
  });

  it.runIf(tmpIsDirect)(
    'on ext4/xfs: an aligned direct write is accepted, one 16 bytes off is refused',
    async () => {
      const fh = (await openDirect(join(tmp, 'probe'), true))!;
      try {
        const mem = Buffer.from(alignedBuffers(BLOCK, 2)![0]!.buffer);
        await expect(fh.write(mem, 16, BLOCK, 0)).rejects.toMatchObject({ code: 'EINVAL' });
        expect(await directWritesEnforced(fh, mem)).toBe(true);
        // Position and length must be whole blocks too.
        await expect(fh.write(mem, 0, BLOCK, 100)).rejects.toMatchObject({ code: 'EINVAL' });
        await expect(fh.write(mem, 0, 100, 0)).rejects.toMatchObject({ code: 'EINVAL' });
      } finally {
        await fh.close();
      }
    },
  );

  it.runIf(tmpIsDirect)('on ext4/xfs: DirectIo hands out its buffers and leaves no probe file', async () => {
    const dir = join(tmp, 'pool');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const io = (await DirectIo.open(dir, 2 * BLOCK, 2))!;
    expect(io).not.toBeNull();
    const a = io.acquire()!;
    const b = io.acquire()!;
    expect(a.length).toBe(2 * BLOCK);
    expect(b).not.toBe(a);
    expect(io.acquire()).toBeNull();
    io.release(a);
    expect(io.acquire()).toBe(a);
    io.close();
    expect(io.acquire()).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.runIf(shm !== null)('on tmpfs (/dev/shm): falls back to buffered writes', async () => {
    const before = directIoStats.fallbacks;
    expect(await DirectIo.open(shm!, BLOCK, 1)).toBeNull();
    expect(directIoStats.fallbacks).toBe(before + 1);
    expect(readdirSync(shm!)).toEqual([]);
  });
});
