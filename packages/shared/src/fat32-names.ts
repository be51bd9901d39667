import { PncError } from './errors.js';

/** Largest file FAT32 can hold: the size field is 32 bits. */
export const FAT32_MAX_FILE_SIZE = 0xffff_ffff; // 4 GiB − 1
/** Long names are at most 255 UTF-16 code units per component. */
export const FAT32_MAX_NAME_UNITS = 255;
/** A directory holds at most 65,536 32-byte entries (LFN slots included, `.` and `..` too). */
export const FAT32_MAX_DIR_ENTRIES = 65_536;

const ILLEGAL_CHARS = /["*/:<>?\\|\u0000-\u001f\u007f]/;
const RESERVED = /^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$/i;

/** Why a single path component cannot be a FAT32 long name, or null when it can. */
export function fat32NameProblem(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name === '.' || name === '..') return `"${name}" is not a file name`;
  if (name.length > FAT32_MAX_NAME_UNITS) return `longer than ${FAT32_MAX_NAME_UNITS} characters`;
  const bad = ILLEGAL_CHARS.exec(name);
  if (bad) {
    const c = bad[0];
    const shown = c.charCodeAt(0) < 0x20 || c === '\u007f' ? `control character 0x${c.charCodeAt(0).toString(16)}` : `"${c}"`;
    return `contains ${shown}`;
  }
  if (/[ .]$/.test(name)) return 'ends with a space or a dot';
  if (RESERVED.test(name)) return 'is a reserved device name on Windows';
  // Lone surrogates cannot be stored as UTF-16 names that round-trip.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(name)) return 'contains invalid Unicode';
  return null;
}

/**
 * Validates a key-relative path (`FOLDER/SUB/file.bin`) and returns its components.
 * Refuses absolute paths, `..`, backslashes and any component FAT32 cannot hold.
 */
export function splitKeyPath(path: string): string[] {
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new PncError('FAT32_INVALID_NAME', `"${path}" is absolute; key paths are relative to the key's root.`, { path });
  }
  if (path.includes('\\')) {
    throw new PncError('FAT32_INVALID_NAME', `"${path}" uses "\\"; key paths use "/".`, { path });
  }
  const parts = path.split('/');
  for (const part of parts) {
    const problem = fat32NameProblem(part);
    if (problem) {
      throw new PncError('FAT32_INVALID_NAME', `"${path}": the name "${part}" ${problem}.`, { path, name: part, problem });
    }
  }
  return parts;
}

/** FAT32 compares names ignoring case (Unicode upper-casing, as Windows does). */
export function fat32FoldCase(name: string): string {
  return name.toUpperCase();
}

/**
 * Checks a set of files for everything FAT32 refuses: bad names, sizes over 4 GiB − 1, two paths
 * equal ignoring case, a file where a folder is needed. Throws on the first problem, naming the file.
 */
export function checkFat32Tree(files: ReadonlyArray<{ path: string; size: number }>): void {
  const seen = new Map<string, { path: string; dir: boolean }>();
  for (const f of files) {
    const parts = splitKeyPath(f.path);
    if (!Number.isSafeInteger(f.size) || f.size < 0) {
      throw new PncError('VALIDATION_FAILED', `"${f.path}": size ${f.size} is not a byte count.`, { path: f.path });
    }
    if (f.size > FAT32_MAX_FILE_SIZE) {
      throw new PncError(
        'FAT32_FILE_TOO_LARGE',
        `"${f.path}" is ${f.size} bytes; FAT32 holds files up to 4 GiB − 1 (${FAT32_MAX_FILE_SIZE} bytes).`,
        { path: f.path, size: f.size, max: FAT32_MAX_FILE_SIZE },
      );
    }
    for (let i = 0; i < parts.length; i++) {
      const isDir = i < parts.length - 1;
      const sub = parts.slice(0, i + 1).join('/');
      const key = fat32FoldCase(sub);
      const prev = seen.get(key);
      if (!prev) {
        seen.set(key, { path: sub, dir: isDir });
        continue;
      }
      if (prev.dir && isDir && prev.path === sub) continue;
      const what =
        prev.path === sub ? 'is listed twice, or is both a file and a folder' : `collides with "${prev.path}" (FAT32 ignores case)`;
      throw new PncError('FAT32_NAME_COLLISION', `"${sub}" ${what}.`, { path: sub, other: prev.path });
    }
  }
}
