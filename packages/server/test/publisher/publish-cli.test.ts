import { mkdirSync, openSync, closeSync, ftruncateSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Updater } from 'tuf-js';
import { startOrigin } from '../helpers/origin-server.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/mirror-fixtures.js';

const META = { id: 'RLINK2-SOFT-12.0.0', kind: 'SOFT', family: 'RLINK2', version: '12.0.0', region: '*', title: { en: 'R-LINK 2 12.0.0' } };

describe('pnc-publish', () => {
  const tmp = tempDir('publish');
  const w = join(tmp.path, 'publisher');
  const publish = (...args: string[]) => runCli('publish-cli.ts', [...args, '--workdir', w]);

  function folder(name: string, files: Record<string, number | string>): string {
    const dir = join(tmp.path, name);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      if (typeof content === 'string') writeFileSync(join(dir, path), content);
      else {
        // Sparse: a 4 GiB file costs nothing on disk.
        const fd = openSync(join(dir, path), 'w');
        ftruncateSync(fd, content);
        closeSync(fd);
      }
    }
    return dir;
  }

  beforeAll(() => writeFileSync(join(tmp.path, 'meta.json'), JSON.stringify(META)));
  afterAll(() => tmp.cleanup());

  it('prints help, and refuses unknown commands and commands before init', async () => {
    expect((await runCli('publish-cli.ts', ['--help'])).code).toBe(0);
    const unknown = await publish('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const early = await publish('publish');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/run "pnc-publish init/);
    expect(early.stderr).not.toMatch(/\n\s+at /);
  });

  it('init creates 0600 keys and a root with the configured threshold', async () => {
    const r = await publish('init', '--root-keys', '3', '--root-threshold', '2', '--expiry-timestamp', '3');
    expect(r.code, r.stderr).toBe(0);
    const keys = readdirSync(join(w, 'keys')).filter((f) => f.endsWith('.json'));
    expect(keys.length).toBe(6);
    for (const k of keys) expect(statSync(join(w, 'keys', k)).mode & 0o777).toBe(0o600);
    const root = JSON.parse(readFileSync(join(w, 'repo', 'metadata', '1.root.json'), 'utf8')) as { signed: { roles: { root: { threshold: number; keyids: string[] } } } };
    expect(root.signed.roles.root).toMatchObject({ threshold: 2 });
    expect(root.signed.roles.root.keyids.length).toBe(3);
    expect(readdirSync(join(w, 'repo'))).not.toContain('keys');
    expect((await publish('init')).code).toBe(1);
  });

  it.each([
    ['a file over 4 GiB − 1', { 'MAP/huge.dat': 2 ** 32 }, /"MAP\/huge\.dat" is 4294967296 bytes.*FAT32_FILE_TOO_LARGE/s],
    ['an illegal character', { 'MAP/Carte:Europe.dat': 'x' }, /"MAP\/Carte:Europe\.dat".*contains ":".*FAT32_INVALID_NAME/s],
    ['a name ending with a dot', { 'LISEZMOI.': 'x' }, /"LISEZMOI\.".*ends with a space or a dot.*FAT32_INVALID_NAME/s],
    ['a reserved device name', { 'DATA/aux.txt': 'x' }, /"DATA\/aux\.txt".*reserved device name/s],
    ['names equal ignoring case', { 'Data/map.bin': 'a', 'DATA/MAP.BIN': 'b' }, /collides with.*FAT32 ignores case.*FAT32_NAME_COLLISION/s],
  ])('add-package refuses %s, naming the file, before copying anything', async (_what, files, message) => {
    const dir = folder(`bad-${Math.random().toString(36).slice(2)}`, files);
    const r = await publish('add-package', '--from', dir, '--meta', join(tmp.path, 'meta.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(join(w, 'repo', 'blobs', 'sha256'))).toEqual([]);
  });

  it('add-package refuses invalid metadata with the field named', async () => {
    writeFileSync(join(tmp.path, 'bad-meta.json'), JSON.stringify({ ...META, version: 'v12' }));
    const r = await publish('add-package', '--from', folder('ok-1', { 'a.bin': 'a' }), '--meta', join(tmp.path, 'bad-meta.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/version: a dotted numeric version/);
  });

  it('imports vehicles from CSV and NDJSON, reporting bad lines by number', async () => {
    const header = 'vin,brand,model,modelYear,headUnit,softVersion,mapVersion,mapRegion,openCampaigns';
    writeFileSync(
      join(tmp.path, 'bad.csv'),
      [header, 'VF1RJA00067123456,RENAULT,CLIO5,2023,RLINK2,11.2.0,,EUROPE,', 'VF1RJA0OO67123456,RENAULT,CLIO5,2023,RLINK2,,,,', 'UU1DJF00869456789,DACIA,SANDERO3,2023,EASYLINK,5.2,,EUROPE,OTS-23-EL54', 'UU1DJF00869456789,DACIA,SANDERO3,2023,TOMTOM,,,,'].join('\n'),
    );
    const bad = await publish('vehicles', '--file', join(tmp.path, 'bad.csv'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.csv line 3: .*letter O/);
    expect(bad.stderr).toMatch(/bad\.csv line 5: headUnit/);
    expect(bad.stderr).not.toMatch(/line 2:/);

    writeFileSync(join(tmp.path, 'bad.ndjson'), '{"vin":"VF1RJA00067123456","brand":"RENAULT","model":"CLIO5","headUnit":"RLINK2"}\n{"vin": oops}\n');
    const badNd = await publish('vehicles', '--file', join(tmp.path, 'bad.ndjson'));
    expect(badNd.stderr).toMatch(/bad\.ndjson line 2:/);

    writeFileSync(join(tmp.path, 'dup.ndjson'), '{"vin":"VF1RJA00067123456","brand":"RENAULT","model":"CLIO5","headUnit":"RLINK2"}\n{"vin":"VF1RJA00067123456","brand":"RENAULT","model":"CLIO5","headUnit":"RLINK2"}\n');
    expect((await publish('vehicles', '--file', join(tmp.path, 'dup.ndjson'))).stderr).toMatch(/line 2: VIN VF1RJA00067123456 already appears on line 1/);

    writeFileSync(join(tmp.path, 'ok.csv'), [header, 'VF1RJA00067123456,RENAULT,CLIO5,2023,RLINK2,11.2.0,,EUROPE,', 'UU1DJF00869456789,DACIA,SANDERO3,2023,EASYLINK,5.2.1,,EUROPE,OTS-23-EL54;OTS-24-X'].join('\n'));
    const ok = await publish('vehicles', '--file', join(tmp.path, 'ok.csv'), '--json');
    expect(JSON.parse(ok.stdout)).toEqual({ vehicles: 2 });
  });

  it('adds packages and channel content, stores blobs once by hash, publishes, reports expiry', async () => {
    const files = { 'RLINK2/Système/Mise à jour – partie 01.bin': 'same bytes', 'RLINK2/copie.bin': 'same bytes', 'RLINK2/autre.bin': 'other' };
    const added = await publish('add-package', '--from', folder('good', files), '--meta', join(tmp.path, 'meta.json'));
    expect(added.code, added.stderr).toBe(0);
    expect(readdirSync(join(w, 'repo', 'blobs', 'sha256')).length).toBe(2);
    writeFileSync(join(tmp.path, 'CLIP-232.iso'), 'iso bytes');
    const ch = await publish('add-channel', '--channel', 'diagnostic-iso', '--id', 'DIAG-CLIP', '--version', '232.0', '--title', 'CLIP 232', '--file', join(tmp.path, 'CLIP-232.iso'));
    expect(ch.code, ch.stderr).toBe(0);
    expect((await publish('add-channel', '--channel', 'firmware', '--id', 'X', '--version', '1', '--title', 'x', '--file', join(tmp.path, 'CLIP-232.iso'))).code).toBe(2);
    const pub = await publish('publish', '--json');
    expect(pub.code, pub.stderr).toBe(0);
    expect(JSON.parse(pub.stdout)).toMatchObject({ snapshotVersion: 1, packages: 1, channels: 1, vehicles: 2, blobs: 3 });
    const status = JSON.parse((await publish('status', '--json')).stdout) as { roles: Array<{ role: string; secondsLeft: number }> };
    const left = Object.fromEntries(status.roles.map((r) => [r.role, r.secondsLeft / 86_400]));
    expect(left['timestamp']).toBeGreaterThan(2.9);
    expect(left['timestamp']).toBeLessThan(3.1);
    expect(left['snapshot']).toBeGreaterThan(6.9);
    expect(left['targets']).toBeGreaterThan(89);
    expect(left['root']).toBeGreaterThan(364);
    expect((await publish('status')).stdout).toMatch(/timestamp\s+v1\s+expires .*\(in 2 d 23 h\)/);
    // Versioned metadata is written once; only timestamp.json is replaced.
    const before = readFileSync(join(w, 'repo', 'metadata', '1.snapshot.json'));
    expect((await publish('publish')).code).toBe(0);
    expect(readFileSync(join(w, 'repo', 'metadata', '1.snapshot.json')).equals(before)).toBe(true);
    expect(readdirSync(join(w, 'repo', 'metadata')).sort()).toEqual(['1.root.json', '1.snapshot.json', '1.targets.json', '2.snapshot.json', '2.targets.json', 'timestamp.json']);
  });

  it('removes packages and channel items', async () => {
    expect((await publish('remove-package', '--id', 'NOPE')).stderr).toMatch(/No package "NOPE".*PACKAGE_UNKNOWN/);
    expect((await publish('remove-channel', '--channel', 'diagnostic-iso', '--id', 'DIAG-CLIP')).code).toBe(0);
    expect((await publish('remove-package', '--id', 'RLINK2-SOFT-12.0.0')).code).toBe(0);
    const pub = JSON.parse((await publish('publish', '--json')).stdout) as { packages: number; channels: number };
    expect(pub).toMatchObject({ packages: 0, channels: 0 });
  });

  it('rotates keys so that a client holding root 1 follows the chain (threshold 2 of 3)', async () => {
    expect((await publish('rotate-key', '--role', 'targets')).code).toBe(0);
    const r = await publish('rotate-key', '--role', 'root', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ role: 'root', rootVersion: 3 });
    expect(readdirSync(join(w, 'keys', 'retired')).length).toBe(4);
    const origin = await startOrigin({ root: () => join(w, 'repo') });
    const client = tempDir('client');
    try {
      writeFileSync(join(client.path, 'root.json'), readFileSync(join(w, 'repo', 'metadata', '1.root.json')));
      const updater = new Updater({ metadataDir: client.path, metadataBaseUrl: `${origin.url}/metadata/` });
      await updater.refresh();
      const root = JSON.parse(readFileSync(join(client.path, 'root.json'), 'utf8')) as { signed: { version: number } };
      expect(root.signed.version).toBe(3);
      expect(await updater.getTargetInfo('catalog.json')).toBeDefined();
    } finally {
      client.cleanup();
      await origin.close();
    }
  });

  it('demo publishes the documented content and a VIN list', async () => {
    const d = join(tmp.path, 'demo');
    const r = await runCli('publish-cli.ts', ['demo', '--workdir', d, '--size', '3MiB', '--seed', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { publish: { packages: number; bytes: number; blobs: number } };
    expect(out.publish.packages).toBeGreaterThanOrEqual(5);
    expect(out.publish.bytes).toBeGreaterThan(3 * 1024 * 1024 * 0.95);
    expect(out.publish.bytes).toBeLessThanOrEqual(3 * 1024 * 1024);
    const vins = JSON.parse(readFileSync(join(d, 'demo-vins.json'), 'utf8')) as Array<{ vin: string; description: string }>;
    expect(vins.length).toBe(10);
    for (const v of vins) expect(v.vin).toMatch(/^(VF1|UU1|VFA)[A-HJ-NPR-Z0-9]{14}$/);
  });
});
