import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../../src/config/data-dir.js';
import { OriginHttp } from '../../src/mirror/origin-http.js';
import { blobPath, hasBlob, partialPath } from '../../src/store/blob-store.js';
import { downloadBlob } from '../../src/store/downloader.js';
import { IO_CHUNK } from '../../src/store/hashing.js';
import { randomBlobs, startBlobOrigin, type FaultRule } from '../helpers/blob-origin.js';
import type { Origin } from '../helpers/origin-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'pnc-downloader-'));
const BLOCK = 4096;

/** Blob sizes around the block and batch sizes, and one of several batches with an odd tail. */
const SIZES = [1, BLOCK - 1, BLOCK + 1, IO_CHUNK + 1, 3 * IO_CHUNK + 4097];

describe('downloadBlob', () => {
  const blobs = randomBlobs(SIZES);
  let fault: { rule: FaultRule | undefined };
  let origin: Origin;
  const http = new OriginHttp(5000);
  let n = 0;

  beforeAll(async () => {
    ({ origin, fault } = await startBlobOrigin(join(tmp, 'repo'), blobs));
  });
  afterAll(async () => {
    await http.close();
    await origin.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh data folder. */
  function box() {
    const dataDir = mkdtempSync(join(tmp, `box-${++n}-`));
    ensureDataDir(dataDir);
    return { dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
  }

  const download = (b: (typeof blobs)[number], dataDir: string) =>
    downloadBlob(b.ref, {
      dataDir,
      http,
      url: `${origin.url}/blobs/sha256/${b.ref.sha256}`,
      retryDelayMs: 10,
    });

  it('stores every size intact', async () => {
    const { dataDir, cleanup } = box();
    for (const b of blobs) {
      expect(await download(b, dataDir)).toBe(b.ref.size);
      expect(readFileSync(blobPath(dataDir, b.ref.sha256)).equals(b.data)).toBe(true);
      expect(existsSync(partialPath(dataDir, b.ref.sha256))).toBe(false);
    }
    cleanup();
  });

  it('resumes a partial file left by an earlier run at a position inside a block, without fetching those bytes again', async () => {
    const { dataDir, cleanup } = box();
    const b = blobs[4]!;
    const have = IO_CHUNK + 1234; // not a block or batch boundary
    writeFileSync(partialPath(dataDir, b.ref.sha256), b.data.subarray(0, have));
    const before = origin.requests.length;
    expect(await download(b, dataDir)).toBe(b.ref.size - have);
    const reqs = origin.requests.slice(before);
    expect(reqs.map((r) => [r.status, r.rangeStart])).toEqual([[206, have]]);
    expect(readFileSync(blobPath(dataDir, b.ref.sha256)).equals(b.data)).toBe(true);
    cleanup();
  });

  it('resumes after connections dropped mid-body at unaligned offsets, several times', async () => {
    const { dataDir, cleanup } = box();
    const b = blobs[4]!;
    const path = `/blobs/sha256/${b.ref.sha256}`;
    fault.rule = (p, a) => (p === path && a <= 3 ? { kind: 'drop', afterBytes: 300_001 * a } : undefined);
    try {
      expect(await download(b, dataDir)).toBeGreaterThanOrEqual(b.ref.size);
    } finally {
      fault.rule = undefined;
    }
    expect(readFileSync(blobPath(dataDir, b.ref.sha256)).equals(b.data)).toBe(true);
    cleanup();
  });

  it('still refuses a blob whose bytes never match the signed hash: nothing stored, the partial file gone', async () => {
    const { dataDir, cleanup } = box();
    const b = blobs[3]!;
    const path = `/blobs/sha256/${b.ref.sha256}`;
    fault.rule = (p) => (p === path ? { kind: 'flip', offset: b.ref.size - 1 } : undefined);
    try {
      await expect(download(b, dataDir)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    } finally {
      fault.rule = undefined;
    }
    expect(hasBlob(dataDir, b.ref.sha256, b.ref.size)).toBe(false);
    expect(existsSync(partialPath(dataDir, b.ref.sha256))).toBe(false);
    cleanup();
  });
});
