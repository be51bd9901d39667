import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackageFile, VehicleInfo } from '@pnc/shared';
import { createBlobCache } from '../../src/core/download/blob-cache.js';
import { downloadBlob } from '../../src/core/download/blob-download.js';
import { openImageTarget, type BlockTarget } from '../../src/core/fat32/index.js';
import { readKey } from '../../src/core/keys/read-key.js';
import { writeKeys, type KeyOutput, type WriteKeysRequest } from '../../src/core/keys/write-key.js';
import { writeMountedKey } from '../../src/core/keys/write-mounted-key.js';
import { fsckImage } from '../helpers/key-image.js';
import { startStack, type Stack } from '../helpers/stack.js';

const NEEDS_SOFT_AND_MAP = 'VF1RHN00868012345';
const GiB = 1024 ** 3;

/** An image key; `failAfter` makes its writes fail past that many bytes, like a key pulled out. */
function imageKey(path: string, size = 2 * GiB, failAfter?: number): KeyOutput {
  return {
    label: path,
    volumeBytes: size,
    openTarget: async (): Promise<BlockTarget> => {
      const t = await openImageTarget(path, size);
      if (failAfter === undefined) return t;
      let written = 0;
      return {
        ...t,
        size: t.size,
        read: (b, p) => t.read(b, p),
        sync: () => t.sync(),
        close: () => t.close(),
        zeroed: t.zeroed,
        write: async (buf, pos) => {
          written += buf.length;
          if (failAfter !== undefined && written > failAfter)
            throw Object.assign(new Error('EIO: the key was removed'), { code: 'EIO' });
          return t.write(buf, pos);
        },
      } as BlockTarget;
    },
  };
}

