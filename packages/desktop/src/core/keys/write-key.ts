import { randomUUID } from 'node:crypto';
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
  type Fat32Plan,
  type PlannedFile,
} from '../fat32/index.js';
import { etaSeconds, RateMeter } from '../progress/rate-meter.js';
import type { ServerClient } from '../server/server-client.js';
import { trustedVehicle, type VerifiedCatalog } from '../trust/verified-catalog.js';
import { FanOut } from './fan-out.js';
import { checksummed, ReadBehind, verifyFile } from './read-behind.js';
import { KEY_MANIFEST_PATH, renderManifest, type KeyManifest } from './key-manifest.js';

export type WritePhase = 'preparing' | 'writing' | 'verifying' | 'finalizing' | 'done';

export interface KeyProgress {
  label: string;
  phase: WritePhase | 'failed';
  bytesDone: number;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

export interface WriteProgress {
  phase: WritePhase;
  /** Bytes of the slowest key still going: what the technician waits for. */
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  file?: string;
  keys: KeyProgress[];
}

/** One key to write: an image file or a device, opened once its volume is planned. */
export interface KeyOutput {
  label: string;
  volumeBytes: number;
  openTarget: () => Promise<BlockTarget>;
  /**
   * Drops the OS cache of the key before read-back, so verification reads the key itself; only
   * used when the target has no direct I/O (BlockTarget.direct), whose reads bypass the cache.
   */
  dropCache?: () => Promise<boolean>;
}

export interface WriteKeysRequest {
  client: ServerClient;
  serverName: string;
  verified: VerifiedCatalog;
  vehicle: VehicleInfo;
  packageIds: string[];
  keys: KeyOutput[];
  app: { name: string; version: string };
  label?: string;
  signal?: AbortSignal;
  onProgress?: (p: WriteProgress) => void;
  now?: () => Date;
  /** Where file bytes come from; by default straight from the LAN server (no copy on disk). */
  blobs?: BlobSource;
}

/** Streams a signed file's bytes, verified against its size and sha256. */
export type BlobSource = (file: PackageFile, signal?: AbortSignal) => AsyncIterable<Buffer>;

export interface WriteKeyResult {
  keyId: string;
  label: string;
  manifest: KeyManifest;
  files: number;
  bytes: number;
  seconds: number;
  /** Whether the read-back bypassed the OS cache: direct I/O, or every KeyOutput.dropCache worked. */
  readBackFromDevice: boolean;
}

export type KeyOutcome =
  { label: string; ok: true; result: WriteKeyResult } | { label: string; ok: false; error: PncError };

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

interface KeyRun {
  out: KeyOutput;
  progress: KeyProgress;
  manifest: KeyManifest;
  writing: Buffer;
  plan?: Fat32Plan;
  target?: BlockTarget;
  error?: PncError;
  fromDevice?: boolean;
}

const asPnc = (e: unknown, signal?: AbortSignal): PncError =>
  signal?.aborted
    ? new PncError('WRITE_CANCELLED', 'Cancelled: the key is incomplete and must not be used.')
    : e instanceof PncError
      ? e
      : new PncError('WRITE_FAILED', (e as Error).message);

/**
 * Writes one or several keys from a single download — LAN → hash → keys — in one streaming pass,
 * then reads every key back and only then marks its manifest `complete`. A key that fails (or is
 * pulled out) is dropped and the others go on; a failed or cancelled key keeps `writing`.
 */
export async function writeKeys(req: WriteKeysRequest): Promise<KeyOutcome[]> {
  const started = performance.now();
  const now = req.now ?? (() => new Date());
  // Eligibility is decided on the signed registry, not on what the server says about the VIN.
  const vehicle = trustedVehicle(req.verified, req.vehicle);
  const packages = selectPackages(req.verified, vehicle, req.packageIds);
  const files = keyFiles(packages);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  const blobs: BlobSource =
    req.blobs ??
    ((f, signal) =>
      downloadBlob(req.client, { size: f.size, sha256: f.sha256, ...(signal ? { signal } : {}) }));
  const meter = new RateMeter();
  let phase: WritePhase = 'preparing';
  let lastFile: string | undefined;

  const runs: KeyRun[] = req.keys.map((out) => {
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
    return {
      out,
      manifest,
      writing: renderManifest(manifest),
      progress: { label: out.label, phase: 'preparing', bytesDone: 0 },
    };
  });
  const live = () => runs.filter((r) => !r.error);
  const fail = (r: KeyRun, e: unknown) => {
    r.error = asPnc(e, req.signal);
    r.progress = {
      ...r.progress,
      phase: 'failed',
      error: {
        code: r.error.code,
        message: r.error.message,
        ...(r.error.details ? { details: r.error.details } : {}),
      },
    };
  };
  const emit = () => {
    const going = live();
    const done = going.length ? Math.min(...going.map((r) => r.progress.bytesDone)) : 0;
    const rate = phase === 'writing' ? meter.update(done) : 0;
    req.onProgress?.({
      phase,
      bytesDone: done,
      bytesTotal,
      bytesPerSecond: rate,
      etaSeconds: etaSeconds(done, bytesTotal, rate),
      ...(lastFile ? { file: lastFile } : {}),
      keys: runs.map((r) => r.progress),
    });
  };
  emit();

  try {
    // Plan and open every key first: a key too small or refused is dropped before any download.
    for (const r of runs) {
      try {
        r.plan = planFat32Volume({
          volumeBytes: r.out.volumeBytes,
          label: req.label ?? 'PNC_KEY',
          files: [
            { path: KEY_MANIFEST_PATH, size: r.writing.length },
            ...files.map((f) => ({ path: f.path, size: f.size })),
          ],
        });
        r.target = await r.out.openTarget();
      } catch (e) {
        fail(r, e);
      }
    }
    if (live().length === 0) return outcomes(runs);

    phase = 'writing';
    const fan = new FanOut(runs.length, (path) => blobs(byPath.get(path)!, req.signal));
    runs.forEach((r, i) => r.error && fan.drop(i));
    await Promise.all(
      runs.map(async (r, i) => {
        if (r.error) return;
        r.progress = { ...r.progress, phase: 'writing' };
        // Stops this key's writer when its read-back fails; the other keys go on.
        const stop = new AbortController();
        const signal = req.signal ? AbortSignal.any([req.signal, stop.signal]) : stop.signal;
        // What each file's bytes were as this key's writer got them: what must read back.
        const written = new Map<string, number>();
        const readBack = new ReadBehind(
          r.target!,
          r.plan!,
          files,
          written,
          r.out.dropCache,
          signal,
          (done) => {
            if (r.progress.phase !== 'verifying') return;
            r.progress = { ...r.progress, bytesDone: done };
            emit();
          },
        );
        const reading = readBack.run().catch((e: unknown) => {
          if (!r.error) fail(r, e);
          stop.abort();
          fan.drop(i);
        });
        const source = (file: PlannedFile) =>
          file.path === KEY_MANIFEST_PATH
            ? [r.writing]
            : checksummed(fan.stream(i, file.path), (crc) => written.set(file.path, crc));
        try {
          await writeFat32Volume(r.plan!, r.target!, source, {
            signal,
            onLanded: (position) => readBack.landedAt(position),
            onProgress: (p) => {
              const done = Math.min(
                bytesTotal,
                Math.max(0, p.bytesWritten - r.plan!.metadataBytes - r.writing.length),
              );
              r.progress = { ...r.progress, bytesDone: done };
              if (p.file) lastFile = p.file;
              emit();
            },
          });
          readBack.writerDone();
        } catch (e) {
          if (!r.error) fail(r, e);
          readBack.writerFailed();
          fan.drop(i);
        }
        // What is left of the read-back once the writing is over.
        if (!r.error) r.progress = { ...r.progress, phase: 'verifying', bytesDone: readBack.verifiedBytes };
        if (phase === 'writing' && live().every((k) => k.progress.phase !== 'writing')) {
          phase = 'verifying';
          emit();
        }
        await reading;
        if (r.error) return;
        try {
          const complete: KeyManifest = {
            ...r.manifest,
            state: 'complete',
            completedAt: now().toISOString(),
          };
          await rewriteFileInPlace(
            r.plan!,
            r.target!,
            KEY_MANIFEST_PATH,
            renderManifest(complete, r.writing.length),
          );
          await r.target!.sync();
          r.manifest = complete;
          r.progress = { ...r.progress, phase: 'done', bytesDone: bytesTotal };
          r.fromDevice = readBack.fromDevice;
        } catch (e) {
          fail(r, e);
        }
      }),
    );
    phase = 'done';
    emit();
  } finally {
    await Promise.all(runs.map((r) => r.target?.close().catch(() => undefined)));
  }
  const seconds = (performance.now() - started) / 1000;
  return outcomes(runs, (r) => ({
    keyId: r.manifest.keyId,
    label: r.out.label,
    manifest: r.manifest,
    files: files.length,
    bytes: bytesTotal,
    seconds,
    readBackFromDevice: r.fromDevice ?? false,
  }));
}

function outcomes(runs: KeyRun[], result?: (r: KeyRun) => WriteKeyResult): KeyOutcome[] {
  return runs.map((r) =>
    r.error || !result
      ? { label: r.out.label, ok: false, error: r.error ?? new PncError('WRITE_FAILED', 'Not written.') }
      : { label: r.out.label, ok: true, result: result(r) },
  );
}

/** One key; throws its error when it could not be written. */
export async function writeKey(
  req: Omit<WriteKeysRequest, 'keys'> & { key: KeyOutput },
): Promise<WriteKeyResult> {
  const [outcome] = await writeKeys({ ...req, keys: [req.key] });
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
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
  for (const f of files) await verifyFile(reader, f, signal, (n) => onBytes?.((done += n)));
}
