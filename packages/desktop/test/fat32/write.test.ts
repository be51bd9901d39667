import { Readable } from 'node:stream';
import { join } from 'node:path';
import { isPncError, type PncError } from '@pnc/shared';
import { describe, expect, it } from 'vitest';
import {
  openImageTarget,
  planFat32Volume,
  rewriteFileInPlace,
  writeFat32Volume,
  type BlockTarget,
  type FileSource,
} from '../../src/core/fat32/index.js';
import {
  contentOf,
  fsckFindings,
  fsckPartition,
  GIB,
  mcopyHash,
  MIB,
  sha256,
  unevenChunks,
  withTempDir,
} from '../helpers/fat-tools.js';

const files = [
  { path: 'PNC_KEY.JSON', size: 300 },
  { path: 'Soft/RLINK2 update.bin', size: 20 * MIB + 17 },
  { path: 'Soft/after.bin', size: 5000 },
];
const contentSource: FileSource = (f) => unevenChunks(contentOf(f.path, f.size));

async function failure(p: Promise<unknown>): Promise<PncError> {
  const e = await p.then(
    () => new Error('expected a failure'),
    (x: unknown) => x,
  );
  if (isPncError(e)) return e;
  throw e;
}

/** Plans `files` on a fresh 1 GiB image and runs `fn` with it; the target is closed afterwards. */
async function withImage(
  fn: (ctx: {
    image: string;
    target: BlockTarget;
    plan: ReturnType<typeof planFat32Volume>;
  }) => Promise<void>,
) {
  await withTempDir(async (dir) => {
    const image = join(dir, 'key.img');
    const plan = planFat32Volume({ volumeBytes: GIB, files });
    const target = await openImageTarget(image, GIB);
    try {
      await fn({ image, target, plan });
    } finally {
      await target.close();
    }
  });
}