describe('writing keys from the server (real server process, real images)', () => {
  let stack: Stack;
  let vehicle: VehicleInfo;
  let packageIds: string[];
  let base: Omit<WriteKeysRequest, 'keys'>;

  beforeAll(async () => {
    stack = await startStack({ size: '24MiB' });
    vehicle = await stack.client.vehicle(NEEDS_SOFT_AND_MAP);
    const eligible = (await import('@pnc/shared')).evaluateEligibility(
      vehicle,
      stack.verified.catalog,
    ).eligible;
    packageIds = eligible.map((u) => u.packageId);
    expect(packageIds.length).toBeGreaterThanOrEqual(2);
    base = {
      client: stack.client,
      serverName: 'test',
      verified: stack.verified,
      vehicle,
      packageIds,
      app: { name: 'test', version: '0' },
    };
  }, 120_000);
  afterAll(() => stack?.stop());

  it('writes two keys from one download, each verified and with its own key id', async () => {
    const downloads = new Map<string, number>();
    const blobs = (f: PackageFile, signal?: AbortSignal) => {
      downloads.set(f.sha256, (downloads.get(f.sha256) ?? 0) + 1);
      return downloadBlob(stack.client, { size: f.size, sha256: f.sha256, ...(signal ? { signal } : {}) });
    };
    const a = join(stack.dir, 'a.img');
    const b = join(stack.dir, 'b.img');
    const out = await writeKeys({ ...base, blobs, keys: [imageKey(a), imageKey(b, 4 * GiB)] });
    expect(out.map((o) => o.ok)).toEqual([true, true]);
    expect([...downloads.values()].every((n) => n === 1)).toBe(true);
    const ids = out.map((o) => (o.ok ? o.result.keyId : ''));
    expect(new Set(ids).size).toBe(2);
    for (const img of [a, b]) {
      expect(fsckImage(img).clean).toBe(true);
      expect(await readKey(img)).toMatchObject({ intact: true, state: 'complete' });
    }
  });

  it('reads back from the key itself: through O_DIRECT on a disk, not claimed on tmpfs without a cache drop', async () => {
    const disk = join(stack.dir, 'direct.img');
    const dirs = existsSync('/dev/shm') ? [mkdtempSync('/dev/shm/pnc-key-')] : [];
    try {
      const shm = dirs.map((d) => join(d, 'cached.img'));
      const out = await writeKeys({ ...base, keys: [imageKey(disk), ...shm.map((p) => imageKey(p))] });
      expect(out.map((o) => o.ok)).toEqual([true, ...shm.map(() => true)]);
      // The stack lives in the OS temp folder, a disk here: O_DIRECT, no cache to drop.
      if (
        !['tmpfs', 'ramfs'].includes(
          execFileSync('stat', ['-f', '-c', '%T', stack.dir], { encoding: 'utf8' }).trim(),
        )
      ) {
        expect(out[0]!.ok && out[0]!.result.readBackFromDevice).toBe(true);
      }
      // tmpfs refuses O_DIRECT and these keys have no dropCache: the read-back came from memory.
      for (const o of out.slice(1)) expect(o.ok && o.result.readBackFromDevice).toBe(false);
      for (const img of [disk, ...shm]) {
        expect(fsckImage(img).clean).toBe(true);
        expect(await readKey(img)).toMatchObject({ intact: true, state: 'complete' });
      }
    } finally {
      rmSync(disk, { force: true });
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it('drops a key that fails mid-write and finishes the others; the failed one reads as incomplete', async () => {
    const good = join(stack.dir, 'good.img');
    const pulled = join(stack.dir, 'pulled.img');
    const out = await writeKeys({
      ...base,
      keys: [imageKey(pulled, 2 * GiB, 12 * 1024 * 1024), imageKey(good)],
    });
    expect(out[0]).toMatchObject({ ok: false });
    expect(out[1]).toMatchObject({ ok: true });
    expect(await readKey(good)).toMatchObject({ intact: true });
    const report = await readKey(pulled).catch((e: Error) => ({
      intact: false,
      state: 'unreadable',
      error: e.message,
    }));
    expect(report.intact).toBe(false);
    expect(report.state).not.toBe('complete');
  });

  it('fails a key that silently changes a bit of what it was given, and only that key', async () => {
    const faulty = join(stack.dir, 'faulty.img');
    const good = join(stack.dir, 'good2.img');
    let flipped = false;
    const bad: KeyOutput = {
      ...imageKey(faulty),
      openTarget: async () => {
        const t = await openImageTarget(faulty, 2 * GiB);
        return Object.assign(Object.create(t) as BlockTarget, {
          // Like a worn key: the write "succeeds", one bit lands wrong (past the FAT metadata).
          write: (buf: Buffer, pos: number) => {
            if (flipped || pos < 8 * 1024 * 1024) return t.write(buf, pos);
            flipped = true;
            const copy = Buffer.from(buf);
            copy[copy.length >> 1]! ^= 0x10;
            return t.write(copy, pos);
          },
        });
      },
    };
    const out = await writeKeys({ ...base, keys: [bad, imageKey(good)] });
    expect(flipped).toBe(true);
    expect(out[0]).toMatchObject({ ok: false, error: { code: 'VERIFY_FAILED' } });
    // The bytes were checked against the CRC-32 of what the writer was given.
    expect(!out[0]!.ok && out[0]!.error.details).toMatchObject({ check: 'crc32' });
    expect(out[1]).toMatchObject({ ok: true });
    expect(await readKey(good)).toMatchObject({ intact: true });
    expect((await readKey(faulty)).state).not.toBe('complete');
  });

  it('a cancelled write is reported incomplete and never looks like a good key', async () => {
    const img = join(stack.dir, 'cancelled.img');
    const controller = new AbortController();
    const out = await writeKeys({
      ...base,
      keys: [imageKey(img)],
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone > 1024 * 1024) controller.abort();
      },
    });
    expect(out[0]).toMatchObject({ ok: false, error: { code: 'WRITE_CANCELLED' } });
    // Cancelled before or after the first block (boot sector, FATs, manifest) reached the key:
    // either way it must not read as a key, let alone a complete one.
    const report = await readKey(img).catch((e: Error) => ({
      intact: false,
      state: 'unreadable',
      error: e.message,
    }));
    expect(report.intact).toBe(false);
    expect(['incomplete', 'unreadable']).toContain(report.state);
    rmSync(img, { force: true });
  });

  it('mounted mode: copies into a mounted key, keeps correct files on a second run, manifest complete', async () => {
    const mount = join(stack.dir, 'mounted-key');
    mkdirSync(mount);
    const { client, serverName, verified, app } = base;
    const req = {
      client,
      serverName,
      verified,
      vehicle,
      packageIds,
      app,
      mountPath: mount,
      skipFileSystemCheck: true,
    };
    const first = await writeMountedKey(req);
    expect(first.skipped).toEqual([]);
    expect(first.written.length).toBeGreaterThan(0);
    const second = await writeMountedKey(req);
    expect(second.written).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(mount, 'PLUGNCONNECT-KEY.json'), 'utf8')) as {
      state: string;
      keyId: string;
    };
    expect(manifest).toMatchObject({ state: 'complete', keyId: second.keyId });
    // Without the test switch, a folder that is not a FAT32 key is refused.
    await expect(writeMountedKey({ ...req, skipFileSystemCheck: false })).rejects.toMatchObject({
      code: 'DRIVE_REFUSED',
    });
  });

  it('survives a server restart mid-stream: the download resumes and the key verifies', async () => {
    const img = join(stack.dir, 'restart.img');
    let restarted: Promise<void> | null = null;
    const resumes: number[] = [];
    // The first 1 MiB taken from the server stops the download until the server is dead: the
    // rest of the package (24 MiB, more than any socket buffers) can only come from it again.
    let taken = 0;
    async function* blobs(f: PackageFile, signal?: AbortSignal): AsyncIterable<Buffer> {
      for await (const chunk of downloadBlob(stack.client, {
        size: f.size,
        sha256: f.sha256,
        ...(signal ? { signal } : {}),
        onResume: (r) => resumes.push(r.offset),
      })) {
        yield chunk;
        taken += chunk.length;
        if (!restarted && taken > 1024 * 1024) {
          const killed = stack.killServer();
          restarted = killed
            .then(() => new Promise((r) => setTimeout(r, 1500)))
            .then(() => stack.startServer());
          await killed;
        }
      }
    }
    const out = await writeKeys({ ...base, blobs, keys: [imageKey(img)] });
    await restarted;
    expect(out[0], JSON.stringify(out[0])).toMatchObject({ ok: true });
    // The connection really dropped and the download came back for the rest.
    expect(resumes.length).toBeGreaterThan(0);
    expect(await readKey(img)).toMatchObject({ intact: true });
    expect(fsckImage(img).clean).toBe(true);
  });
});

