import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PncError } from '@pnc/shared';

export interface FolderFile {
  /** Key-relative path with "/" separators. */
  path: string;
  size: number;
  absolute: string;
}

/** Lists the regular files under a folder; symbolic links are refused, they would not be on the key. */
export function listFolder(root: string): FolderFile[] {
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st?.isDirectory())
    throw new PncError('NOT_FOUND', `The package folder ${root} does not exist or is not a folder.`, {
      path: root,
    });
  const out: FolderFile[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const s = lstatSync(abs);
      if (s.isDirectory()) walk(abs, rel);
      else if (s.isFile()) out.push({ path: rel, size: s.size, absolute: abs });
      else
        throw new PncError(
          'VALIDATION_FAILED',
          `"${rel}" is not a regular file (a link or a device); copy the real file instead.`,
          { path: rel },
        );
    }
  };
  walk(root, '');
  if (out.length === 0)
    throw new PncError('VALIDATION_FAILED', `The package folder ${root} holds no file.`, { path: root });
  return out;
}
