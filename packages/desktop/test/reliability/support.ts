// Drives the real workstation core (trust, download, FAT32 key writer, key reader) against a
// LAN server, in process, the way the CLI and the desktop service do.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateEligibility, isPncError, type VehicleInfo } from '@pnc/shared';
import { createDriveAccess } from '../../src/core/drives/index.js';
import { readKey } from '../../src/core/keys/read-key.js';
import { writeKey, type WriteKeyResult } from '../../src/core/keys/write-key.js';
import { ServerClient } from '../../src/core/server/server-client.js';
import { fetchVerifiedCatalog, trustedVehicle, type VerifiedCatalog } from '../../src/core/trust/verified-catalog.js';
import { cli, runNode } from '../helpers/processes.js';

export const FULL = process.env['PNC_RELIABILITY'] === 'full';
export const KEY_SIZE = 1024 * 1024 * 1024;

export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `pnc-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A carmaker publisher folder with the demo published, through the real `pnc-publish`. */
export async function publisher(workdir: string, size = '1MiB', init: string[] = []): Promise<void> {
  if (init.length) {
    const r = await runNode(cli.publish, ['init', '--workdir', workdir, ...init]);
    if (r.code !== 0) throw new Error(r.stderr + r.stdout);
  }
  const r = await runNode(cli.publish, ['demo', '--workdir', workdir, '--size', size]);
  if (r.code !== 0) throw new Error(r.stderr + r.stdout);
}

export function copyRepo(from: string, to: string): string {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  return to;
}

export function demoVins(workdir: string): string[] {
  return (JSON.parse(readFileSync(join(workdir, 'demo-vins.json'), 'utf8')) as Array<{ vin: string }>).map((v) => v.vin);
}

export interface Attempt {
  error: { code: string; message: string } | null;
  result: WriteKeyResult | null;
  /** What reading the key back says: null when no image was created at all. */
  key: Awaited<ReturnType<typeof readKey>> | null;
}

export interface Workstation {
  stateDir: string;
  trustedRoot: string;
  verify(serverUrl: string): Promise<VerifiedCatalog>;
  /** A VIN and a package it is eligible for on the honest content. */
  write(serverUrl: string, vin: string, packageId: string, image: string): Promise<Attempt>;
}

/** A workstation with its own state folder, shipping `trustedRoot`. */
export function workstation(stateDir: string, trustedRoot: string): Workstation {
  const verify = (serverUrl: string): Promise<VerifiedCatalog> => fetchVerifiedCatalog({ serverUrl, trustedRootFile: trustedRoot, stateDir });
  return {
    stateDir,
    trustedRoot,
    verify,
    async write(serverUrl, vin, packageId, image) {
      let result: WriteKeyResult | null = null;
      let error: Attempt['error'] = null;
      try {
        const client = new ServerClient(serverUrl);
        const info = await client.info();
        const verified = await fetchVerifiedCatalog({ serverUrl: client.baseUrl, trustedRootFile: trustedRoot, stateDir, serverTime: info.serverTime });
        const vehicle = await client.vehicle(vin);
        const opened = await createDriveAccess().open({ kind: 'image', path: image, size: KEY_SIZE });
        result = await writeKey({
          client,
          serverName: info.name,
          verified,
          vehicle,
          packageIds: [packageId],
          key: opened,
          app: { name: 'reliability', version: '0' },
        });
      } catch (e) {
        if (!isPncError(e)) throw e;
        error = { code: e.code, message: e.message };
      }
      const key = existsSync(image) ? await readKey(image) : null;
      return { error, result, key };
    },
  };
}

/** The first (VIN, package) the honest content makes eligible, and a package for another head unit. */
export function pickCase(verified: VerifiedCatalog, vins: string[]): { vin: string; packageId: string; otherHeadUnit: string; vehicle: VehicleInfo } {
  for (const vin of vins) {
    const record = verified.registry?.get(vin);
    if (!record) continue;
    const vehicle = trustedVehicle(verified, { vin, source: 'registry', openCampaigns: [] });
    const r = evaluateEligibility(vehicle, verified.catalog);
    const other = r.notEligible.find((n) => n.reason === 'OTHER_HEAD_UNIT');
    const ok = r.eligible[0];
    if (ok && other) return { vin, packageId: ok.packageId, otherHeadUnit: other.packageId, vehicle };
  }
  throw new Error('no demo vehicle fits');
}

/** The invariant of every attack: the key, if any, is never reported complete and intact. */
export function assertNoGoodKey(a: Attempt): void {
  if (a.result) throw new Error(`the write succeeded: ${JSON.stringify(a.result.manifest.state)}`);
  if (a.key && (a.key.state === 'complete' || a.key.intact)) throw new Error(`the key reads as ${a.key.state}`);
}
