import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirLayout } from '../config/data-dir.js';

const SHA256 = /^[0-9a-f]{64}$/;

export function isSha256(s: string): boolean {
  return SHA256.test(s);
}

/**
 * Where a verified blob lives: `store/sha256/<2 hex>/<hash>`. A file only ever appears here by
 * rename after its bytes were hashed, so presence with the right size means verified.
 */
export function blobPath(dataDir: string, sha256: string): string {
  if (!isSha256(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return join(dataDirLayout(dataDir).store, sha256.slice(0, 2), sha256);
}

/** The partial download of a blob, kept across restarts for Range resume. */
export function partialPath(dataDir: string, sha256: string): string {
  if (!isSha256(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return join(dataDirLayout(dataDir).partial, sha256);
}

/** Size of a stored blob, or null when absent. */
export function storedSize(dataDir: string, sha256: string): number | null {
  try {
    return statSync(blobPath(dataDir, sha256)).size;
  } catch {
    return null;
  }
}

export function hasBlob(dataDir: string, sha256: string, size: number): boolean {
  return storedSize(dataDir, sha256) === size;
}

export function removeBlob(dataDir: string, sha256: string): void {
  rmSync(blobPath(dataDir, sha256), { force: true });
}

/** Every blob hash present in the store (for garbage collection). */
export function listStoredBlobs(dataDir: string): string[] {
  const root = dataDirLayout(dataDir).store;
  const out: string[] = [];
  let prefixes: string[];
  try {
    prefixes = readdirSync(root);
  } catch {
    return out;
  }
  for (const prefix of prefixes) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const name of readdirSync(join(root, prefix)))
      if (isSha256(name) && name.startsWith(prefix)) out.push(name);
  }
  return out;
}
