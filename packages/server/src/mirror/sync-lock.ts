import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { PncError } from '@pnc/shared';
import { dataDirLayout } from '../config/data-dir.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One sync at a time per data folder, across processes (the server's schedule and a
 * `pnc-server sync` typed by IT). A lock left by a killed process is taken over.
 */
export function acquireSyncLock(dataDir: string): () => void {
  const file = dataDirLayout(dataDir).syncLock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new PncError(
          'CONFLICT',
          `A synchronisation is already running (process ${pid}); wait for it to finish.`,
          { pid },
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new PncError('CONFLICT', 'The synchronisation lock cannot be taken; try again.');
}
