// Real block devices for the drive tests: sparse files in the temp folder attached with losetup,
// tmpfs and ext4 mounts. Everything made here is undone in `finally`, even when a test fails.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

export async function sh(cmd: string, ...args: string[]): Promise<string> {
  return (await exec(cmd, args)).stdout.trim();
}

async function works(cmd: string, ...args: string[]): Promise<boolean> {
  try {
    await exec(cmd, args);
    return true;
  } catch {
    return false;
  }
}

/** Loop devices and mounts need root and a kernel that allows them (not every container does). */
export const canUseLoops =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  (await works('losetup', '--version')) &&
  (await works('losetup', '-f'));
export const canMount = canUseLoops && (await works('mkfs.ext4', '-V'));

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pnc-drives-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Attaches `file` (made sparse at `size` unless it exists) to a free loop device for the duration of `fn`. */
export async function withLoop<T>(
  file: string,
  size: number | null,
  fn: (dev: string) => Promise<T>,
  flags: string[] = [],
): Promise<T> {
  if (size !== null) {
    await writeFile(file, '');
    await truncate(file, size);
  }
  const dev = await sh('losetup', '-f', '--show', ...flags, file);
  try {
    return await fn(dev);
  } finally {
    await sh('losetup', '-d', dev);
  }
}

/** Mounts `source` at a fresh folder for the duration of `fn`. */
export async function withMount<T>(
  source: string,
  args: string[],
  dir: string,
  fn: (mountPoint: string) => Promise<T>,
): Promise<T> {
  await mkdir(dir, { recursive: true });
  await sh('mount', ...args, source, dir);
  try {
    return await fn(dir);
  } finally {
    // Already gone when the test ejected it.
    await exec('umount', [dir]).catch(() => undefined);
  }
}
