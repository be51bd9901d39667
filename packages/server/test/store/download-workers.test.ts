import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPncError } from '@pnc/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../../src/config/data-dir.js';
import { Throttle } from '../../src/mirror/bandwidth.js';
import { blobPath, hasBlob, partialPath } from '../../src/store/blob-store.js';
import { DownloadWorkers } from '../../src/store/download-workers.js';
import { randomBlobs, startBlobOrigin, type FaultRule } from '../helpers/blob-origin.js';
import type { Origin } from '../helpers/origin-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'pnc-download-workers-'));
const MiB = 1024 * 1024;

describe('DownloadWorkers (the sync’s download threads)', () => {
  const blobs = randomBlobs([1, 4097, MiB + 3, 2 * MiB + 5, 700_000, 64 * 1024]);
  const total = blobs.reduce((n, b) => n + b.ref.size, 0);
  let fault: { rule: FaultRule | undefined };
  let origin: Origin;
  let n = 0;

  beforeAll(async () => {
    ({ origin, fault } = await startBlobOrigin(join(tmp, 'repo'), blobs));
  });
  afterAll(async () => {
    await origin.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  function box(): string {
    const dataDir = mkdtempSync(join(tmp, `box-${++n}-`));
    ensureDataDir(dataDir);
    return dataDir;
  }
  const url = (sha256: string): string => `${origin.url}/blobs/sha256/${sha256}`;

  it('downloads on several threads into the store, every byte counted once, resumed bytes as such', async () => {
    const dataDir = box();
    // A partial file left by an earlier run: resumed with Range, not fetched again.
    const big = blobs[3]!;
    writeFileSync(partialPath(dataDir, big.ref.sha256), big.data.subarray(0, 300_000));
    const counted = { resumed: 0, downloaded: 0 };
    const workers = new DownloadWorkers({
      dataDir,
      parallel: 4,
      retryDelayMs: 10,
      onBytes: (b, how) => (counted[how] += b),
    });
    try {
      expect(workers.threadCount).toBeGreaterThanOrEqual(1);
      const got = await Promise.all(blobs.map((b) => workers.download(b.ref, url(b.ref.sha256))));
      await workers.settle();
      expect(got.reduce((a, b) => a + b, 0)).toBe(total - 300_000);
      expect(counted).toEqual({ resumed: 300_000, downloaded: total - 300_000 });
      for (const b of blobs) {
        expect(hasBlob(dataDir, b.ref.sha256, b.ref.size)).toBe(true);
        expect(readFileSync(blobPath(dataDir, b.ref.sha256)).equals(b.data)).toBe(true);
      }
      // Already in the store: nothing to receive.
      expect(await workers.download(big.ref, url(big.ref.sha256))).toBe(0);
    } finally {
      await workers.close();
    }
  });

  it('brings failures back with their codes, as PncErrors', async () => {
    const dataDir = box();
    const workers = new DownloadWorkers({ dataDir, parallel: 2, retryDelayMs: 10 });
    const flipped = blobs[2]!;
    fault.rule = (p) => (p.endsWith(flipped.ref.sha256) ? { kind: 'flip', offset: 10 } : undefined);
    try {
      const missing = { sha256: 'ab'.repeat(32), size: 10 };
      const notFound = await workers.download(missing, url(missing.sha256)).catch((e: unknown) => e);
      expect(isPncError(notFound) && notFound.code).toBe('NOT_FOUND');
      expect((notFound as Error).message).toMatch(/HTTP 404/);
      const corrupt = await workers.download(flipped.ref, url(flipped.ref.sha256)).catch((e: unknown) => e);
      expect(isPncError(corrupt) && corrupt.code).toBe('HASH_MISMATCH');
      expect(hasBlob(dataDir, flipped.ref.sha256, flipped.ref.size)).toBe(false);
      // The threads keep working after a failed blob.
      fault.rule = undefined;
      expect(await workers.download(flipped.ref, url(flipped.ref.sha256))).toBe(flipped.ref.size);
      await workers.settle();
    } finally {
      fault.rule = undefined;
      await workers.close();
    }
  });

  it('stops a download when the sync is cancelled, and closes cleanly', async () => {
    const dataDir = box();
    const workers = new DownloadWorkers({ dataDir, parallel: 1, retryDelayMs: 10 });
    const big = blobs[3]!;
    fault.rule = () => ({ kind: 'trickle', bytesPerSecond: 200_000 });
    try {
      const abort = new AbortController();
      const pending = workers.download(big.ref, url(big.ref.sha256), abort.signal).catch((e: unknown) => e);
      setTimeout(() => abort.abort(), 300);
      const e = await pending;
      expect(isPncError(e) && e.code).toBe('DOWNLOAD_FAILED');
      expect((e as Error).message).toMatch(/cancelled/);
      expect(hasBlob(dataDir, big.ref.sha256, big.ref.size)).toBe(false);
    } finally {
      fault.rule = undefined;
      await workers.close();
    }
  });

  it('shares the bandwidth cap of the main thread across its threads', async () => {
    const dataDir = box();
    const cap = 2 * MiB;
    const throttle = new Throttle({ windows: [], defaultBytesPerSecond: cap });
    let taken = 0;
    const take = throttle.take.bind(throttle);
    throttle.take = (bytes: number) => ((taken += bytes), take(bytes));
    const workers = new DownloadWorkers({ dataDir, parallel: 4, throttle, retryDelayMs: 10 });
    try {
      const t0 = Date.now();
      await Promise.all(blobs.map((b) => workers.download(b.ref, url(b.ref.sha256))));
      const seconds = (Date.now() - t0) / 1000;
      // One bucket for all threads: every byte went through it, and ≈ 3.8 MiB at 2 MiB/s (less
      // the bucket's half-second allowance) cannot take under a second.
      expect(taken).toBe(total);
      expect(seconds).toBeGreaterThan((total - cap / 2) / cap - 0.2);
      await workers.settle();
    } finally {
      await workers.close();
    }
  });
});
