import {
  disksUnderPath,
  isBlockDevice,
  kernelName,
  swapAreas,
  wholeDisks,
  type MountEntry,
} from './linux-block.js';
import { vitalPaths } from './system-paths.js';

/**
 * Linux: the whole disks (kernel names) under `/`, the other system mounts, swap, the user's home,
 * the app and its state — found from the mounts and /sys, so a system disk that claims to be
 * removable, or a live system running from a USB stick, is still recognised.
 */
export async function linuxSystemDisks(mounts: readonly MountEntry[]): Promise<Set<string>> {
  const disks = new Set<string>();
  for (const p of [...vitalPaths(), ...(await swapAreas())]) {
    const found = (await isBlockDevice(p))
      ? await wholeDisks(await kernelName(p), mounts)
      : await disksUnderPath(p, mounts);
    for (const d of found) disks.add(d);
  }
  return disks;
}
