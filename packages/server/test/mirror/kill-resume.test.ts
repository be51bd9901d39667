import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { listStoredBlobs, blobPath } from '../../src/store/blob-store.js';
import { hashFile, IO_CHUNK } from '../../src/store/hashing.js';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, tempDir } from '../helpers/mirror-fixtures.js';

const ROUNDS = Number(process.env['PNC_KILL_ROUNDS'] ?? 10);
const RUN_SYNC = join(import.meta.dirname, '..', 'helpers', 'run-sync.ts');
/**
 * What a kill may lose per interruption: the batch not yet written (the downloader gathers up to
 * IO_CHUNK before each write) and what the origin had put into the socket.
 */
const IN_FLIGHT_SLACK = IO_CHUNK + 256 * 1024;

function startSync(origin: string, dataDir: string, trustedRoot: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_SYNC, '--origin', origin, '--data-dir', dataDir, '--trusted-root', trustedRoot, '--parallel', '3'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PNC_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, stderr: () => stderr };
}

/** Every file in the store hashes to its name: a killed sync never leaves a wrong blob there. */
async function assertStoreVerified(dataDir: string): Promise<Set<string>> {
  const stored = new Set(listStoredBlobs(dataDir));
  for (const h of stored) expect((await hashFile(blobPath(dataDir, h))).sha256).toBe(h);
  return stored;
}

describe('pnc-server sync killed with SIGKILL at random points', () => {
  const tmp = tempDir('kill');
  const workdir = join(tmp.path, 'publisher');
  let origin: Origin;

  beforeAll(async () => {
    await demoRepo(workdir, 12 * 1024 * 1024);
    origin = await startOrigin({ root: () => join(workdir, 'repo'), bytesPerSecond: 2_000_000 });
  });
  afterAll(async () => {
    await origin.close();
    tmp.cleanup();
  });

  it(`serves one complete catalog after each of ${ROUNDS} kills, resumes without re-downloading, then completes`, async () => {
    const dataDir = join(tmp.path, 'box');
    const trustedRoot = join(workdir, 'repo', 'metadata', '1.root.json');
    const completedBefore = new Map<string, number>();
    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const run = startSync(origin.url, dataDir, trustedRoot);
      const delay = 400 + Math.floor(Math.random() * 1400);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), delay);
      const code = await run.exit;
      clearTimeout(timer);
      if (code === 0) break; // finished before the kill
      kills++;
      expect(run.child.signalCode, run.stderr()).toBe('SIGKILL');
      const db = openDatabase(join(dataDir, 'pnc.sqlite'));
      try {
        await assertServedComplete(dataDir, db);
      } finally {
        db.close();
      }
      for (const h of await assertStoreVerified(dataDir)) if (!completedBefore.has(h)) completedBefore.set(h, origin.requests.length);
    }
    const final = startSync(origin.url, dataDir, trustedRoot);
    expect(await final.exit, final.stderr()).toBe(0);
    const db = openDatabase(join(dataDir, 'pnc.sqlite'));
    try {
      expect(await assertServedComplete(dataDir, db)).toBe(1);
    } finally {
      db.close();
    }

    const blobRequests = origin.requests.map((r, i) => ({ ...r, i })).filter((r) => r.path.startsWith('/blobs/sha256/'));
    // A blob already in the store is never asked for again.
    for (const r of blobRequests) {
      const since = completedBefore.get(r.path.slice('/blobs/sha256/'.length));
      if (since !== undefined) expect(r.i, `${r.path} fetched again after it was stored`).toBeLessThan(since);
    }
    // Per blob, bytes sent beyond its size are at most what was in flight at each interruption.
    const perBlob = new Map<string, { sent: number; requests: number }>();
    for (const r of blobRequests) {
      const e = perBlob.get(r.path) ?? { sent: 0, requests: 0 };
      perBlob.set(r.path, { sent: e.sent + r.bytesSent, requests: e.requests + 1 });
    }
    for (const [path, e] of perBlob) {
      const size = (await hashFile(blobPath(dataDir, path.slice('/blobs/sha256/'.length)))).size;
      expect(e.sent - size, `${path} re-downloaded completed bytes`).toBeLessThanOrEqual((e.requests - 1) * IN_FLIGHT_SLACK);
    }
    expect(kills).toBeGreaterThan(0);
  }, 180_000);
});