describe('workstation cache', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ size: '8MiB' });
  }, 120_000);
  afterAll(() => stack?.stop());

  it('serves the second key from the cache, re-verifies hits, and stays under its cap', async () => {
    const vehicle = await stack.client.vehicle(NEEDS_SOFT_AND_MAP);
    const { evaluateEligibility } = await import('@pnc/shared');
    const packageIds = evaluateEligibility(vehicle, stack.verified.catalog).eligible.map((u) => u.packageId);
    let fetched = 0;
    const upstream = (f: PackageFile, signal?: AbortSignal) => {
      fetched++;
      return downloadBlob(stack.client, { size: f.size, sha256: f.sha256, ...(signal ? { signal } : {}) });
    };
    const cacheDir = join(stack.dir, 'cache');
    const cache = createBlobCache({ dir: cacheDir, maxBytes: 1024 ** 3, upstream });
    const req = {
      client: stack.client,
      serverName: 't',
      verified: stack.verified,
      vehicle,
      packageIds,
      app: { name: 't', version: '0' },
      blobs: cache,
    };
    await writeKeys({ ...req, keys: [imageKey(join(stack.dir, 'c1.img'))] });
    const first = fetched;
    expect(first).toBeGreaterThan(0);
    const out = await writeKeys({ ...req, keys: [imageKey(join(stack.dir, 'c2.img'))] });
    expect(out[0]).toMatchObject({ ok: true });
    expect(fetched).toBe(first); // nothing downloaded twice

    // A rotten cached copy is caught, removed, and the key is not reported good.
    const victim = readdirSync(cacheDir).find((n) => /^[0-9a-f]{64}$/.test(n))!;
    const bytes = readFileSync(join(cacheDir, victim));
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(join(cacheDir, victim), bytes);
    const rotten = await writeKeys({ ...req, keys: [imageKey(join(stack.dir, 'c3.img'))] });
    expect(rotten[0]).toMatchObject({ ok: false, error: { code: 'HASH_MISMATCH' } });
    expect(readdirSync(cacheDir)).not.toContain(victim);

    // A tiny cap evicts down to it.
    const small = createBlobCache({ dir: cacheDir, maxBytes: 64 * 1024, upstream });
    await small.prune();
    expect(await small.usage()).toBeLessThanOrEqual(64 * 1024);
  });
});
