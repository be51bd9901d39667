import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCurrentContent } from '../../src/db/content.js';
import { OriginHttp } from '../../src/mirror/origin-http.js';
import { addPackage } from '../../src/publisher/content-ops.js';
import { publish } from '../../src/publisher/repository.js';
import { startOrigin, type Fault, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, makeBox, tempDir } from '../helpers/mirror-fixtures.js';

/**
 * Every fault ends with either the new catalog, complete, or the previous one still served —
 * never a mix. The box holds snapshot 1; the origin offers snapshot 2 with new blobs.
 */
describe('mirror against a faulty origin', () => {
  const tmp = tempDir('faults');
  const workdir = join(tmp.path, 'publisher');
  const repoV1 = join(tmp.path, 'repo-v1');
  const repoV2 = join(workdir, 'repo');
  let newBlobs: string[] = [];
  let root = repoV2;
  let fault: ((path: string, attempt: number) => Fault | undefined) | undefined;
  let origin: Origin;
  let n = 0;

  beforeAll(async () => {
    await demoRepo(workdir, 1024 * 1024);
    cpSync(repoV2, repoV1, { recursive: true });
    const src = join(tmp.path, 'src');
    mkdirSync(join(src, 'RLINK2', 'Correctifs'), { recursive: true });
    for (let i = 1; i <= 3; i++) writeFileSync(join(src, 'RLINK2', 'Correctifs', `Correctif numéro ${i}.bin`), Buffer.alloc(400_000 + i, i));
    writeFileSync(join(tmp.path, 'meta.json'), JSON.stringify({ id: 'RLINK2-SOFT-11.3.0', kind: 'SOFT', family: 'RLINK2', version: '11.3.0', region: '*', title: { en: 'R-LINK 2 11.3.0' } }));
    const pkg = await addPackage(workdir, { folder: src, metaFile: join(tmp.path, 'meta.json') });
    newBlobs = pkg.files.map((f) => f.sha256);
    publish(workdir);
    origin = await startOrigin({ root: () => root, fault: (p, a) => fault?.(p, a) });
  });
  afterAll(async () => {
    await origin.close();
    tmp.cleanup();
  });

  /** A box serving snapshot 1, then one sync against the faulty origin. */
  async function syncWithFault(f: typeof fault, opts: { diskMarginBytes?: number; idleTimeoutMs?: number; repo?: string } = {}) {
    const box = makeBox(join(tmp.path, `box-${++n}`), workdir, opts.idleTimeoutMs ?? 5000);
    root = repoV1;
    fault = undefined;
    expect((await box.sync(origin.url)).status).toBe('ok');
    root = opts.repo ?? repoV2;
    fault = f;
    const before = origin.requests.length;
    const result = await box.sync(origin.url, opts.diskMarginBytes !== undefined ? { diskMarginBytes: opts.diskMarginBytes } : {});
    fault = undefined;
    const served = await assertServedComplete(box.dataDir, box.db);
    const requests = origin.requests.slice(before);
    await box.close();
    return { result, served, requests };
  }

  const isNewBlob = (p: string): boolean => newBlobs.some((h) => p === `/blobs/sha256/${h}`);

  it('recovers from connections dropped mid-body (resuming with Range)', async () => {
    const { result, served } = await syncWithFault((p, a) => (isNewBlob(p) && a === 1 ? { kind: 'drop', afterBytes: 100_000 } : undefined));
    expect(result.status).toBe('ok');
    expect(served).toBe(2);
  });

  it('recovers from truncated bodies', async () => {
    const { result, served, requests } = await syncWithFault((p, a) => (isNewBlob(p) && a === 1 ? { kind: 'truncate', afterBytes: 50_000 } : undefined));
    expect(result.status).toBe('ok');
    expect(served).toBe(2);
    // A resume starts from the bytes already written, never past what the origin sent. (undici
    // drops what it had buffered when a body errors, so a short body may also restart at 0.)
    for (const r of requests.filter((q) => q.status === 206)) expect(r.rangeStart).toBeLessThanOrEqual(50_000);
  });

  it('retries blobs after HTTP 500', async () => {
    const { result, served } = await syncWithFault((p, a) => (isNewBlob(p) && a <= 2 ? { kind: 'status', status: 500 } : undefined));
    expect(result.status).toBe('ok');
    expect(served).toBe(2);
  });

  it('completes through a slow trickle (idle timeout, not a total timeout)', async () => {
    const { result, served } = await syncWithFault((p) => (isNewBlob(p) ? { kind: 'trickle', bytesPerSecond: 400_000 } : undefined), { idleTimeoutMs: 700 });
    expect(result.status).toBe('ok');
    expect(served).toBe(2);
  });

  it('retries a blob whose origin went silent past the idle timeout', async () => {
    const { result, served } = await syncWithFault((p, a) => (isNewBlob(p) && a === 1 ? { kind: 'stall', ms: 1500 } : undefined), { idleTimeoutMs: 500 });
    expect(result.status).toBe('ok');
    expect(served).toBe(2);
  });

  it('retries once after a flipped byte and succeeds', async () => {
    const { result, served } = await syncWithFault((p, a) => (isNewBlob(p) && a === 1 ? { kind: 'flip', offset: 1234 } : undefined));
    expect(result.status).toBe('ok');
    expect(served).toBe(2);
  });

  it('refuses a blob that is always corrupt; the previous catalog stays', async () => {
    const { result, served } = await syncWithFault((p) => (p === `/blobs/sha256/${newBlobs[0]}` ? { kind: 'flip', offset: 10 } : undefined));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('HASH_MISMATCH');
    expect(result.error?.message).toMatch(/previous content \(snapshot 1\) is still served/);
    expect(served).toBe(1);
  });

  it('refuses a blob served with another length than the signed one', async () => {
    const { result, served } = await syncWithFault((p) => (p === `/blobs/sha256/${newBlobs[1]}` ? { kind: 'replace', body: Buffer.alloc(10) } : undefined));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('LENGTH_MISMATCH');
    expect(served).toBe(1);
  });

  it('keeps the previous catalog when the origin answers 500 for the timestamp', async () => {
    const { result, served } = await syncWithFault((p) => (p === '/metadata/timestamp.json' ? { kind: 'status', status: 500 } : undefined));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('DOWNLOAD_FAILED');
    expect(served).toBe(1);
  });

  it('refuses a timestamp with a wrong signature', async () => {
    const ts = JSON.parse(readFileSync(join(repoV2, 'metadata', 'timestamp.json'), 'utf8')) as { signed: { expires: string } };
    ts.signed.expires = '2099-01-01T00:00:00Z';
    const { result, served } = await syncWithFault((p) => (p === '/metadata/timestamp.json' ? { kind: 'replace', body: Buffer.from(JSON.stringify(ts)) } : undefined));
    expect(result.error?.code).toBe('SIGNATURE_INVALID');
    expect(served).toBe(1);
  });

  it('refuses a tampered snapshot (hash signed by the timestamp)', async () => {
    const { result, served } = await syncWithFault((p, a) => (p === '/metadata/2.snapshot.json' ? { kind: 'flip', offset: 40 + a } : undefined));
    expect(result.status).toBe('failed');
    expect(['HASH_MISMATCH', 'METADATA_INVALID']).toContain(result.error?.code);
    expect(served).toBe(1);
  });

  it('refuses a tampered catalog (hash signed by the targets)', async () => {
    const { result, served } = await syncWithFault((p) => (p.endsWith('.catalog.json') ? { kind: 'flip', offset: 30 } : undefined));
    expect(result.error?.code).toBe('HASH_MISMATCH');
    expect(served).toBe(1);
  });

  it('refuses a metadata rollback', async () => {
    const box = makeBox(join(tmp.path, 'box-rollback'), workdir);
    root = repoV2;
    expect((await box.sync(origin.url)).snapshotVersion).toBe(2);
    root = repoV1;
    const r = await box.sync(origin.url);
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('METADATA_ROLLBACK');
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(2);
    root = repoV2;
    await box.close();
  });

  it('refuses expired metadata and says when it expired', async () => {
    const expired = join(tmp.path, 'publisher-expired');
    cpSync(workdir, expired, { recursive: true });
    publish(expired, { now: new Date(Date.now() - 30 * 86_400_000) });
    const { result, served } = await syncWithFault(undefined, { repo: join(expired, 'repo') });
    expect(result.error?.code).toBe('METADATA_EXPIRED');
    expect(result.error?.message).toMatch(/timestamp metadata expired on \d{4}-/);
    expect(served).toBe(1);
  });

  it('refuses to start when the disk cannot hold the new content, before any download', async () => {
    const { result, served, requests } = await syncWithFault(undefined, { diskMarginBytes: 2 ** 60 });
    expect(result.error?.code).toBe('DISK_SPACE_LOW');
    expect(result.error?.message).toMatch(/missing/);
    expect(requests.filter((r) => r.path.startsWith('/blobs/'))).toEqual([]);
    expect(served).toBe(1);
  });

  it('reports the clock difference from the origin Date header', async () => {
    const skewed = await startOrigin({ root: () => repoV2, date: () => new Date(Date.now() - 3600_000) });
    const box = makeBox(join(tmp.path, 'box-clock'), workdir);
    const r = await box.sync(skewed.url);
    expect(r.clockSkewSeconds).toBeGreaterThan(3500);
    await box.close();
    await skewed.close();
  });

  it('names an unreachable origin plainly', async () => {
    const box = makeBox(join(tmp.path, 'box-unreachable'), workdir);
    const r = await box.sync('http://127.0.0.1:9');
    expect(r.error?.code).toBe('SERVER_UNREACHABLE');
    expect(getCurrentContent(box.db)).toBeNull();
    expect(r.error?.message).toMatch(/no content yet/);
    await box.close();
    await new OriginHttp().close();
  });
});
