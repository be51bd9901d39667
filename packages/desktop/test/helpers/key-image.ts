import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

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

/** Corrupts a key the way a faulty flash cell would: flips the first byte of one file's data. */
export function flipFirstByteOf(image: string, path: string): void {
  const fat = execFileSync('mshowfat', ['-i', `${image}@@${PARTITION_OFFSET}`, `::/${path}`], {
    env: MTOOLS_ENV,
  }).toString();
  const cluster = Number(/<(\d+)/.exec(fat)![1]);
  const fd = openSync(image, 'r+');
  try {
    const bpb = Buffer.alloc(512);
    readSync(fd, bpb, 0, 512, PARTITION_OFFSET);
    const bytesPerSector = bpb.readUInt16LE(11);
    const clusterBytes = bpb.readUInt8(13) * bytesPerSector;
    const fatSectors = bpb.readUInt32LE(36);
    const dataStart =
      PARTITION_OFFSET + (bpb.readUInt16LE(14) + bpb.readUInt8(16) * fatSectors) * bytesPerSector;
    const at = dataStart + (cluster - 2) * clusterBytes;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}
