import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { Catalog, PncError } from '@pnc/shared';
import { IdleTimeoutFetcher } from './idle-fetcher.js';
import { tufErrorToPnc } from './tuf-errors.js';

export interface VerifiedCatalog {
  /** Snapshot version the catalog was reached through. */
  version: number;
  catalog: Catalog;
  /** When the timestamp metadata expires: after that the content is refused. */
  expiresAt: string;
}

export interface VerifyOptions {
  serverUrl: string;
  /** The carmaker's root.json the app ships with. */
  trustedRootFile: string;
  /** Workstation state dir; trusted metadata is kept under it (rollback protection across runs). */
  stateDir: string;
}

/**
 * Fetches the catalog through TUF from the LAN server and verifies it against the carmaker root
 * this workstation ships with. The server is not trusted: a forged, stale or rolled-back catalog
 * is refused here, and every blob is later checked against this catalog's hashes.
 */
export async function fetchVerifiedCatalog(opts: VerifyOptions): Promise<VerifiedCatalog> {
  const metadataDir = join(opts.stateDir, 'tuf', 'metadata');
  const targetDir = join(opts.stateDir, 'tuf', 'targets');
  mkdirSync(metadataDir, { recursive: true });
  mkdirSync(targetDir, { recursive: true });
  if (!existsSync(join(metadataDir, 'root.json')))
    copyFileSync(opts.trustedRootFile, join(metadataDir, 'root.json'));

  const base = opts.serverUrl.replace(/\/$/, '');
  const updater = new Updater({
    metadataDir,
    targetDir,
    metadataBaseUrl: `${base}/api/v1/tuf/metadata`,
    targetBaseUrl: `${base}/api/v1/tuf/targets`,
    fetcher: new IdleTimeoutFetcher(),
    config: { prefixTargetsWithHash: true },
  });
  let file: string;
  try {
    await updater.refresh();
    const info = await updater.getTargetInfo('catalog.json');
    if (!info) throw new PncError('METADATA_INVALID', 'The signed content has no catalog.');
    file = (await updater.findCachedTarget(info)) ?? (await updater.downloadTarget(info));
  } catch (e) {
    throw tufErrorToPnc(e, opts.serverUrl);
  }
  const timestamp = JSON.parse(readFileSync(join(metadataDir, 'timestamp.json'), 'utf8')) as {
    signed: { expires: string; meta: Record<string, { version: number }> };
  };
  const parsed = Catalog.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new PncError(
      'METADATA_INVALID',
      `The signed catalog does not match the catalog schema: ${parsed.error.issues[0]?.message}`,
    );
  }
  return {
    version: timestamp.signed.meta['snapshot.json']?.version ?? 0,
    catalog: parsed.data,
    expiresAt: timestamp.signed.expires,
  };
}
