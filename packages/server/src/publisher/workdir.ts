import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The publisher's working folder. Only `repo/` is uploaded to the origin; keys and state never
 * leave the carmaker's machine.
 */
export interface Workdir {
  root: string;
  repo: string;
  metadata: string;
  targets: string;
  blobs: string;
  keys: string;
  retiredKeys: string;
  state: string;
}

export function workdirLayout(root: string): Workdir {
  const repo = join(root, 'repo');
  return {
    root,
    repo,
    metadata: join(repo, 'metadata'),
    targets: join(repo, 'targets'),
    blobs: join(repo, 'blobs', 'sha256'),
    keys: join(root, 'keys'),
    retiredKeys: join(root, 'keys', 'retired'),
    state: join(root, 'state'),
  };
}

export function ensureWorkdir(root: string): Workdir {
  const w = workdirLayout(root);
  for (const d of [w.metadata, w.targets, w.blobs, w.state]) mkdirSync(d, { recursive: true });
  mkdirSync(w.retiredKeys, { recursive: true, mode: 0o700 });
  return w;
}
