import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EligibilityResult, ServerInfo } from '@pnc/shared';
import { cli, freePort, runNode, startNode, stopProcess, waitForJson } from '../helpers/processes.js';
import { flipFirstByteOf, fsckImage, mcopyToBuffer } from '../helpers/key-image.js';
import { ensureDemoAccounts } from '../../../../scripts/demo-accounts.mjs';

/**
 * The foundation slice with real processes on loopback: carmaker publisher → static origin →
 * dealer server (mirror at start) → pnc-key check/write → FAT32 image checked by fsck.fat and mtools.
 */
describe('origin → server → key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pnc-slice-'));
  const env = { PNC_TRUSTED_ROOT: join(dir, 'origin/repo/metadata/1.root.json'), PNC_HOME: join(dir, 'ws') };
  let origin: ChildProcess | undefined;
  let server: ChildProcess | undefined;
  let serverUrl = '';

  beforeAll(async () => {
    const pub = await runNode(cli.publish, ['demo', '--workdir', join(dir, 'origin'), '--size', '6MiB']);
    expect(pub.code, pub.stderr + pub.stdout).toBe(0);
    const o = await startNode(cli.origin, [join(dir, 'origin/repo')], /(http:\/\/127\.0\.0\.1:\d+)/);
    origin = o.child;
    const port = await freePort();
    serverUrl = `http://127.0.0.1:${port}`;
    const s = await startNode(
      cli.server,
      [
        'start',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--data-dir',
        join(dir, 'server'),
        '--origin',
        o.match[1]!,
        '--trusted-root',
        env.PNC_TRUSTED_ROOT,
      ],
      /listening/,
      { PNC_LOG_LEVEL: 'info' },
    );
    server = s.child;
    await waitForJson<ServerInfo>(`${serverUrl}/api/v1/info`, (i) => i.content !== null);
    const creds = await ensureDemoAccounts(serverUrl, join(dir, 'server'), join(dir, 'credentials.json'));
    const login = await runNode(
      cli.key,
      ['login', '--server', serverUrl, '--user', creds.technician.username],
      { ...env, PNC_PASSWORD: creds.technician.password },
    );
    expect(login.code, login.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await stopProcess(server);
    await stopProcess(origin);
    rmSync(dir, { recursive: true, force: true });
  });

  const demoVins = () =>
    JSON.parse(readFileSync(join(dir, 'origin/demo-vins.json'), 'utf8')) as Array<{ vin: string }>;

  async function firstVehicleWithUpdates(): Promise<{ vin: string; result: EligibilityResult }> {
    for (const { vin } of demoVins()) {
      const r = await runNode(cli.key, ['check', vin, '--server', serverUrl, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as EligibilityResult;
      if (result.eligible.length > 0) return { vin, result };
    }
    throw new Error('no demo vehicle needs an update');
  }

  it('checks a VIN against the catalog verified on the workstation', async () => {
    const { result } = await firstVehicleWithUpdates();
    expect(result.vehicle.source).toBe('registry');
    expect(result.eligible[0]!.size).toBeGreaterThan(0);
    const human = await runNode(cli.key, ['check', result.vehicle.vin, '--server', serverUrl], env);
    expect(human.stdout).toContain('verified');
    expect(human.stdout).toContain(result.eligible[0]!.packageId);
  });

  it('refuses a bad VIN with its code and exit code 2', async () => {
    const r = await runNode(cli.key, ['check', 'VF1RJA0O567890123', '--server', serverUrl], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('VIN_FORBIDDEN_LETTER');
  });

  it('writes an 8 GiB key image that fsck.fat finds clean and mtools reads back identical', async () => {
    const { vin, result } = await firstVehicleWithUpdates();
    const pkg = result.eligible[0]!;
    const image = join(dir, 'key.img');
    const r = await runNode(
      cli.key,
      [
        'write',
        '--server',
        serverUrl,
        '--vin',
        vin,
        '--package',
        pkg.packageId,
        '--image',
        image,
        '--size',
        '8GiB',
        '--json',
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('"phase":"writing"');
    type Manifest = { state: string; files: Array<{ path: string; size: number; sha256: string }> };
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      keys: Array<{ readBackFromDevice: boolean; manifest: Manifest }>;
    };
    expect(out.ok).toBe(true);
    expect(out.keys[0]!.manifest.state).toBe('complete');
    expect(out.keys[0]!.manifest.files.length).toBe(pkg.fileCount);
    // The read-back went to the image itself, not to the page cache.
    expect(out.keys[0]!.readBackFromDevice).toBe(true);

    expect(fsckImage(image)).toMatchObject({ clean: true });
    const manifest = JSON.parse(mcopyToBuffer(image, 'PLUGNCONNECT-KEY.json').toString('utf8')) as Manifest;
    expect(manifest.state).toBe('complete');
    for (const f of manifest.files) {
      const bytes = mcopyToBuffer(image, f.path);
      expect(bytes.length, f.path).toBe(f.size);
      expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
    }
    // The image is sparse: only metadata and file bytes take disk space.
    const used = Number(execFileSync('du', ['-B1', image]).toString().split('\t')[0]);
    expect(used).toBeLessThan(pkg.size + 64 * 1024 * 1024);
  });

  it('verifies the key later, and catches one flipped byte on it (exit code 7)', async () => {
    const image = join(dir, 'key.img');
    const ok = await runNode(cli.key, ['verify', '--image', image, '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout) as {
      intact: boolean;
      state: string;
      manifest: { files: Array<{ path: string }> };
    };
    expect(report).toMatchObject({ intact: true, state: 'complete' });
    const victim = report.manifest.files[0]!.path;
    flipFirstByteOf(image, victim);
    const bad = await runNode(cli.key, ['verify', '--image', image, '--json'], env);
    expect(bad.code).toBe(7);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      intact: false,
      problems: [{ path: victim, problem: 'hash' }],
    });
  });

  it('refuses the disk holding / even when named explicitly, before downloading anything', async () => {
    const source = execFileSync('findmnt', ['-no', 'SOURCE', '/']).toString().trim();
    const parent = execFileSync('lsblk', ['-no', 'PKNAME', source]).toString().trim();
    const disk = parent ? `/dev/${parent}` : source;
    const { vin, result } = await firstVehicleWithUpdates();
    const r = await runNode(
      cli.key,
      [
        'write',
        '--server',
        serverUrl,
        '--vin',
        vin,
        '--package',
        result.eligible[0]!.packageId,
        '--device',
        disk,
        '--yes',
      ],
      env,
    );
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('DRIVE_REFUSED');
  });

  it('refuses an update that is not for the vehicle (exit code 5) and writes nothing', async () => {
    const { vin, result } = await firstVehicleWithUpdates();
    const other = result.notEligible.find((n) => n.reason === 'OTHER_HEAD_UNIT');
    expect(other).toBeDefined();
    const image = join(dir, 'refused.img');
    const r = await runNode(
      cli.key,
      [
        'write',
        '--server',
        serverUrl,
        '--vin',
        vin,
        '--package',
        other!.packageId,
        '--image',
        image,
        '--size',
        '8GiB',
      ],
      env,
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('PACKAGE_NOT_ELIGIBLE');
    expect(() => readFileSync(image)).toThrow();
  });
});
