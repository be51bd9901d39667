import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli, runNode } from '../helpers/processes.js';
import { currentCatalog, forgeRelease, keysFor, loadForgeKeys, mdBytes, readMd, signMd, type Json } from '../../../server/test/reliability/forge.js';
import { startMaliciousServer, type LanFault, type MaliciousServer } from './malicious-server.js';
import { assertNoGoodKey, copyRepo, demoVins, pickCase, publisher, tempDir, workstation, type Workstation } from './support.js';

/**
 * Attacks on content against the workstation talking to a malicious LAN server: the server serves
 * a real carmaker repository, altered. The real core verifies, downloads and writes a key image;
 * every attack must be refused with its code, and no key may ever read back as complete.
 */
describe('content attacks against the workstation (malicious LAN server)', () => {
  const tmp = tempDir('rel-ws-attacks');
  const workdir = join(tmp.path, 'publisher');
  const base = join(workdir, 'repo');
  const v2 = join(tmp.path, 'repo-v2');
  const trustedRoot = join(tmp.path, '1.root.json');
  let root = base;
  let fault: ((path: string, attempt: number) => LanFault | undefined) | undefined;
  let vehicleLie: ((vin: string) => Record<string, unknown> | null) | undefined;
  /** The server's clock; a fixed real time while the workstation's clock is faked. */
  let serverClock: Date | null = null;
  let lan: MaliciousServer;
  let n = 0;
  let c: ReturnType<typeof pickCase>;

  beforeAll(async () => {
    await publisher(workdir);
    cpSync(join(base, 'metadata', '1.root.json'), trustedRoot);
    copyRepo(base, v2);
    forgeRelease(workdir, v2);
    lan = await startMaliciousServer({
      repo: () => root,
      fault: (p, a) => fault?.(p, a),
      vehicle: (vin) => (vehicleLie ? vehicleLie(vin) : (registry().get(vin) ?? null)),
      serverTime: () => serverClock ?? new Date(),
    });
    const ws = workstation(join(tmp.path, 'ws-probe'), trustedRoot);
    c = pickCase(await ws.verify(lan.url), demoVins(workdir));
  }, 120_000);
  afterEach(() => {
    vi.useRealTimers();
    fault = undefined;
    vehicleLie = undefined;
    serverClock = null;
    root = base;
  });
  afterAll(async () => {
    await lan.close();
    tmp.cleanup();
  });

  function registry(): Map<string, Record<string, unknown>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const line of readFileSync(join(workdir, 'state', 'vehicles.ndjson'), 'utf8').split('\n')) {
      if (line.trim()) out.set((JSON.parse(line) as { vin: string }).vin, JSON.parse(line) as Record<string, unknown>);
    }
    return out;
  }

  /** A fresh workstation that has already verified `trusted`, then tries a key against `attack`. */
  async function attempt(attack: string, opts: { trusted?: string; packageId?: string; fault?: typeof fault; trustedRootFile?: string; publisher?: string } = {}) {
    const ws: Workstation = workstation(join(tmp.path, `ws-${++n}`), opts.trustedRootFile ?? trustedRoot);
    root = opts.trusted ?? base;
    await ws.verify(lan.url);
    root = attack;
    fault = opts.fault;
    const image = join(tmp.path, `key-${n}.img`);
    const a = await ws.write(lan.url, c.vin, opts.packageId ?? c.packageId, image);
    fault = undefined;
    root = base;
    rmSync(image, { force: true });
    return a;
  }

  function refused(a: Awaited<ReturnType<typeof attempt>>, code: string | string[]): void {
    assertNoGoodKey(a);
    expect([code].flat(), JSON.stringify(a.error)).toContain(a.error?.code);
    expect(a.error?.message.length).toBeGreaterThan(20);
  }

  const blobsOf = (pkgId: string): Array<{ sha256: string; size: number }> => {
    const p = currentCatalog(base).json.packages.find((x) => x['id'] === pkgId)!;
    return (p['files'] as Array<{ sha256: string; size: number }>).slice().sort((a, b) => b.size - a.size);
  };

  it('A21 same-length blob with one byte changed: refused (HASH_MISMATCH), key never complete', async () => {
    const big = blobsOf(c.packageId)[0]!;
    refused(await attempt(base, { fault: (p) => (p.endsWith(big.sha256) ? { kind: 'flip', offset: Math.floor(big.size / 2) } : undefined) }), 'HASH_MISMATCH');
    const last = blobsOf(c.packageId)[0]!;
    refused(await attempt(base, { fault: (p) => (p.endsWith(last.sha256) ? { kind: 'flip', offset: last.size - 1 } : undefined) }), 'HASH_MISMATCH');
  });

  it('A22 blob with more bytes than signed: refused (LENGTH_MISMATCH), key never complete', async () => {
    const big = blobsOf(c.packageId)[0]!;
    refused(await attempt(base, { fault: (p) => (p.endsWith(big.sha256) ? { kind: 'extra', bytes: 100_000 } : undefined) }), 'LENGTH_MISMATCH');
  });

  it('A23 oversized metadata (2 MiB timestamp.json; snapshot longer than signed): refused (LENGTH_MISMATCH)', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    refused(await attempt(v2, { fault: (p) => (p.endsWith('/timestamp.json') ? { kind: 'replace', body: big } : undefined) }), 'LENGTH_MISMATCH');
    const snap = readFileSync(join(v2, 'metadata', '2.snapshot.json'));
    refused(
      await attempt(v2, { fault: (p) => (p.endsWith('/2.snapshot.json') ? { kind: 'replace', body: Buffer.concat([snap, Buffer.alloc(20_000, 0x20)]) } : undefined) }),
      ['LENGTH_MISMATCH', 'HASH_MISMATCH'],
    );
  });

  it('A24 rollback of timestamp (workstation saw snapshot 2, server offers 1): refused (METADATA_ROLLBACK)', async () => {
    refused(await attempt(base, { trusted: v2 }), 'METADATA_ROLLBACK');
  });

  it('A25 rollback of snapshot (newer signed timestamp pointing at snapshot 1): refused (METADATA_ROLLBACK)', async () => {
    const attack = copyRepo(v2, join(tmp.path, 'a25'));
    forgeRelease(workdir, attack, { timestampPointsTo: { version: 1, bytes: readFileSync(join(attack, 'metadata', '1.snapshot.json')) } });
    refused(await attempt(attack, { trusted: v2 }), 'METADATA_ROLLBACK');
  });

  it('A26 rollback of targets (newer signed snapshot listing targets 1): refused (METADATA_ROLLBACK)', async () => {
    const attack = copyRepo(v2, join(tmp.path, 'a26'));
    forgeRelease(workdir, attack, { snapshotListsTargets: { version: 1, bytes: readFileSync(join(attack, 'metadata', '1.targets.json')) } });
    refused(await attempt(attack, { trusted: v2 }), 'METADATA_ROLLBACK');
  });

  it('A27 mix-and-match (snapshot 2 with targets 1; timestamp 2 with snapshot 1): refused (HASH_MISMATCH)', async () => {
    const a = copyRepo(v2, join(tmp.path, 'a27'));
    cpSync(join(a, 'metadata', '1.targets.json'), join(a, 'metadata', '2.targets.json'));
    refused(await attempt(a), ['HASH_MISMATCH', 'LENGTH_MISMATCH']);
    const b = copyRepo(v2, join(tmp.path, 'a27b'));
    cpSync(join(b, 'metadata', '1.snapshot.json'), join(b, 'metadata', '2.snapshot.json'));
    refused(await attempt(b), ['HASH_MISMATCH', 'LENGTH_MISMATCH']);
  });

  it('A28 expired metadata (workstation clock moved 30 days on with fake timers): refused (METADATA_EXPIRED), clock named', async () => {
    const ws = workstation(join(tmp.path, `ws-${++n}`), trustedRoot);
    await ws.verify(lan.url);
    serverClock = new Date();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 30 * 86_400_000);
    const a = await ws.write(lan.url, c.vin, c.packageId, join(tmp.path, `key-${n}.img`));
    vi.useRealTimers();
    refused(a, 'METADATA_EXPIRED');
    // The server's clock says otherwise: the message says which clock to fix.
    expect(a.error?.message).toMatch(/clock is 30\.0 days ahead/);
  });

  describe('root of trust', () => {
    const w2 = join(tmp.path, 'publisher-2of2');
    const root2 = join(tmp.path, '2of2.root.json');
    beforeAll(async () => {
      await publisher(w2, '256KiB', ['--root-keys', '2', '--root-threshold', '2']);
      cpSync(join(w2, 'repo', 'metadata', '1.root.json'), root2);
    }, 60_000);

    function forgedRoot(sigs: 'one' | 'duplicate'): string {
      const attack = copyRepo(join(w2, 'repo'), join(tmp.path, `root-${sigs}`));
      const r1 = readMd(attack, '1.root.json');
      const md = signMd({ ...r1.signed, version: 2 }, [keysFor(loadForgeKeys(w2), 'root')[0]!]);
      if (sigs === 'duplicate') md.signatures = [md.signatures[0]!, md.signatures[0]!];
      writeFileSync(join(attack, 'metadata', '2.root.json'), mdBytes(md));
      return attack;
    }

    async function tryRoot(attack: string) {
      const ws = workstation(join(tmp.path, `ws-${++n}`), root2);
      root = attack;
      const a = await ws.write(lan.url, c.vin, c.packageId, join(tmp.path, `key-${n}.img`));
      root = base;
      return a;
    }

    it('A29 root signed below its threshold (1 of 2 root keys): refused (SIGNATURE_INVALID)', async () => {
      refused(await tryRoot(forgedRoot('one')), 'SIGNATURE_INVALID');
    });

    it('A30 duplicated signatures (one root key counted twice): refused (SIGNATURE_INVALID)', async () => {
      refused(await tryRoot(forgedRoot('duplicate')), ['SIGNATURE_INVALID', 'METADATA_INVALID']);
    });
  });

  it('A31 key rotation that skips a version (3.root.json served as 2.root.json; or 2 withheld): refused', async () => {
    const w3 = join(tmp.path, 'publisher-rotated');
    cpSync(workdir, w3, { recursive: true });
    for (const role of ['timestamp', 'snapshot']) {
      const r = await runNode(cli.publish, ['rotate-key', '--workdir', w3, '--role', role]);
      expect(r.code, r.stderr).toBe(0);
    }
    const skip = copyRepo(join(w3, 'repo'), join(tmp.path, 'a31'));
    cpSync(join(skip, 'metadata', '3.root.json'), join(skip, 'metadata', '2.root.json'));
    refused(await attempt(skip), ['METADATA_ROLLBACK', 'METADATA_INVALID']);
    const withheld = copyRepo(join(w3, 'repo'), join(tmp.path, 'a31b'));
    rmSync(join(withheld, 'metadata', '2.root.json'));
    refused(await attempt(withheld), 'SIGNATURE_INVALID');
  });

  for (const [id, bad] of [
    ['A32', '../../escape.bin'],
    ['A33', '/boot/evil.bin'],
    ['A34', 'RLINK2/AUX.bin'],
  ] as const) {
    it(`${id} signed package file path "${bad}": refused (METADATA_INVALID), nothing written`, async () => {
      const attack = copyRepo(v2, join(tmp.path, id));
      const cat = currentCatalog(attack).json;
      const p = cat.packages.find((x) => x['id'] === c.packageId)!;
      (p['files'] as Array<Record<string, Json>>)[0]!['path'] = bad;
      forgeRelease(workdir, attack, { catalog: Buffer.from(JSON.stringify(cat)) });
      const a = await attempt(attack);
      refused(a, 'METADATA_INVALID');
      expect(a.key).toBeNull();
    });
  }

  it('A35 package for another head unit, even when the server lies about the vehicle: refused (PACKAGE_NOT_ELIGIBLE)', async () => {
    refused(await attempt(base, { packageId: c.otherHeadUnit }), 'PACKAGE_NOT_ELIGIBLE');
    const other = currentCatalog(base).json.packages.find((x) => x['id'] === c.otherHeadUnit)!;
    // The server claims the car has the other head unit…
    vehicleLie = (vin) => ({ ...registry().get(vin), headUnit: other['family'] as string });
    refused(await attempt(base, { packageId: c.otherHeadUnit }), 'PACKAGE_NOT_ELIGIBLE');
    // …or that the registered VIN is unknown (model-level answers would let every family through).
    vehicleLie = (vin) => ({ vin, source: 'decoded', openCampaigns: [] });
    refused(await attempt(base, { packageId: c.otherHeadUnit }), 'PACKAGE_NOT_ELIGIBLE');
  });

  it('A36 package whose campaign is open for another VIN only: not offered as a campaign for this VIN', async () => {
    const ws = workstation(join(tmp.path, `ws-${++n}`), trustedRoot);
    const verified = await ws.verify(lan.url);
    const { trustedVehicle } = await import('../../src/core/trust/verified-catalog.js');
    const { evaluateEligibility } = await import('@pnc/shared');
    // The server claims every campaign of the catalog is open for this vehicle.
    const campaigns = verified.catalog.packages.flatMap((p) => (p.campaign ? [p.campaign.code] : []));
    const lied = trustedVehicle(verified, { ...c.vehicle, openCampaigns: campaigns });
    const r = evaluateEligibility(lied, verified.catalog);
    const signed = verified.registry!.get(c.vin)!.openCampaigns;
    for (const u of r.eligible.filter((e) => e.reason === 'CAMPAIGN_OPEN')) expect(signed).toContain(u.campaign!.code);
  });

  it('A37 pnc-key write against a server flipping a byte: exit 4 (HASH_MISMATCH), pnc-key verify says NOT complete', async () => {
    const big = blobsOf(c.packageId)[0]!;
    const home = join(tmp.path, 'cli-home');
    const image = join(tmp.path, 'cli-key.img');
    fault = (p) => (p.endsWith(big.sha256) ? { kind: 'flip', offset: 100 } : undefined);
    const env = { PNC_HOME: home, PNC_TRUSTED_ROOT: trustedRoot, PNC_TOKEN: 'x' };
    const w = await runNode(cli.key, ['write', '--server', lan.url, '--vin', c.vin, '--package', c.packageId, '--image', image, '--size', '1GiB', '--json'], env);
    fault = undefined;
    expect(w.code, w.stderr).toBe(4);
    const out = JSON.parse(w.stdout) as { ok: boolean; error?: { code: string }; keys?: Array<{ ok: boolean; error?: { code: string } }> };
    expect(out.ok).toBe(false);
    expect(out.error?.code ?? out.keys?.[0]?.error?.code).toBe('HASH_MISMATCH');
    const v = await runNode(cli.key, ['verify', '--image', image, '--json'], env);
    expect(v.code).toBe(7);
    const report = JSON.parse(v.stdout) as { intact: boolean; state: string };
    expect(report.intact).toBe(false);
    expect(['incomplete', 'not-a-plugnconnect-key']).toContain(report.state);
  });
});
