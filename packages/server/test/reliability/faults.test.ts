import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '@pnc/shared';
import { openDatabase } from '../../src/db/database.js';
import { catalogBlobs } from '../../src/mirror/garbage-collector.js';
import { blobPath, listStoredBlobs, partialPath } from '../../src/store/blob-store.js';
import { hashFile } from '../../src/store/hashing.js';
import { startOrigin, type Fault, type Origin } from '../helpers/origin-server.js';
import { IO_CHUNK } from '../../src/store/hashing.js';
import { assertServedComplete, demoRepo, makeBox, tempDir } from '../helpers/mirror-fixtures.js';
import { currentCatalog } from './forge.js';
import { killBox, SCALE, setUpAccounts, startBox, startUpstream, waitFor, type BoxProcess } from './support.js';

// The downloader writes in batches of up to IO_CHUNK: a kill loses the unwritten batch and what
// was still in socket buffers; neither was ever a finished byte.
const IN_FLIGHT_SLACK = IO_CHUNK + 512 * 1024;

/** Faults on the box: kills, a full disk, a misbehaving origin. Invariants hold after each. */
describe('faults on the box', () => {
  const tmp = tempDir('rel-faults');
  const workdir = join(tmp.path, 'publisher');
  const repo = join(workdir, 'repo');
  const trustedRoot = join(repo, 'metadata', '1.root.json');
  let origin: Origin;
  let fault: ((path: string, attempt: number) => Fault | undefined) | undefined;
  let blobs: Array<[string, number]> = [];

  beforeAll(async () => {
    await demoRepo(workdir, 12 * 1024 * 1024);
    blobs = [...catalogBlobs(Catalog.parse(JSON.parse(currentCatalog(repo).bytes.toString('utf8'))))];
    origin = await startOrigin({ root: () => repo, bytesPerSecond: 3_000_000, fault: (p, a) => fault?.(p, a) });
  }, 60_000);
  afterAll(async () => {
    await origin.close();
    tmp.cleanup();
  });

  const served = async (dataDir: string) => {
    const db = openDatabase(join(dataDir, 'pnc.sqlite'));
    try {
      return await assertServedComplete(dataDir, db);
    } finally {
      db.close();
    }
  };

  it(`F01 SIGKILL of the server during a sync (${SCALE.killRounds} rounds): every served catalog complete, finished blobs never fetched again`, async () => {
    const dataDir = join(tmp.path, 'box-f01');
    const storedAt = new Map<string, number>();
    let box: BoxProcess | undefined;
    try {
      for (let round = 0; round < SCALE.killRounds; round++) {
        box = await startBox(dataDir, { PNC_ORIGIN: origin.url, PNC_TRUSTED_ROOT: trustedRoot });
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        await killBox(box);
        await served(dataDir);
        for (const h of listStoredBlobs(dataDir)) {
          expect((await hashFile(blobPath(dataDir, h))).sha256).toBe(h);
          if (!storedAt.has(h)) storedAt.set(h, origin.requests.length);
        }
      }
      box = await startBox(dataDir, { PNC_ORIGIN: origin.url, PNC_TRUSTED_ROOT: trustedRoot });
      const url = box.url;
      await waitFor(async () => ((await (await fetch(`${url}/api/v1/info`)).json()) as { content: unknown }).content !== null, 60_000, 'content');
      expect(await served(dataDir)).toBe(1);
    } finally {
      await killBox(box);
    }
    origin.requests.forEach((r, i) => {
      const h = r.path.slice('/blobs/sha256/'.length);
      const since = storedAt.get(h);
      if (r.path.startsWith('/blobs/') && since !== undefined) expect(i, `${h} fetched again`).toBeLessThan(since);
    });
    for (const [h, size] of blobs) {
      const sent = origin.requests.filter((r) => r.path === `/blobs/sha256/${h}`);
      const total = sent.reduce((n, r) => n + r.bytesSent, 0);
      expect(total - size, `${h} re-downloaded finished bytes`).toBeLessThanOrEqual(Math.max(0, sent.length - 1) * IN_FLIGHT_SLACK);
    }
  }, 240_000);

  it('F02 SIGKILL of the server during a burst of confirmations: no acknowledged confirmation lost, none stored or sent upstream twice', async () => {
    const dataDir = join(tmp.path, 'box-f02');
    const up = await startUpstream();
    const env = { PNC_OUTBOX_URL: up.url, PNC_SYNC_ON_START: '0' };
    let box: BoxProcess | undefined;
    const acked = new Set<string>();
    const sent: Array<{ id: string; body: string }> = [];
    try {
      box = await startBox(dataDir, env);
      const { technician } = await setUpAccounts(box.url, dataDir).catch(async () => {
        throw new Error(box!.output());
      });
      const post = async (url: string, c: { id: string; body: string }) => {
        const res = await fetch(`${url}/api/v1/installations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${technician}` },
          body: c.body,
        });
        if (res.status === 201 || res.status === 200) acked.add(c.id);
        else throw new Error(`HTTP ${res.status}`);
      };
      const make = () => {
        const id = randomUUID();
        const body = JSON.stringify({ id, vin: 'VF1RFB00X68234567', packageIds: ['RLINK2-SOFT-11.2.0'], outcome: 'SUCCESS', installedAt: new Date().toISOString() });
        const c = { id, body };
        sent.push(c);
        return c;
      };
      for (let round = 0; round < SCALE.killRounds; round++) {
        const url = box.url;
        let stop = false;
        const workers = Array.from({ length: 8 }, async () => {
          while (!stop) await post(url, make()).catch(() => undefined);
        });
        await new Promise((r) => setTimeout(r, 400 + Math.random() * 600));
        await killBox(box);
        stop = true;
        await Promise.all(workers);
        box = await startBox(dataDir, env);
      }
      // Workstations re-send what was not acknowledged (same id): harmless for what was.
      for (const c of sent) await post(box.url, c);
      await waitFor(() => new Set(up.received).size >= sent.length, 60_000, 'upstream');
    } finally {
      await killBox(box);
      await up.close();
    }
    const db = openDatabase(join(dataDir, 'pnc.sqlite'));
    try {
      const rows = db.prepare('SELECT id, count(*) AS n FROM installations GROUP BY id').all() as Array<{ id: string; n: number }>;
      expect(rows.filter((r) => r.n > 1)).toEqual([]);
      const stored = new Set(rows.map((r) => r.id));
      for (const id of acked) expect(stored.has(id), `acknowledged ${id} lost`).toBe(true);
    } finally {
      db.close();
    }
    const upstream = new Set(up.received);
    for (const id of acked) expect(upstream.has(id), `acknowledged ${id} never sent upstream`).toBe(true);
    // A re-send can only come from a kill between the carmaker's 2xx and our commit.
    expect(up.received.length - upstream.size).toBeLessThanOrEqual(SCALE.killRounds * 50);
    expect(acked.size).toBeGreaterThan(SCALE.killRounds * 5);
  }, 240_000);

  it('F03 SIGKILL of the server during blob streaming: the restarted server resumes the stream with Range, bytes identical', async () => {
    const dataDir = join(tmp.path, 'box-f01');
    let box: BoxProcess | undefined = await startBox(dataDir, { PNC_SYNC_ON_START: '0' });
    try {
      const token = (await setUpAccounts(box.url, dataDir)).technician;
      const [hash, size] = blobs.sort((a, b) => b[1] - a[1])[0]!;
      const res = await fetch(`${box.url}/api/v1/blobs/sha256/${hash}`, { headers: { authorization: `Bearer ${token}` } });
      const reader = res.body!.getReader();
      const got: Buffer[] = [];
      let have = 0;
      while (have < size / 3) {
        const { value, done } = await reader.read();
        if (done) break;
        got.push(Buffer.from(value));
        have += value.length;
      }
      await killBox(box);
      await reader.read().then(
        () => undefined,
        () => undefined,
      );
      box = await startBox(dataDir, { PNC_SYNC_ON_START: '0' });
      const resumed = await fetch(`${box.url}/api/v1/blobs/sha256/${hash}`, { headers: { authorization: `Bearer ${token}`, range: `bytes=${have}-`, 'if-range': `"${hash}"` } });
      expect(resumed.status).toBe(206);
      got.push(Buffer.from(await resumed.arrayBuffer()));
      const all = Buffer.concat(got);
      expect(all.length).toBe(size);
      expect((await import('./forge.js')).sha256(all)).toBe(hash);
    } finally {
      await killBox(box);
    }
  }, 120_000);

  it('F04 the disk filling during a sync: refused (DISK_SPACE_LOW), previous catalog served, resumes after space is freed without refetching finished blobs', async () => {
    const mnt = join(tmp.path, 'small-disk');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mnt]);
    try {
      const box = makeBox(join(mnt, 'box'), workdir);
      const running = box.sync(origin.url, { parallel: 2 });
      await new Promise((r) => setTimeout(r, 1200));
      const st = statfsSync(mnt);
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, st.bavail * st.bsize - 64 * 1024)));
      } catch {
        // The sync took the last bytes first: the disk is full either way.
      }
      const r = await running;
      expect(r.status).toBe('failed');
      expect(r.error?.code).toBe('DISK_SPACE_LOW');
      expect(r.error?.message).toMatch(/disk filled up/);
      expect(await assertServedComplete(box.dataDir, box.db)).toBeNull();
      rmSync(join(mnt, 'filler'));
      // What the failed run finished, and what it left half done.
      const stored = new Set(listStoredBlobs(box.dataDir));
      // Whatever is in the store is whole and verified, even though the disk filled up mid-write.
      for (const h of stored) expect((await hashFile(blobPath(box.dataDir, h))).sha256).toBe(h);
      const partial = new Map(blobs.map(([h]) => [h, statSync(partialPath(box.dataDir, h), { throwIfNoEntry: false })?.size ?? 0] as const));
      const before = origin.requests.length;
      const again = await box.sync(origin.url);
      expect(again.status, JSON.stringify(again.error)).toBe('ok');
      expect(await assertServedComplete(box.dataDir, box.db)).toBe(1);
      const reqs = origin.requests.slice(before).filter((q) => q.path.startsWith('/blobs/'));
      expect(stored.size).toBeGreaterThan(0);
      for (const q of reqs) {
        const h = q.path.slice('/blobs/sha256/'.length);
        expect(stored.has(h), `${h} was finished, fetched again`).toBe(false);
        expect(q.rangeStart, `${h} resumed at its partial size`).toBe(partial.get(h) ?? 0);
      }
      await box.close();
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  }, 120_000);

  it('F05 origin dropping, stalling and truncating connections: the sync completes, resuming where the bytes stopped', async () => {
    const box = makeBox(join(tmp.path, 'box-f05'), workdir, 600);
    const sorted = [...blobs].sort((a, b) => b[1] - a[1]).map(([h]) => `/blobs/sha256/${h}`);
    const kinds: Fault[] = [
      { kind: 'drop', afterBytes: 300_000 },
      { kind: 'stall', ms: 1500 },
      { kind: 'truncate', afterBytes: 200_000 },
    ];
    const faulted = new Set<string>();
    fault = (p) => {
      const i = sorted.indexOf(p);
      if (i < 0 || i >= kinds.length || faulted.has(p)) return undefined;
      faulted.add(p);
      return kinds[i];
    };
    const before = origin.requests.length;
    const r = await box.sync(origin.url, { retryDelayMs: 20 });
    fault = undefined;
    expect(r.status, JSON.stringify(r.error)).toBe('ok');
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(1);
    const reqs = origin.requests.slice(before);
    expect(reqs.some((q) => sorted.slice(0, 3).includes(q.path) && q.status === 206 && q.rangeStart > 0), JSON.stringify(reqs.filter((q) => sorted.slice(0, 3).includes(q.path)))).toBe(true);
    for (const p of sorted.slice(0, 3)) {
      const mine = reqs.filter((q) => q.path === p);
      const size = blobs.find(([h]) => p.endsWith(h))![1];
      expect(mine.reduce((n, q) => n + q.bytesSent, 0) - size, `${p} redid finished bytes`).toBeLessThanOrEqual((mine.length - 1) * 2 * IN_FLIGHT_SLACK);
    }
    await box.close();
  }, 120_000);
});
