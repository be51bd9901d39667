import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { PncError } from '@pnc/shared';
import { dataDirLayout } from '../config/data-dir.js';
import type { BlobRef } from '../store/downloader.js';
import type { OriginHttp } from './origin-http.js';
import { TufFetcher } from './tuf-fetcher.js';
import { translateTufError } from './tuf-errors.js';
import { prepareTufDir } from './trusted-root.js';

export interface RefreshedMetadata {
  rootVersion: number;
  timestampVersion: number;
  snapshotVersion: number;
  targetsVersion: number;
  /** When the first of timestamp, snapshot and targets expires: the content's expiry. */
  expiresAt: string;
  catalog: BlobRef;
  vehicles: BlobRef | null;
  bytes: { root: Buffer; timestamp: Buffer; snapshot: Buffer; targets: Buffer };
  fetchedRoots: Map<number, Buffer>;
}

function signedOf(bytes: Buffer): { version: number; expires: string } {
  const signed = (JSON.parse(bytes.toString('utf8')) as { signed: { version: number; expires: string } })
    .signed;
  return { version: signed.version, expires: signed.expires };
}

async function targetRef(updater: Updater, name: string, required: boolean): Promise<BlobRef | null> {
  const info = await updater.getTargetInfo(name);
  if (!info) {
    if (required) throw new PncError('METADATA_INVALID', `The carmaker's targets do not list ${name}.`);
    return null;
  }
  const sha256 = info.hashes['sha256'];
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256))
    throw new PncError('METADATA_INVALID', `The target ${name} has no sha256.`);
  return { sha256, size: info.length };
}

/**
 * Refreshes the trusted metadata with tuf-js (root chain, timestamp, snapshot, targets; versions,
 * signatures, hashes and expiry all checked) and returns what it now trusts.
 */
export async function refreshMetadata(
  dataDir: string,
  origin: string,
  http: OriginHttp,
): Promise<RefreshedMetadata> {
  prepareTufDir(dataDir);
  const tufDir = dataDirLayout(dataDir).tuf;
  const fetcher = new TufFetcher(http);
  const local = (role: string): Buffer | undefined => {
    try {
      return readFileSync(join(tufDir, `${role}.json`));
    } catch {
      return undefined;
    }
  };
  try {
    const updater = new Updater({
      metadataDir: tufDir,
      metadataBaseUrl: `${origin}/metadata/`,
      targetBaseUrl: `${origin}/targets/`,
      fetcher,
    });
    await updater.refresh();
    const catalog = (await targetRef(updater, 'catalog.json', true))!;
    const vehicles = await targetRef(updater, 'vehicles.ndjson', false);
    const bytes = {
      root: local('root')!,
      timestamp: local('timestamp')!,
      snapshot: local('snapshot')!,
      targets: local('targets')!,
    };
    const ts = signedOf(bytes.timestamp);
    const sn = signedOf(bytes.snapshot);
    const tg = signedOf(bytes.targets);
    const expiresAt = [ts.expires, sn.expires, tg.expires].sort((a, b) => Date.parse(a) - Date.parse(b))[0]!;
    return {
      rootVersion: signedOf(bytes.root).version,
      timestampVersion: ts.version,
      snapshotVersion: sn.version,
      targetsVersion: tg.version,
      expiresAt,
      catalog,
      vehicles,
      bytes,
      fetchedRoots: fetcher.roots,
    };
  } catch (e) {
    throw translateTufError(e, fetcher, (role) => fetcher.lastByRole.get(role) ?? local(role));
  }
}
