import { statfsSync } from 'node:fs';
import { PncError } from '@pnc/shared';

/** Room kept free beyond the new content: the database, logs and the system need some. */
export const DEFAULT_DISK_MARGIN = 1024 ** 3;

export function freeBytes(path: string): number {
  const s = statfsSync(path);
  return Number(s.bavail) * Number(s.bsize);
}

function gb(n: number): string {
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/**
 * Refuses to start downloading when the disk cannot hold the missing bytes plus the margin, and
 * says how much is missing. Nothing is deleted to make room: the served content stays whole.
 */
export function checkDiskSpace(path: string, neededBytes: number, marginBytes: number): void {
  const free = freeBytes(path);
  const short = neededBytes + marginBytes - free;
  if (short > 0) {
    throw new PncError(
      'DISK_SPACE_LOW',
      `Not enough disk space for the new content: it needs ${gb(neededBytes)} plus a ${gb(marginBytes)} margin, ${gb(free)} are free — ${gb(short)} missing. Free some space or add a larger disk.`,
      { neededBytes, marginBytes, freeBytes: free, missingBytes: short },
    );
  }
}
