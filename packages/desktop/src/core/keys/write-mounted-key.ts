import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { VehicleInfo } from '@pnc/shared';
import { downloadBlob } from '../download/blob-download.js';
import { writeToMountedKey, type MountedProgress } from '../mounted/index.js';
import type { ServerClient } from '../server/server-client.js';
import { trustedVehicle, type VerifiedCatalog } from '../trust/verified-catalog.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { KEY_MANIFEST_PATH, renderManifest, type KeyManifest } from './key-manifest.js';
import { keyFiles, selectPackages, type BlobSource } from './write-key.js';

export interface WriteMountedKeyRequest {
  client: ServerClient;
  serverName: string;
  verified: VerifiedCatalog;
  vehicle: VehicleInfo;
  packageIds: string[];
  /** The root of a FAT32 key the OS has mounted (no admin rights needed). */
  mountPath: string;
  app: { name: string; version: string };
  signal?: AbortSignal;
  onProgress?: (p: MountedProgress) => void;
  blobs?: BlobSource;
  /** Tests only: the kernel here has no vfat, so a plain folder stands in for the key. */
  skipFileSystemCheck?: boolean;
}

/**
 * Mounted mode: copies the update into an already formatted, mounted key, skipping files that are
 * already there and correct. The key's manifest says `writing` until every file was written (or
 * found) and read back with its signed hash; only then `complete`.
 */
export async function writeMountedKey(req: WriteMountedKeyRequest) {
  const vehicle = trustedVehicle(req.verified, req.vehicle);
  const packages = selectPackages(req.verified, vehicle, req.packageIds);
  const files = keyFiles(packages);
  const manifest: KeyManifest = {
    format: 'plugnconnect-key/1',
    state: 'writing',
    keyId: randomUUID(),
    vin: vehicle.vin,
    packages: packages.map((p) => ({ id: p.id, kind: p.kind, family: p.family, version: p.version })),
    files,
    catalogVersion: req.verified.version,
    server: { url: req.client.baseUrl, name: req.serverName },
    app: req.app,
    createdAt: new Date().toISOString(),
    completedAt: null,
  };
  const manifestPath = join(req.mountPath, KEY_MANIFEST_PATH);
  const blobs: BlobSource =
    req.blobs ??
    ((f, signal) =>
      downloadBlob(req.client, { size: f.size, sha256: f.sha256, ...(signal ? { signal } : {}) }));
  await writeFileAtomic(manifestPath, renderManifest(manifest));
  const byPath = new Map(files.map((f) => [f.path, f]));
  const result = await writeToMountedKey({
    mountPath: req.mountPath,
    files,
    source: (f) => blobs(byPath.get(f.path)!, req.signal),
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    ...(req.skipFileSystemCheck ? { skipFileSystemCheck: true } : {}),
  });
  const complete: KeyManifest = { ...manifest, state: 'complete', completedAt: new Date().toISOString() };
  await writeFileAtomic(manifestPath, renderManifest(complete));
  return { keyId: manifest.keyId, manifest: complete, ...result };
}
