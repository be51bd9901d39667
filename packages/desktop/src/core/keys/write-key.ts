import { createHash, randomUUID } from 'node:crypto';
import {
  checkFat32Tree,
  evaluateEligibility,
  PncError,
  type PackageFile,
  type UpdatePackage,
  type VehicleInfo,
} from '@pnc/shared';
import { downloadBlob } from '../download/blob-download.js';
import {
  Fat32Reader,
  planFat32Volume,
  rewriteFileInPlace,
  writeFat32Volume,
  type BlockTarget,
  type PlannedFile,
} from '../fat32/index.js';
import { etaSeconds, RateMeter } from '../progress/rate-meter.js';
import type { ServerClient } from '../server/server-client.js';
import type { VerifiedCatalog } from '../trust/verified-catalog.js';
import { KEY_MANIFEST_PATH, renderManifest, type KeyManifest } from './key-manifest.js';

export type WritePhase = 'preparing' | 'writing' | 'verifying' | 'finalizing' | 'done';

export interface WriteProgress {
  phase: WritePhase;
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  file?: string;
}

export interface WriteKeyRequest {
  client: ServerClient;
  serverName: string;
  verified: VerifiedCatalog;
  vehicle: VehicleInfo;
  packageIds: string[];
  /** Opens the key (image file or device) once the volume is planned and its size is known to fit. */
  openTarget: () => Promise<BlockTarget>;
  volumeBytes: number;
  app: { name: string; version: string };
  label?: string;
  signal?: AbortSignal;
  onProgress?: (p: WriteProgress) => void;
  now?: () => Date;
}

export interface WriteKeyResult {
  keyId: string;
  manifest: KeyManifest;
  files: number;
  bytes: number;
  seconds: number;
}

/** The packages asked for, refused unless the verified catalog makes them eligible for this vehicle. */
export function selectPackages(
  verified: VerifiedCatalog,
  vehicle: VehicleInfo,
  ids: string[],
): UpdatePackage[] {
  if (ids.length === 0)
    throw new PncError('VALIDATION_FAILED', 'Choose at least one update to put on the key.');
  const verdict = evaluateEligibility(vehicle, verified.catalog);
  return ids.map((id) => {
    const p = verified.catalog.packages.find((x) => x.id === id);
    if (!p)
      throw new PncError('PACKAGE_UNKNOWN', `The signed catalog has no update "${id}".`, { packageId: id });
    const no = verdict.notEligible.find((n) => n.packageId === id);
    if (no) {
      throw new PncError(
        'PACKAGE_NOT_ELIGIBLE',
        `${id} is not for this vehicle (${no.reason}${no.detail ? `: ${no.detail}` : ''}).`,
        {
          packageId: id,
          reason: no.reason,
        },
      );
    }
    return p;
  });
}

/** The union of the packages' files; the same path must mean the same bytes. */
export function keyFiles(packages: UpdatePackage[]): PackageFile[] {
  const byPath = new Map<string, PackageFile>();
  for (const p of packages) {
    for (const f of p.files) {
      const prev = byPath.get(f.path);
      if (prev && prev.sha256 !== f.sha256) {
        throw new PncError(
          'FAT32_NAME_COLLISION',
          `"${f.path}" is in two chosen updates with different contents; put them on separate keys.`,
          {
            path: f.path,
          },
        );
      }
      byPath.set(f.path, f);
    }
  }
  const files = [...byPath.values()];
  checkFat32Tree([...files, { path: KEY_MANIFEST_PATH, size: 0 }]);
  return files;
}

/**
 * Writes one key in a single streaming pass — LAN → hash → key — then reads everything back and
 * only then marks the key's manifest `complete`. Any failure or cancel leaves it `writing`.
 */
