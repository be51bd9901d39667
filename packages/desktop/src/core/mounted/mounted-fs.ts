import { mountFor, readMounts } from '../drives/linux-block.js';
import { runTool } from '../drives/run-tool.js';

export interface MountedFileSystem {
  /** The mount point holding the path, when the OS tells. */
  mountPoint: string | null;
  /** As the OS names it (`vfat`, `msdos`, `FAT32`, `exfat`, `ntfs`…), null when it cannot tell. */
  type: string | null;
  /** FAT32 as far as the OS tells (FAT12/16 mounts look alike on Linux and macOS; keys that small are refused anyway). */
  isFat32: boolean | null;
}

/** The file system a (real, absolute) key path is on: /proc on Linux, `mount` on macOS, .NET on Windows. */
export async function mountedFileSystem(path: string): Promise<MountedFileSystem> {
  if (process.platform === 'linux') {
    const m = mountFor(path, await readMounts());
    return {
      mountPoint: m?.mountPoint ?? null,
      type: m?.fsType ?? null,
      isFat32: m ? m.fsType === 'vfat' : null,
    };
  }
  if (process.platform === 'darwin') {
    const r = await runTool('mount', []);
    const mounts = r.ok
      ? r.output.split('\n').flatMap((l) => {
          const m = / on (.+) \(([^,)]+)/.exec(l);
          return m ? [{ mountPoint: m[1]!, fsType: m[2]!, majMin: '', source: '' }] : [];
        })
      : [];
    const m = mountFor(path, mounts);
    return {
      mountPoint: m?.mountPoint ?? null,
      type: m?.fsType ?? null,
      isFat32: m ? m.fsType === 'msdos' : null,
    };
  }
  if (process.platform === 'win32') {
    const root = /^[A-Za-z]:/.exec(path)?.[0];
    if (!root) return { mountPoint: null, type: null, isFat32: null };
    const r = await runTool('powershell.exe', [
      '-NoProfile',
      '-NonInteractive',
      '-Command',
      `([System.IO.DriveInfo]'${root}\\').DriveFormat`,
    ]);
    const type = r.ok && r.output ? r.output : null;
    return { mountPoint: `${root}\\`, type, isFat32: type === null ? null : type.toUpperCase() === 'FAT32' };
  }
  return { mountPoint: null, type: null, isFat32: null };
}
