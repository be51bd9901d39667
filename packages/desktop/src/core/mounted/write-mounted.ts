import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkFat32Tree, isPncError, PncError, splitKeyPath } from '@pnc/shared';
import { formatBytes } from '../util/size.js';
import { mountedFileSystem } from './mounted-fs.js';

const MIB = 1024 * 1024;
/** Our in-progress copies: `.pnc-<hash prefix>.part`, a valid FAT32 long name, swept on the next run. */
const TEMP_NAME = /^\.pnc-[0-9a-f]{16}\.part$/;

export interface MountedFile {
  /** Key-relative path (`FOLDER/file.bin`). */
  path: string;
  size: number;
  sha256: string;
}

export interface MountedProgress {
  phase: 'checking' | 'writing' | 'verifying';
  bytesDone: number;
  bytesTotal: number;
  file: string;
  /** The file was already on the key with the right size and hash. */
  skipped: boolean;
}

export interface WriteMountedRequest {
  /** The key's mount point (`/media/tech/KEY`, `/Volumes/KEY`, `E:\`). */
  mountPath: string;
  files: MountedFile[];
  source: (file: MountedFile) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  signal?: AbortSignal;
  onProgress?: (p: MountedProgress) => void;
  /** Only for tests that use a plain folder standing for the key: skips the FAT32 mount check. */
  skipFileSystemCheck?: boolean;
}

export interface WriteMountedResult {
  written: string[];
  skipped: string[];
  bytesWritten: number;
  /** The file system the OS reported, null when it could not tell. */
  fileSystem: string | null;
}

/**
 * Copies files onto a key that is already FAT32 and mounted, with no admin rights: files already
 * there with the right size and hash are kept, the others are written under a temporary name in
 * their folder, fsynced and renamed into place (so an interrupted copy never leaves a file that
 * looks complete), then everything written is read back and hashed.
 */
export async function writeToMountedKey(req: WriteMountedRequest): Promise<WriteMountedResult> {
  checkFat32Tree(req.files);
  for (const f of req.files) {
    if (!/^[0-9a-f]{64}$/.test(f.sha256))
      throw new PncError('VALIDATION_FAILED', `"${f.path}": "${f.sha256}" is not a sha256.`, {
        path: f.path,
      });
  }
  const root = await keyRoot(req.mountPath);
  const fileSystem = req.skipFileSystemCheck ? null : await checkFat32Mount(root);
  const bytesTotal = req.files.reduce((n, f) => n + f.size, 0);
  let bytesDone = 0;
  const emit = (phase: MountedProgress['phase'], file: string, skipped: boolean) =>
    req.onProgress?.({ phase, bytesDone, bytesTotal, file, skipped });

  const toWrite: Array<MountedFile & { full: string; replaces: number }> = [];
  const skipped: string[] = [];
  for (const f of req.files) {
    if (req.signal?.aborted) throw cancelled();
    const full = join(root, ...splitKeyPath(f.path));
    const st = await stat(full).catch(() => null);
    if (st?.isDirectory()) {
      throw new PncError(
        'FAT32_NAME_COLLISION',
        `"${f.path}" is a folder on the key; remove it or use another key.`,
        { path: f.path },
      );
    }
    if (st && st.size === f.size && (await hashFile(full, req.signal)) === f.sha256) {
      skipped.push(f.path);
      bytesDone += f.size;
      emit('checking', f.path, true);
    } else {
      toWrite.push({ ...f, full, replaces: st?.size ?? 0 });
    }
  }

  await checkFreeSpace(root, toWrite);
  const dirs = new Set<string>();
  for (const f of toWrite) for (let d = dirname(f.full); d.length > root.length; d = dirname(d)) dirs.add(d);
  await sweepTemps([root, ...dirs]);

  let bytesWritten = 0;
  for (const f of toWrite) {
    await mkdir(dirname(f.full), { recursive: true });
    await copyIn(f, f.full, req, (n) => {
      bytesDone += n;
      bytesWritten += n;
      emit('writing', f.path, false);
    });
  }
  // The new names and folders are only durable once their folders are.
  for (const d of [...dirs, root].sort((a, b) => b.length - a.length)) await syncDir(d);

  let verified = 0;
  for (const f of toWrite) {
    if ((await hashFile(f.full, req.signal)) !== f.sha256) {
      throw new PncError(
        'VERIFY_FAILED',
        `"${f.path}" does not read back as written: the key may be faulty. Use another key.`,
        { path: f.path },
      );
    }
    verified += f.size;
    req.onProgress?.({
      phase: 'verifying',
      bytesDone: verified,
      bytesTotal: bytesWritten,
      file: f.path,
      skipped: false,
    });
  }
  return { written: toWrite.map((f) => f.path), skipped, bytesWritten, fileSystem };
}

async function keyRoot(mountPath: string): Promise<string> {
  try {
    const root = await realpath(mountPath);
    if ((await stat(root)).isDirectory()) return root;
  } catch {
    // Reported below.
  }
  throw new PncError(
    'DRIVE_REFUSED',
    `${mountPath} is not a mounted key's folder: plug the key in and choose it again.`,
    {
      reason: 'not-found',
      target: mountPath,
    },
  );
}