export async function writeKey(req: WriteKeyRequest): Promise<WriteKeyResult> {
  const started = performance.now();
  const now = req.now ?? (() => new Date());
  const emit = (p: Omit<WriteProgress, 'bytesPerSecond' | 'etaSeconds'> & { bytesPerSecond?: number }) => {
    const rate = p.bytesPerSecond ?? 0;
    req.onProgress?.({ ...p, bytesPerSecond: rate, etaSeconds: etaSeconds(p.bytesDone, p.bytesTotal, rate) });
  };

  const packages = selectPackages(req.verified, req.vehicle, req.packageIds);
  const files = keyFiles(packages);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const manifest: KeyManifest = {
    format: 'plugnconnect-key/1',
    state: 'writing',
    keyId: randomUUID(),
    vin: req.vehicle.vin,
    packages: packages.map((p) => ({ id: p.id, kind: p.kind, family: p.family, version: p.version })),
    files,
    catalogVersion: req.verified.version,
    server: { url: req.client.baseUrl, name: req.serverName },
    app: req.app,
    createdAt: now().toISOString(),
    completedAt: null,
  };
  const writing = renderManifest(manifest);
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  emit({ phase: 'preparing', bytesDone: 0, bytesTotal });

  const plan = planFat32Volume({
    volumeBytes: req.volumeBytes,
    label: req.label ?? 'PNC_KEY',
    files: [
      { path: KEY_MANIFEST_PATH, size: writing.length },
      ...files.map((f) => ({ path: f.path, size: f.size })),
    ],
  });
  const target = await req.openTarget();
  try {
    const meter = new RateMeter();
    const source = (file: PlannedFile) => {
      if (file.path === KEY_MANIFEST_PATH) return [writing];
      const f = byPath.get(file.path)!;
      return downloadBlob(req.client, {
        size: f.size,
        sha256: f.sha256,
        ...(req.signal ? { signal: req.signal } : {}),
      });
    };
    await writeFat32Volume(plan, target, source, {
      ...(req.signal ? { signal: req.signal } : {}),
      onProgress: (p) => {
        const done = Math.min(bytesTotal, Math.max(0, p.bytesWritten - plan.metadataBytes - writing.length));
        emit({
          phase: 'writing',
          bytesDone: done,
          bytesTotal,
          bytesPerSecond: meter.update(done),
          ...(p.file ? { file: p.file } : {}),
        });
      },
    });
    await target.sync();
    emit({ phase: 'verifying', bytesDone: 0, bytesTotal });
    await verifyKeyFiles(target, files, req.signal, (done) =>
      emit({ phase: 'verifying', bytesDone: done, bytesTotal }),
    );
    emit({ phase: 'finalizing', bytesDone: bytesTotal, bytesTotal });
    const complete: KeyManifest = { ...manifest, state: 'complete', completedAt: now().toISOString() };
    await rewriteFileInPlace(plan, target, KEY_MANIFEST_PATH, renderManifest(complete, writing.length));
    await target.sync();
    emit({ phase: 'done', bytesDone: bytesTotal, bytesTotal });
    return {
      keyId: manifest.keyId,
      manifest: complete,
      files: files.length,
      bytes: bytesTotal,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await target.close();
  }
}

/** Reads every file back through an independent FAT32 reader and compares it with the signed hash. */
export async function verifyKeyFiles(
  target: BlockTarget,
  files: PackageFile[],
  signal?: AbortSignal,
  onBytes?: (done: number) => void,
): Promise<void> {
  const reader = await Fat32Reader.open(target);
  let done = 0;
  for (const f of files) {
    signal?.throwIfAborted();
    const h = createHash('sha256');
    let size = 0;
    for await (const chunk of reader.readFile(f.path)) {
      h.update(chunk);
      size += chunk.length;
      done += chunk.length;
      onBytes?.(done);
    }
    const actual = h.digest('hex');
    if (size !== f.size || actual !== f.sha256) {
      throw new PncError(
        'VERIFY_FAILED',
        `"${f.path}" on the key does not read back as written: the key may be faulty. Use another key.`,
        {
          path: f.path,
          expected: f.sha256,
          actual,
        },
      );
    }
  }
}