describe('writeFat32Volume', () => {
  it('takes a Node stream or a plain iterable as source, and reports throttled progress ending at the total', async () => {
    await withImage(async ({ image, target, plan }) => {
      const reports: Array<{ bytesWritten: number; totalBytes: number; file?: string }> = [];
      const started = performance.now();
      await writeFat32Volume(
        plan,
        target,
        (f) =>
          f.path.endsWith('.JSON')
            ? [contentOf(f.path, f.size)]
            : Readable.from(unevenChunks(contentOf(f.path, f.size))),
        { onProgress: (p) => reports.push(p), blockBytes: MIB },
      );
      const seconds = (performance.now() - started) / 1000;
      expect(reports.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2);
      const last = reports[reports.length - 1];
      expect(last).toEqual({
        bytesWritten: plan.metadataBytes + plan.dataBytes,
        totalBytes: plan.metadataBytes + plan.dataBytes,
        file: 'Soft/after.bin',
      });
      for (let i = 1; i < reports.length; i++) {
        expect(reports[i]!.bytesWritten).toBeGreaterThanOrEqual(reports[i - 1]!.bytesWritten);
      }
      const fsck = await fsckPartition(image, plan.partitionBytes);
      expect(fsck.code).toBe(0);
      for (const f of files) expect(await mcopyHash(image, f.path)).toBe(sha256(contentOf(f.path, f.size)));
    });
  });

  it('pulls the source no faster than the target writes', async () => {
    await withImage(async ({ target, plan }) => {
      const blockBytes = MIB;
      let written = 0;
      let maxAhead = 0;
      let yielded = 0;
      // The real image target, slowed down so the source would race ahead if it could (and not
      // "zeroed", so every metadata byte is written and `written` tracks the writer's position).
      const slow: BlockTarget = {
        size: target.size,
        read: (b, p) => target.read(b, p),
        sync: () => target.sync(),
        close: async () => undefined,
        write: async (b, p) => {
          await new Promise((r) => setTimeout(r, 5));
          await target.write(b, p);
          written += b.length;
        },
      };
      const source: FileSource = async function* (f) {
        for await (const c of unevenChunks(contentOf(f.path, f.size))) {
          yielded += c.length;
          maxAhead = Math.max(maxAhead, plan.metadataBytes + yielded - written);
          yield c;
        }
      };
      await writeFat32Volume(plan, slow, source, { blockBytes });
      // At most one block being written, one being filled, and the largest chunk in hand.
      expect(maxAhead).toBeLessThanOrEqual(2 * blockBytes + 1_048_583);
    });
  });

  it('cancels promptly with WRITE_CANCELLED, even while the source stalls mid-file', async () => {
    await withImage(async ({ target, plan }) => {
      const controller = new AbortController();
      const source: FileSource = async function* (f) {
        yield contentOf(f.path, Math.min(f.size, 3 * MIB));
        if (f.path === 'Soft/RLINK2 update.bin') {
          setTimeout(() => controller.abort(), 50);
          await new Promise(() => undefined); // a download that never delivers again
        }
      };
      // Without the signal racing the source, this would hang until the test times out.
      const e = await failure(writeFat32Volume(plan, target, source, { signal: controller.signal }));
      expect(e.code).toBe('WRITE_CANCELLED');

      // Cancelled while bytes keep flowing: the next file is never pulled.
      const again = new AbortController();
      const seen: string[] = [];
      const flowing: FileSource = async function* (f) {
        seen.push(f.path);
        let sent = 0;
        for await (const c of unevenChunks(contentOf(f.path, f.size))) {
          sent += c.length;
          if (sent > 5 * MIB) again.abort();
          yield c;
        }
      };
      const e2 = await failure(writeFat32Volume(plan, target, flowing, { signal: again.signal }));
      expect(e2.code).toBe('WRITE_CANCELLED');
      expect(seen).toEqual(['PNC_KEY.JSON', 'Soft/RLINK2 update.bin']);
    });
  });

  it('refuses a source that delivers too few or too many bytes, naming the file, and releases the source', async () => {
    await withImage(async ({ target, plan }) => {
      const short = await failure(
        writeFat32Volume(plan, target, (f) =>
          unevenChunks(contentOf(f.path, f.path === 'Soft/after.bin' ? f.size - 1 : f.size)),
        ),
      );
      expect(short.code).toBe('WRITE_FAILED');
      expect(short.message).toContain('"Soft/after.bin" delivered 4999 of its 5000 bytes');

      let released = false;
      const long = await failure(
        writeFat32Volume(plan, target, async function* (f) {
          try {
            yield* unevenChunks(contentOf(f.path, f.size));
            if (f.path === 'Soft/RLINK2 update.bin') yield Buffer.alloc(1);
          } finally {
            released = true;
          }
        }),
      );
      expect(long.code).toBe('WRITE_FAILED');
      expect(long.message).toContain('"Soft/RLINK2 update.bin" delivered more than its 20971537 bytes');
      await new Promise((r) => setImmediate(r));
      expect(released).toBe(true);

      const broken = await failure(
        writeFat32Volume(plan, target, (f) => {
          if (f.path === 'Soft/after.bin') throw new Error('ECONNRESET');
          return [contentOf(f.path, f.size)];
        }),
      );
      expect(broken.code).toBe('WRITE_FAILED');
      expect(broken.message).toBe('Reading "Soft/after.bin" for the key failed: ECONNRESET');

      const text = await failure(writeFat32Volume(plan, target, () => ['not bytes'] as unknown as Buffer[]));
      expect(text.message).toContain('"PNC_KEY.JSON"');
    });
  });

  it('refuses a target smaller than the planned volume', async () => {
    await withTempDir(async (dir) => {
      const plan = planFat32Volume({ volumeBytes: 2 * GIB, files });
      const target = await openImageTarget(join(dir, 'small.img'), GIB);
      try {
        const e = await failure(writeFat32Volume(plan, target, contentSource));
        expect(e.code).toBe('WRITE_FAILED');
        expect(e.message).toContain('planned for 2147483648');
      } finally {
        await target.close();
      }
    });
  });

  it('rewrites the key manifest in place; fsck stays clean and mtools reads the new content', async () => {
    await withImage(async ({ image, target, plan }) => {
      await writeFat32Volume(plan, target, contentSource);
      const complete = Buffer.alloc(300, 'c');
      await rewriteFileInPlace(plan, target, 'PNC_KEY.JSON', complete);
      const fsck = await fsckPartition(image, plan.partitionBytes);
      expect(fsck.code).toBe(0);
      expect(fsckFindings(fsck.stdout)).toEqual([]);
      expect(await mcopyHash(image, 'PNC_KEY.JSON')).toBe(sha256(complete));
      expect(await mcopyHash(image, 'Soft/after.bin')).toBe(sha256(contentOf('Soft/after.bin', 5000)));

      const wrongSize = await failure(rewriteFileInPlace(plan, target, 'PNC_KEY.JSON', Buffer.alloc(299)));
      expect(wrongSize.code).toBe('WRITE_FAILED');
      expect(wrongSize.message).toContain('Only same-size rewrites');
      const unknown = await failure(rewriteFileInPlace(plan, target, 'nope.json', complete));
      expect(unknown.message).toContain('"nope.json"');
    });
  });
});
