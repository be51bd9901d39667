import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initRepository, rotateKey } from '../../src/publisher/repository.js';
import { catalogBlobs } from '../../src/mirror/garbage-collector.js';
import { Catalog } from '@pnc/shared';
import { startOrigin, type Fault, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, makeBox, tempDir, type Box } from '../helpers/mirror-fixtures.js';
import { currentCatalog, forgeRelease, keysFor, loadForgeKeys, mdBytes, readMd, sha256, signMd, type Json } from './forge.js';

/**
 * Attacks on content, against the mirror. The box trusts the carmaker's first root; an attacker
 * controls the origin's bytes (and, for some cases, one of the online keys). Each attack must be
 * refused with its stable code, and the box must keep serving its previous, complete catalog.
 */
describe('content attacks against the mirror', () => {
  const tmp = tempDir('rel-attacks');
  const workdir = join(tmp.path, 'publisher');
  const base = join(workdir, 'repo');
  /** A second release (snapshot 2), legitimately signed. */
  const v2 = join(tmp.path, 'repo-v2');
  let root = base;
  let fault: ((path: string) => Fault | undefined) | undefined;
  let origin: Origin;
  let n = 0;
  const boxes: Box[] = [];

  beforeAll(async () => {
    await demoRepo(workdir, 512 * 1024);
    cpSync(base, v2, { recursive: true });
    forgeRelease(workdir, v2);
    origin = await startOrigin({ root: () => root, fault: (p) => fault?.(p) });
  }, 60_000);
  afterEach(() => {
    vi.useRealTimers();
    fault = undefined;
  });
  afterAll(async () => {
    for (const b of boxes) await b.close();
    await origin.close();
    tmp.cleanup();
  });

  /** A fresh box synchronised with `trusted` (snapshot 1 or 2), then one sync against `attack`. */
  async function attempt(attack: string, opts: { trusted?: string; fault?: (path: string) => Fault | undefined; publisher?: string } = {}) {
    const box = makeBox(join(tmp.path, `box-${++n}`), opts.publisher ?? workdir);
    boxes.push(box);
    root = opts.trusted ?? base;
    const first = await box.sync(origin.url);
    expect(first.status, JSON.stringify(first.error)).toBe('ok');
    root = attack;
    fault = opts.fault;
    const requestsBefore = origin.requests.length;
    const result = await box.sync(origin.url);
    fault = undefined;
    root = base;
    const served = await assertServedComplete(box.dataDir, box.db);
    return { result, served, before: first.snapshotVersion, requests: origin.requests.slice(requestsBefore) };
  }

  /** A copy of `from` to tamper with. */
  function copy(from: string, name: string): string {
    const to = join(tmp.path, name);
    rmSync(to, { recursive: true, force: true });
    cpSync(from, to, { recursive: true });
    return to;
  }

  function refused(r: Awaited<ReturnType<typeof attempt>>, code: string | string[]): void {
    expect(r.result.status, JSON.stringify(r.result)).toBe('failed');
    expect([code].flat(), r.result.error?.message).toContain(r.result.error?.code);
    expect(r.result.error?.message).toMatch(/previous content \(snapshot \d+\) is still served/);
    expect(r.served).toBe(r.before);
  }

  const blobOf = (repo: string): { sha256: string; size: number } => {
    const c = Catalog.parse(JSON.parse(currentCatalog(repo).bytes.toString('utf8')));
    const [sha256, size] = [...catalogBlobs(c)].sort((a, b) => b[1] - a[1])[0]!;
    return { sha256, size };
  };

  it('A01 same-length blob with one byte changed: refused (HASH_MISMATCH), previous catalog still served', async () => {
    const attack = copy(v2, 'a01');
    // A new release whose catalog names one new blob; the origin serves it with one byte flipped.
    const cat = currentCatalog(attack).json;
    const bytes = Buffer.alloc(300_000, 7);
    const sha = sha256(bytes);
    writeFileSync(join(attack, 'blobs', 'sha256', sha), bytes);
    (cat.packages[0]!['files'] as Json[]).push({ path: 'EXTRA/extra.bin', size: bytes.length, sha256: sha });
    forgeRelease(workdir, attack, { catalog: Buffer.from(JSON.stringify(cat)) });
    const r = await attempt(attack, { fault: (p) => (p === `/blobs/sha256/${sha}` ? { kind: 'flip', offset: 1000 } : undefined) });
    refused(r, 'HASH_MISMATCH');
  });

  it('A02 blob with more bytes than signed: refused (LENGTH_MISMATCH), nothing past the signed length kept', async () => {
    const b = blobOf(v2);
    const real = readFileSync(join(v2, 'blobs', 'sha256', b.sha256));
    const box = makeBox(join(tmp.path, `box-${++n}`), workdir);
    boxes.push(box);
    root = v2;
    fault = (p) => (p === `/blobs/sha256/${b.sha256}` ? { kind: 'replace', body: Buffer.concat([real, Buffer.alloc(4096, 1)]) } : undefined);
    const r = await box.sync(origin.url);
    fault = undefined;
    root = base;
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('LENGTH_MISMATCH');
    expect(await assertServedComplete(box.dataDir, box.db)).toBeNull();
  });

  it('A03 oversized metadata (a 2 MiB timestamp.json, a snapshot longer than signed): refused (LENGTH_MISMATCH)', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const r1 = await attempt(v2, { fault: (p) => (p === '/metadata/timestamp.json' ? { kind: 'replace', body: big } : undefined) });
    refused(r1, 'LENGTH_MISMATCH');
    const snap = readFileSync(join(v2, 'metadata', '2.snapshot.json'));
    const r2 = await attempt(v2, { fault: (p) => (p === '/metadata/2.snapshot.json' ? { kind: 'replace', body: Buffer.concat([snap, Buffer.alloc(10_000, 0x20)]) } : undefined) });
    refused(r2, ['LENGTH_MISMATCH', 'HASH_MISMATCH']);
  });

  it('A04 rollback of timestamp (an older signed timestamp.json): refused (METADATA_ROLLBACK), previous catalog still served', async () => {
    refused(await attempt(base, { trusted: v2 }), 'METADATA_ROLLBACK');
  });

  it('A05 rollback of snapshot (a newer timestamp, signed, pointing at snapshot 1): refused (METADATA_ROLLBACK)', async () => {
    const attack = copy(v2, 'a05');
    forgeRelease(workdir, attack, { timestampPointsTo: { version: 1, bytes: readFileSync(join(attack, 'metadata', '1.snapshot.json')) } });
    refused(await attempt(attack, { trusted: v2 }), 'METADATA_ROLLBACK');
  });

  it('A06 rollback of targets (a newer snapshot, signed, listing targets 1): refused (METADATA_ROLLBACK)', async () => {
    const attack = copy(v2, 'a06');
    forgeRelease(workdir, attack, { snapshotListsTargets: { version: 1, bytes: readFileSync(join(attack, 'metadata', '1.targets.json')) } });
    refused(await attempt(attack, { trusted: v2 }), 'METADATA_ROLLBACK');
  });

  it('A07 mix-and-match (snapshot 2 with targets 1; timestamp 2 with snapshot 1): refused (HASH_MISMATCH)', async () => {
    const attack = copy(v2, 'a07');
    cpSync(join(attack, 'metadata', '1.targets.json'), join(attack, 'metadata', '2.targets.json'));
    refused(await attempt(attack), ['HASH_MISMATCH', 'METADATA_ROLLBACK']);
    const attack2 = copy(v2, 'a07b');
    cpSync(join(attack2, 'metadata', '1.snapshot.json'), join(attack2, 'metadata', '2.snapshot.json'));
    refused(await attempt(attack2), ['HASH_MISMATCH', 'LENGTH_MISMATCH']);
  });

  it('A08 expired metadata (box clock moved 30 days on with fake timers): refused (METADATA_EXPIRED) with the date', async () => {
    const box = makeBox(join(tmp.path, `box-${++n}`), workdir);
    boxes.push(box);
    root = base;
    expect((await box.sync(origin.url)).status).toBe('ok');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 30 * 86_400_000);
    const r = await box.sync(origin.url);
    vi.useRealTimers();
    expect(r.error?.code).toBe('METADATA_EXPIRED');
    expect(r.error?.message).toMatch(/expired on \d{4}-\d\d-\d\d/);
    expect(await assertServedComplete(box.dataDir, box.db)).toBe(1);
  });

  describe('root of trust', () => {
    const w2 = join(tmp.path, 'publisher-2of2');
    const repo2 = join(w2, 'repo');
    beforeAll(async () => {
      initRepository(w2, { rootKeys: 2, rootThreshold: 2 });
      await demoRepo(w2, 256 * 1024);
    }, 60_000);

    function forgedRoot(sigs: 'one' | 'duplicate'): string {
      const attack = copy(repo2, `root-${sigs}`);
      const r1 = readMd(attack, '1.root.json');
      const rootKeys = keysFor(loadForgeKeys(w2), 'root');
      const md = signMd({ ...r1.signed, version: 2 }, [rootKeys[0]!]);
      if (sigs === 'duplicate') md.signatures = [md.signatures[0]!, md.signatures[0]!];
      writeFileSync(join(attack, 'metadata', '2.root.json'), mdBytes(md));
      return attack;
    }

    it('A09 root signed below its threshold (1 of 2 root keys): refused (SIGNATURE_INVALID)', async () => {
      refused(await attempt(forgedRoot('one'), { trusted: repo2, publisher: w2 }), 'SIGNATURE_INVALID');
    });

    it('A10 duplicated signatures (one root key signing twice to reach 2 of 2): refused (SIGNATURE_INVALID)', async () => {
      refused(await attempt(forgedRoot('duplicate'), { trusted: repo2, publisher: w2 }), ['SIGNATURE_INVALID', 'METADATA_INVALID']);
    });
  });

  it('A11 key rotation that skips a version (3.root.json served as 2.root.json; 2 withheld): refused', async () => {
    const w3 = join(tmp.path, 'publisher-rotated');
    cpSync(workdir, w3, { recursive: true });
    rotateKey(w3, 'timestamp');
    rotateKey(w3, 'snapshot');
    const skip = copy(join(w3, 'repo'), 'a11');
    cpSync(join(skip, 'metadata', '3.root.json'), join(skip, 'metadata', '2.root.json'));
    refused(await attempt(skip), ['METADATA_INVALID', 'METADATA_ROLLBACK']);
    const withheld = copy(join(w3, 'repo'), 'a11b');
    rmSync(join(withheld, 'metadata', '2.root.json'));
    // Without root 2 the new timestamp key is unknown: its signature is refused.
    refused(await attempt(withheld), 'SIGNATURE_INVALID');
    // The honest chain 1 → 2 → 3 is accepted.
    const box = makeBox(join(tmp.path, `box-${++n}`), workdir);
    boxes.push(box);
    root = join(w3, 'repo');
    expect((await box.sync(origin.url)).status).toBe('ok');
    root = base;
  });

  for (const [id, bad] of [
    ['A12', '../escape.bin'],
    ['A13', '/etc/cron.d/evil'],
    ['A14', 'RLINK2/CON.txt'],
  ] as const) {
    it(`${id} signed package file path "${bad}": refused (METADATA_INVALID) before any blob is fetched`, async () => {
      const attack = copy(v2, `${id}`);
      const cat = currentCatalog(attack).json;
      const files = cat.packages[0]!['files'] as Array<Record<string, Json>>;
      files[0]!['path'] = bad;
      forgeRelease(workdir, attack, { catalog: Buffer.from(JSON.stringify(cat)) });
      const r = await attempt(attack);
      refused(r, 'METADATA_INVALID');
      expect(r.result.error?.message).toContain(bad);
      expect(r.requests.filter((q) => q.path.startsWith('/blobs/')).length).toBe(0);
    });
  }

  it('A15 catalog signed by a key the root does not list (an attacker re-signs targets): refused (SIGNATURE_INVALID)', async () => {
    const attack = copy(v2, 'a15');
    const stranger = join(tmp.path, 'stranger');
    initRepository(stranger, { rootKeys: 1, rootThreshold: 1 });
    const keys = loadForgeKeys(stranger);
    const t = readMd(attack, '2.targets.json');
    const forged = signMd({ ...t.signed, version: 3 }, keysFor(keys, 'targets'));
    writeFileSync(join(attack, 'metadata', '3.targets.json'), mdBytes(forged));
    forgeRelease(workdir, attack, { snapshotListsTargets: { version: 3, bytes: mdBytes(forged) } });
    refused(await attempt(attack, { trusted: v2 }), 'SIGNATURE_INVALID');
  });
});
