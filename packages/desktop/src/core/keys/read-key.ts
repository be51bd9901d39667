import { createHash } from 'node:crypto';
import { PncError } from '@pnc/shared';
import { Fat32Reader, type BlockTarget } from '../fat32/index.js';
import { KEY_MANIFEST_PATH, parseManifest, type KeyManifest } from './key-manifest.js';

export interface KeyReport {
  manifest: KeyManifest | null;
  /** `complete` and every file reads back with its signed hash. */
  intact: boolean;
  problems: Array<{ path: string; problem: 'missing' | 'size' | 'hash' }>;
  state: 'complete' | 'incomplete' | 'not-a-plugnconnect-key';
}

/**
 * Reads a key written earlier (by us, or copied by hand) and tells what is on it and whether it
 * is intact: its manifest, and every listed file re-hashed through our FAT32 reader.
 */
export async function readKey(
  target: BlockTarget | string,
  onBytes?: (n: number) => void,
): Promise<KeyReport> {
  const reader = await Fat32Reader.open(target);
  try {
    let manifest: KeyManifest;
    try {
      const chunks: Buffer[] = [];
      for await (const c of reader.readFile(KEY_MANIFEST_PATH)) chunks.push(c);
      manifest = parseManifest(Buffer.concat(chunks));
    } catch (e) {
      if (e instanceof PncError && e.code === 'NOT_FOUND')
        return { manifest: null, intact: false, problems: [], state: 'not-a-plugnconnect-key' };
      throw new PncError('VERIFY_FAILED', `The key's manifest cannot be read: ${(e as Error).message}`);
    }
    const problems: KeyReport['problems'] = [];
    let done = 0;
    for (const f of manifest.files) {
      const h = createHash('sha256');
      let size = 0;
      try {
        for await (const c of reader.readFile(f.path, { transient: true })) {
          h.update(c);
          size += c.length;
          done += c.length;
          onBytes?.(done);
        }
      } catch (e) {
        if (e instanceof PncError && e.code === 'NOT_FOUND') {
          problems.push({ path: f.path, problem: 'missing' });
          continue;
        }
        throw e;
      }
      if (size !== f.size) problems.push({ path: f.path, problem: 'size' });
      else if (h.digest('hex') !== f.sha256) problems.push({ path: f.path, problem: 'hash' });
    }
    const complete = manifest.state === 'complete';
    return {
      manifest,
      intact: complete && problems.length === 0,
      problems,
      state: complete ? 'complete' : 'incomplete',
    };
  } finally {
    await reader.close();
  }
}
