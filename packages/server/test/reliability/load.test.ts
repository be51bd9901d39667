import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '@pnc/shared';
import { openDatabase } from '../../src/db/database.js';
import { catalogBlobs } from '../../src/mirror/garbage-collector.js';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { demoRepo, tempDir } from '../helpers/mirror-fixtures.js';
import { currentCatalog } from './forge.js';
import { FULL, killBox, SCALE, setUpAccounts, startBox, waitFor, type BoxProcess } from './support.js';

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** Many workstations against one real box: eligibility checks, blob downloads, confirmations. */
describe('load', () => {
  const tmp = tempDir('rel-load');
  const workdir = join(tmp.path, 'publisher');
  let origin: Origin;
  let box: BoxProcess | undefined;
  beforeAll(async () => {
    await demoRepo(workdir, 8 * 1024 * 1024);
    origin = await startOrigin({ root: () => join(workdir, 'repo') });
  }, 60_000);
  afterAll(async () => {
    await killBox(box);
    await origin.close();
    tmp.cleanup();
  });

  it(`L01 ${SCALE.workstations} simulated workstations for ${SCALE.loadSeconds} s (eligibility, blob downloads with Range, confirmations with retries): error rate 0, every confirmation stored once, memory flat`, async () => {
    const dataDir = join(tmp.path, 'box');
    box = await startBox(dataDir, { PNC_ORIGIN: origin.url, PNC_TRUSTED_ROOT: join(workdir, 'repo', 'metadata', '1.root.json'), PNC_LOG_LEVEL: 'warn' });
    const url = box.url;
    await waitFor(async () => ((await (await fetch(`${url}/api/v1/info`)).json()) as { content: unknown }).content !== null, 60_000, 'content');
    const { technician } = await setUpAccounts(url, dataDir);
    const auth = { authorization: `Bearer ${technician}` };
    const vins = (JSON.parse(readFileSync(join(workdir, 'demo-vins.json'), 'utf8')) as Array<{ vin: string }>).map((v) => v.vin);
    const blobs = [...catalogBlobs(Catalog.parse(JSON.parse(currentCatalog(join(workdir, 'repo')).bytes.toString('utf8'))))];
    const dispatcher = new Agent({ connections: SCALE.workstations * 2, keepAliveTimeout: 30_000 });
    const errors: string[] = [];
    const acked = new Set<string>();
    let requests = 0;
    let bytes = 0;
    const call = async (method: 'GET' | 'POST', path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> => {
      requests++;
      const r = await request(`${url}${path}`, { method, dispatcher, headers: { ...auth, ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
      const b = Buffer.from(await r.body.arrayBuffer());
      return { status: r.statusCode, body: b };
    };
    const warm = performance.now();
    const deadline = warm + SCALE.loadSeconds * 1000;
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssKiB(box!.child.pid!)), 500);
    const workstation = async (w: number): Promise<void> => {
      for (let i = 0; performance.now() < deadline; i++) {
        const vin = vins[(w + i) % vins.length]!;
        try {
          const op = i % 4;
          if (op === 0 || op === 2) {
            const r = await call('GET', `/api/v1/vehicles/${vin}/eligibility`);
            if (r.status !== 200) errors.push(`eligibility ${r.status}`);
          } else if (op === 1) {
            const [h, size] = blobs[(w + i) % blobs.length]!;
            const start = i % 8 === 1 ? Math.floor(size / 2) : 0;
            const r = await call('GET', `/api/v1/blobs/sha256/${h}`, undefined, start ? { range: `bytes=${start}-` } : {});
            if (r.status !== (start ? 206 : 200) || r.body.length !== size - start) errors.push(`blob ${r.status} ${r.body.length}`);
            bytes += r.body.length;
          } else {
            const id = randomUUID();
            const body = JSON.stringify({ id, vin, packageIds: ['RLINK2-SOFT-11.2.0'], outcome: 'SUCCESS', installedAt: new Date().toISOString(), workstation: `ws-${w}` });
            const r = await call('POST', '/api/v1/installations', body);
            if (r.status !== 201) errors.push(`confirm ${r.status} ${r.body.toString()}`);
            else acked.add(id);
            // A workstation that did not hear the answer sends again: answered as a duplicate.
            if (i % 12 === 3) {
              const again = await call('POST', '/api/v1/installations', body);
              if (again.status !== 200) errors.push(`retry ${again.status}`);
            }
          }
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: SCALE.workstations }, (_, w) => workstation(w)));
    clearInterval(sampler);
    await dispatcher.close();
    const seconds = (performance.now() - warm) / 1000;
    console.log(`load: ${requests} requests in ${seconds.toFixed(1)} s (${Math.round(requests / seconds)}/s), ${(bytes / 2 ** 20).toFixed(0)} MiB of blobs, ${acked.size} confirmations, rss ${samples.map((s) => Math.round(s / 1024)).join(',')} MiB`);
    expect(errors.slice(0, 5)).toEqual([]);
    expect(requests).toBeGreaterThan(SCALE.workstations * 10);
    const db = openDatabase(join(dataDir, 'pnc.sqlite'));
    try {
      const rows = db.prepare('SELECT id, count(*) AS n FROM installations GROUP BY id').all() as Array<{ id: string; n: number }>;
      expect(rows.filter((r) => r.n > 1)).toEqual([]);
      const stored = new Set(rows.map((r) => r.id));
      expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
      expect(rows.length).toBe(acked.size);
    } finally {
      db.close();
    }
    // Memory flat: the second half of the run does not keep growing past the first half's peak.
    const half = Math.floor(samples.length / 2);
    const firstPeak = Math.max(...samples.slice(0, half));
    const lastPeak = Math.max(...samples.slice(half));
    expect(lastPeak, `rss first half ${firstPeak} KiB, second half ${lastPeak} KiB`).toBeLessThan(firstPeak * (FULL ? 1.25 : 1.5) + 32 * 1024);
  }, 240_000);
});
