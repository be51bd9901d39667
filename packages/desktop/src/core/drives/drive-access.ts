import type { KeyTarget as ApiKeyTarget } from '@pnc/shared';
import { FAT32_MIN_VOLUME_BYTES, type BlockTarget } from '../fat32/index.js';
import type { DriveInfo } from './drive-info.js';
import { assertWritableTarget, type KeyTarget } from './guards.js';
import { listDrives } from './list-drives.js';
import { openKeyTarget } from './open-key-target.js';
import { dropPageCache } from './page-cache.js';
import { watchDrives } from './watch-drives.js';

export interface OpenedKey {
  /** A device is written whole; an image at the size asked for. */
  volumeBytes: number;
  /** Runs the guards again: the device is opened only after the volume is planned. */
  openTarget: () => Promise<BlockTarget>;
  /** Where the key was written, for its record. */
  label: string;
  /** Drops the OS cache of the key so the read-back reads the key itself. */
  dropCache: () => Promise<boolean>;
}

/** The drives as the desktop service uses them: listing, watching, and opening behind every guard. */
export function createDriveAccess() {
  return {
    list: listDrives,
    watch: (onChange: (drives: DriveInfo[]) => void) => watchDrives(onChange),
    async open(target: ApiKeyTarget): Promise<OpenedKey> {
      // Any device must at least hold a minimal FAT32 volume; the guards answer with its real size.
      const spec: KeyTarget =
        target.kind === 'image'
          ? { image: target.path, volumeBytes: target.size }
          : { device: target.device, volumeBytes: FAT32_MIN_VOLUME_BYTES };
      const checked = await assertWritableTarget(spec);
      const volumeBytes = target.kind === 'image' ? target.size : checked.size;
      return {
        volumeBytes,
        openTarget: () => openKeyTarget({ ...spec, volumeBytes }),
        label: checked.path,
        dropCache: () => dropPageCache(checked.path),
      };
    },
  };
}