async function checkFat32Mount(root: string): Promise<string | null> {
  const fs = await mountedFileSystem(root);
  if (fs.mountPoint !== null && fs.mountPoint !== root && process.platform !== 'win32') {
    throw new PncError(
      'DRIVE_REFUSED',
      `${root} is a folder, not the key itself: choose the key's root (${fs.mountPoint}).`,
      {
        reason: 'not-a-device',
        target: root,
      },
    );
  }
  if (fs.isFat32 === false) {
    throw new PncError(
      'DRIVE_REFUSED',
      `The key at ${root} is formatted ${fs.type}, but cars read only FAT32 keys: erase it as FAT32 (raw mode) or use another key.`,
      { reason: 'not-fat32', target: root, fileSystem: fs.type },
    );
  }
  return fs.type;
}

/**
 * Space is allocated in whole clusters; each replaced file is freed only once its new copy is in
 * place, so what matters is the peak along the copy order (plus a cluster per new folder).
 */
async function checkFreeSpace(
  root: string,
  toWrite: ReadonlyArray<{ full: string; size: number; replaces: number }>,
): Promise<void> {
  const fs = await statfs(root);
  const cluster = fs.bsize;
  const clusters = (n: number) => Math.ceil(n / cluster) * cluster;
  const newDirs = new Set<string>();
  for (const f of toWrite) {
    for (let d = dirname(f.full); d.length > root.length; d = dirname(d)) {
      if (!(await stat(d).catch(() => null))) newDirs.add(d);
    }
  }
  let used = newDirs.size * cluster;
  let needed = used;
  for (const f of toWrite) {
    used += clusters(f.size);
    needed = Math.max(needed, used);
    used -= clusters(f.replaces);
  }
  const available = fs.bavail * fs.bsize;
  if (needed > available) {
    throw new PncError(
      'FAT32_VOLUME_TOO_SMALL',
      `The files need ${formatBytes(needed)} more on the key but only ${formatBytes(available)} is free: ${needed - available} bytes are missing. Free some space or use a bigger key.`,
      { neededBytes: needed, availableBytes: available, missingBytes: needed - available },
    );
  }
}

/** Removes what an interrupted earlier run left behind. */
async function sweepTemps(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) {
    const names = await readdir(d).catch(() => [] as string[]);
    for (const n of names) if (TEMP_NAME.test(n)) await rm(join(d, n), { force: true });
  }
}

async function copyIn(
  f: MountedFile,
  full: string,
  req: WriteMountedRequest,
  onBytes: (n: number) => void,
): Promise<void> {
  const temp = join(dirname(full), `.pnc-${f.sha256.slice(0, 16)}.part`);
  const fh = await open(temp, 'w').catch((e: unknown) => {
    throw writeFailed(f.path, e);
  });
  try {
    const hash = createHash('sha256');
    const block = Buffer.allocUnsafe(MIB);
    let fill = 0;
    let size = 0;
    const flush = async () => {
      for (let off = 0; off < fill;) off += (await fh.write(block, off, fill - off)).bytesWritten;
      onBytes(fill);
      fill = 0;
    };
    for await (const chunk of req.source(f)) {
      if (req.signal?.aborted) throw cancelled();
      size += chunk.length;
      if (size > f.size)
        throw new PncError(
          'LENGTH_MISMATCH',
          `"${f.path}" is longer than the ${f.size} bytes signed for it.`,
          { path: f.path },
        );
      hash.update(chunk);
      for (let off = 0; off < chunk.length;) {
        const n = Math.min(chunk.length - off, MIB - fill);
        block.set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === MIB) await flush();
      }
    }
    await flush();
    if (size !== f.size)
      throw new PncError('LENGTH_MISMATCH', `"${f.path}" has ${size} bytes, ${f.size} were signed.`, {
        path: f.path,
      });
    if (hash.digest('hex') !== f.sha256) {
      throw new PncError('HASH_MISMATCH', `"${f.path}" does not match its signed hash.`, { path: f.path });
    }
    await fh.sync();
    await fh.close();
    await rename(temp, full);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw writeFailed(f.path, e);
  }
}

function writeFailed(path: string, e: unknown): PncError {
  if (isPncError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === 'ENOSPC' ? 'the key is full' : err.code === 'EROFS' ? 'the key is read-only' : err.message;
  return new PncError(
    'WRITE_FAILED',
    `Copying "${path}" to the key failed (${why}). Check the key and run it again: finished files are kept.`,
    {
      path,
      cause: err.code ?? err.message,
    },
  );
}

function cancelled(): PncError {
  return new PncError(
    'WRITE_CANCELLED',
    'Copying to the key was cancelled; run it again to finish the key: finished files are kept.',
  );
}

async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MIB })) {
    if (signal?.aborted) throw cancelled();
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

async function syncDir(dir: string): Promise<void> {
  // Windows cannot open folders for fsync; its FAT driver commits directory entries on close.
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
