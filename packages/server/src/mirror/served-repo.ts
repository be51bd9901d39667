import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirLayout } from '../config/data-dir.js';
import { getCurrentContent } from '../db/content.js';
import type { Db } from '../db/database.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { blobPath } from '../store/blob-store.js';

const VERSIONED = /^([1-9]\d{0,9})\.(root|snapshot|targets)\.json$/;
const TARGET = /^([0-9a-f]{64})\.(catalog\.json|vehicles\.ndjson)$/;

/**
 * The path to serve for a metadata name a workstation asks for, or null. Only names of the
 * published state resolve: `timestamp.json` is the copy made for the current snapshot, and
 * versioned files newer than the current catalog are not visible before it is published.
 */
export function resolveServedMetadata(dataDir: string, db: Db, file: string): string | null {
  const current = getCurrentContent(db);
  if (!current) return null;
  const served = dataDirLayout(dataDir).served;
  let path: string;
  if (file === 'timestamp.json') {
    path = join(served, `timestamp.${current.snapshotVersion}.json`);
  } else {
    const m = VERSIONED.exec(file);
    if (!m) return null;
    const version = Number(m[1]);
    const limit =
      m[2] === 'snapshot'
        ? current.snapshotVersion
        : m[2] === 'targets'
          ? current.targetsVersion
          : (current.rootVersion ?? Infinity);
    if (version > limit) return null;
    path = join(served, file);
  }
  return existsSync(path) ? path : null;
}

/** `<sha256>.catalog.json` or `<sha256>.vehicles.ndjson` → the verified copy in the store. */
export function resolveServedTarget(dataDir: string, file: string): string | null {
  const m = TARGET.exec(file);
  if (!m) return null;
  const path = blobPath(dataDir, m[1]!);
  return existsSync(path) ? path : null;
}

/** Verified metadata bytes, as the carmaker signed them, to copy for workstations. */
export interface VerifiedMetadata {
  roots: Map<number, Buffer>;
  snapshotVersion: number;
  snapshot: Buffer;
  targetsVersion: number;
  targets: Buffer;
  timestamp: Buffer;
}

/**
 * Copies the verified metadata under immutable names before the publication switches to it.
 * The timestamp copy is per snapshot version and may be replaced by a newer timestamp for the
 * same snapshot (the carmaker extending expiry); every write is atomic.
 */
export function writeServedMetadata(dataDir: string, m: VerifiedMetadata): void {
  const served = dataDirLayout(dataDir).served;
  for (const [version, bytes] of m.roots) {
    const path = join(served, `${version}.root.json`);
    if (!existsSync(path)) writeFileAtomic(path, bytes);
  }
  for (const [name, bytes] of [
    [`${m.snapshotVersion}.snapshot.json`, m.snapshot],
    [`${m.targetsVersion}.targets.json`, m.targets],
  ] as const) {
    const path = join(served, name);
    if (!existsSync(path) || !readFileSync(path).equals(bytes)) writeFileAtomic(path, bytes);
  }
  writeFileAtomic(join(served, `timestamp.${m.snapshotVersion}.json`), m.timestamp);
}
