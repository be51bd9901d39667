import { execFileSync, spawnSync } from 'node:child_process';

const PARTITION_OFFSET = 1024 * 1024;
const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

/** Runs `fsck.fat -n` on the key's first partition (through a read-only loop device at 1 MiB). */
export function fsckImage(image: string): { clean: boolean; output: string } {
  const loop = execFileSync('losetup', [
    '--find',
    '--show',
    '--read-only',
    '--offset',
    String(PARTITION_OFFSET),
    image,
  ])
    .toString()
    .trim();
  try {
    const r = spawnSync('fsck.fat', ['-n', '-v', loop], { encoding: 'utf8' });
    return { clean: r.status === 0, output: r.stdout + r.stderr };
  } finally {
    execFileSync('losetup', ['-d', loop]);
  }
}

/** Reads one file of the key with mtools (an implementation independent of ours). */
export function mcopyToBuffer(image: string, path: string): Buffer {
  return execFileSync('mcopy', ['-n', '-i', `${image}@@${PARTITION_OFFSET}`, `::/${path}`, '-'], {
    env: MTOOLS_ENV,
    maxBuffer: 1 << 30,
  });
}
