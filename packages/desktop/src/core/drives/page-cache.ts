import { stat } from 'node:fs/promises';
import { runTool } from './run-tool.js';

/**
 * Drops what the OS caches of a key (after fsync the pages are clean), so the read-back that
 * follows comes from the key itself and catches a key that lies about what it stored.
 * Linux only: GNU dd's `iflag=nocache count=0` asks the kernel to drop the file's pages, and
 * `blockdev --flushbufs` flushes a device's buffer cache. Elsewhere answers false.
 */
export async function dropPageCache(path: string): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const dd = await runTool('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
  if (!dd.ok) return false;
  const st = await stat(path).catch(() => null);
  if (st?.isBlockDevice()) return (await runTool('blockdev', ['--flushbufs', path])).ok;
  return true;
}
