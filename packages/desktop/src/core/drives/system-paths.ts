import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workstationHome } from '../config/paths.js';

/** The paths a key target must never touch, and the mount points that mark a disk as the system's. */

/** The folder the app runs from (the package in development, the install folder once packaged). */
const APP_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** True when `path` is `dir` or inside it; case-insensitive on Windows, like its file systems. */
export function isInsidePath(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function env(name: string): string[] {
  const v = process.env[name];
  return v ? [v] : [];
}

/** Mount points that belong to the running OS wherever they come from. */
export function systemMountPoints(): string[] {
  switch (process.platform) {
    case 'win32':
      return [`${process.env.SystemDrive ?? 'C:'}\\`];
    case 'darwin':
      return [
        '/',
        '/System/Volumes/Data',
        '/System/Volumes/VM',
        '/System/Volumes/Preboot',
        '/System/Volumes/Update',
        '/private/var/vm',
      ];
    default:
      return [
        '/',
        '/boot',
        '/boot/efi',
        '/efi',
        '/usr',
        '/var',
        '/home',
        '/etc',
        '/opt',
        '/srv',
        '/root',
        '[SWAP]',
      ];
  }
}

/** Paths whose disk is the system's: the OS, the user's home, the app itself and its state. */
export function vitalPaths(): string[] {
  return [
    ...systemMountPoints().filter((p) => p !== '[SWAP]'),
    ...env('SystemRoot'),
    ...env('ProgramFiles'),
    homedir(),
    tmpdir(),
    dirname(process.execPath),
    APP_ROOT,
    workstationHome(),
  ];
}

/** A mount point is the system's when it is a known system one or holds a vital path (`C:\`, `/home`). */
export function isSystemMountPoint(mountPoint: string): boolean {
  if (systemMountPoints().includes(mountPoint)) return true;
  if (process.platform === 'darwin' && mountPoint.startsWith('/System/Volumes/')) return true;
  return vitalPaths().some((p) => isInsidePath(p, mountPoint));
}

/** Folders no image file may be written into: the OS's own, the app's and its state. */
export function protectedFolders(): string[] {
  const own = [APP_ROOT, workstationHome()];
  switch (process.platform) {
    case 'win32':
      return [...env('SystemRoot'), ...env('ProgramFiles'), ...env('ProgramFiles(x86)'), ...own];
    case 'darwin':
      return [
        '/System',
        '/Library',
        '/bin',
        '/sbin',
        '/usr',
        '/dev',
        '/private/etc',
        '/private/var/db',
        ...own,
      ];
    default:
      return [
        '/bin',
        '/boot',
        '/dev',
        '/etc',
        '/lib',
        '/lib32',
        '/lib64',
        '/libx32',
        '/proc',
        '/sbin',
        '/sys',
        '/usr',
        '/var/lib',
        ...own,
      ];
  }
}
