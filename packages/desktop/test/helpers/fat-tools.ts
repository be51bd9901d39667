// Helpers for FAT32 tests: deterministic file contents, and the independent tools that judge
// the images (fsck.fat from dosfstools, mtools, losetup).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  Fat32Reader,
  openImageTarget,
  planFat32Volume,
  writeFat32Volume,
  type Fat32FileSpec,
  type Fat32Plan,
} from '../../src/core/fat32/index.js';

export const PARTITION_OFFSET = 1024 * 1024;
export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

const toolEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion, collecting its output. */
export function run(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: toolEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

async function runOk(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pnc-fat32-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Attaches `file` to a free loop device (optionally a window of it) for the duration of `fn`. */
export async function withLoopDevice<T>(
  file: string,
  window: { offset: number; sizeLimit: number } | null,
  fn: (device: string) => Promise<T>,
): Promise<T> {
  const args = window ? ['--offset', String(window.offset), '--sizelimit', String(window.sizeLimit)] : [];
  let device = '';
  // Parallel test workers can race for the same free device: retry.
  for (let attempt = 0; !device; attempt++) {
    const r = await run('losetup', ['--find', '--show', ...args, file]);
    if (r.code === 0) device = r.stdout.trim();
    else if (attempt >= 5) throw new Error(`losetup failed: ${r.stderr}`);
    else await new Promise((res) => setTimeout(res, 200));
  }
  try {
    return await fn(device);
  } finally {
    await runOk('losetup', ['-d', device]);
  }
}

/** fsck.fat -n -v on the partition of an image (through a loop device windowed on it). */
export function fsckPartition(image: string, partitionBytes: number): Promise<RunResult> {
  return withLoopDevice(image, { offset: PARTITION_OFFSET, sizeLimit: partitionBytes }, (dev) =>
    run('fsck.fat', ['-n', '-v', dev]),
  );
}

/** fsck.fat -v's informational lines; anything else it prints is a finding, even with exit code 0. */
const FSCK_INFO = [
  /^fsck\.fat \d/,
  /^Checking (we can access the last sector|for unused clusters|free cluster summary)/,
  /^Boot sector contents:$/,
  /^System ID "/,
  /^Media byte 0xf8/,
  /^\s*\d+ (bytes per logical sector|bytes per cluster|reserved sectors|hidden sectors|sectors total)$/,
  /^First FAT starts at byte \d+/,
  /^\s*2 FATs, 32 bit entries$/,
  /^\s*\d+ bytes per FAT \(= \d+ sectors\)$/,
  /^Root directory start at cluster 2/,
  /^Data area starts at byte \d+/,
  /^\s*\d+ data clusters/,
  /^\d+ sectors\/track, \d+ heads$/,
  /^\/dev\/loop\d+: \d+ files, \d+\/\d+ clusters$/,
];

/** Lines of fsck.fat output that are not plain information (warnings such as a backup boot sector mismatch). */
export function fsckFindings(output: string): string[] {
  return output.split('\n').filter((l) => l.trim() !== '' && !FSCK_INFO.some((re) => re.test(l)));
}

const mtoolsImage = (image: string) => `${image}@@${PARTITION_OFFSET}`;

/** `mdir -/ -b`: every path on the volume, folders ending in '/', without the '::/' prefix. */
export async function mdirPaths(image: string): Promise<string[]> {
  const out = await runOk('mdir', ['-/', '-b', '-i', mtoolsImage(image), '::']);
  return out
    .split('\n')
    .filter((l) => l.startsWith('::/'))
    .map((l) => l.slice(3));
}

/** `mdir -/` in its long form, which shows each entry's 8.3 alias next to its long name. */
export function mdirListing(image: string): Promise<string> {
  return runOk('mdir', ['-/', '-a', '-i', mtoolsImage(image), '::']);
}

/** Copies the whole volume out with `mcopy -s` into `dest`. */
export async function mcopyAll(image: string, dest: string): Promise<void> {
  await runOk('mcopy', ['-s', '-n', '-i', mtoolsImage(image), '::/*', dest]);
}

/**
 * sha256 of one file as `mcopy … -` streams it out. Hashed by sha256sum in the same pipeline:
 * mcopy writes cluster-sized pieces, which cost far more to hand to Node one by one.
 */
export async function mcopyHash(image: string, path: string): Promise<string> {
  const script = 'set -o pipefail; mcopy -i "$1" "$2" - | sha256sum';
  const r = await run('bash', ['-c', script, 'mcopy-hash', mtoolsImage(image), `::/${path}`]);
  if (r.code !== 0) throw new Error(`mcopy ${path} failed: ${r.stderr}`);
  return r.stdout.slice(0, 64);
}

/** Every regular file under `dir`, as '/'-separated relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

export function readLocal(dir: string, path: string): Promise<Buffer> {
  return readFile(join(dir, path));
}

/** A 32-bit seed from a string, so every file gets its own deterministic content. */
function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

/** Deterministic pseudo-random bytes (xorshift32) for a file path. */
export function contentOf(path: string, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seedOf(path);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  for (; i < size; i++) buf[i] = (x >>> (8 * (i % 4))) & 0xff;
  return buf;
}

/** Yields `data` in uneven chunks so that chunk, cluster and block boundaries never line up. */
export async function* unevenChunks(data: Buffer): AsyncGenerator<Buffer> {
  const sizes = [1, 511, 4097, 65_537, 1_048_583];
  for (let off = 0, k = 0; off < data.length; k++) {
    const n = Math.min(sizes[k % sizes.length] as number, data.length - off);
    yield data.subarray(off, off + n);
    off += n;
    await Promise.resolve();
  }
}

/** A cheap generator for huge files: a 1 MiB + 7 pseudo-random pattern repeated up to `size`. */
export function patternChunks(size: number): { chunks: () => AsyncGenerator<Buffer>; sha256: () => string } {
  const pattern = contentOf('pattern', MIB + 7);
  function* slices(): Generator<Buffer> {
    for (let off = 0; off < size;) {
      const n = Math.min(pattern.length, size - off);
      yield pattern.subarray(0, n);
      off += n;
    }
  }
  return {
    chunks: async function* () {
      yield* slices();
    },
    sha256: () => {
      const h = createHash('sha256');
      for (const s of slices()) h.update(s);
      return h.digest('hex');
    },
  };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A tree that stresses the format: colliding 8.3 aliases, 255-character and Unicode names,
 * spaces and dots, lower case, 12 levels of folders, empty files, sizes off cluster
 * boundaries, files spanning several write blocks, a folder of `manyFiles` files and a root
 * folder over several clusters.
 */
export function stressTree(manyFiles: number): Fat32FileSpec[] {
  const files: Fat32FileSpec[] = [];
  const add = (path: string, size: number) => files.push({ path, size });
  for (let i = 1; i <= 12; i++) add(`Long File Name ${i}.txt`, 100 * i + 3);
  add('LONGFI~1.TXT', 17); // the alias Windows would give "Long File Name 1.txt", taken by a real file
  add(`${'x'.repeat(251)}.bin`, 5000);
  add(`Über Größe/${'Nested long name '.repeat(15).slice(0, 250)}.data`, 4097);
  add('Café crème.txt', 1234);
  add('日本/地図データ 2024.dat', 40_000);
  add('maps/Europe West.map', 5 * MIB + 123);
  add('my file.tar.gz', 33 * 1024 + 5);
  add('version 1.2.3 notes.md', 77);
  add('.hidden', 3);
  add('a+b=c [1];x,y.txt', 9);
  add('readme.txt', 11);
  add('lower', 12);
  add('MixedCase.Txt', 13);
  add('DATA.BIN', 4096);
  add('UPDATE', 32 * 1024);
  add('empty.txt', 0);
  const deep = Array.from({ length: 12 }, (_, i) => `level ${i + 1}`).join('/');
  add(`${deep}/deep file.txt`, 4095);
  add(`${deep}/empty`, 0);
  add('maps/one MiB plus one.bin', MIB + 1);
  for (let i = 0; i < manyFiles; i++) add(`many/file ${String(i).padStart(4, '0')}.dat`, (i * 37) % 3000);
  // Enough entries in the root for its directory to span several clusters too.
  for (let i = 0; i < 150; i++) add(`root file ${i}.bin`, i);
  return files;
}

const FIXED_TIME = new Date(2024, 4, 17, 10, 30, 42);

/** Plans and writes `files` (content from contentOf, delivered unevenly) onto a fresh sparse image. */
export async function writeImage(
  image: string,
  volumeBytes: number,
  files: Fat32FileSpec[],
): Promise<Fat32Plan> {
  const plan = planFat32Volume({ volumeBytes, files, now: FIXED_TIME });
  const target = await openImageTarget(image, volumeBytes);
  try {
    await writeFat32Volume(plan, target, (f) => unevenChunks(contentOf(f.path, f.size)));
  } finally {
    await target.close();
  }
  return plan;
}

/** Every folder holding the files, as 'a', 'a/b', … */
export function foldersOf(files: readonly Fat32FileSpec[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs];
}

/**
 * The whole judgement of a written volume: fsck.fat finds nothing, mdir lists every long
 * name, and every file reads back byte-identical both through mcopy and through Fat32Reader.
 */
export async function verifyVolume(
  image: string,
  plan: Fat32Plan,
  files: readonly Fat32FileSpec[],
): Promise<void> {
  const fsck = await fsckPartition(image, plan.partitionBytes);
  expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  expect(fsckFindings(fsck.stdout + fsck.stderr)).toEqual([]);
  // fsck counts every file and folder, the root included.
  expect(fsck.stdout).toContain(`${files.length + foldersOf(files).length + 1} files`);

  const folders = foldersOf(files);
  const listed = await mdirPaths(image);
  expect([...listed].sort()).toEqual([...files.map((f) => f.path), ...folders.map((d) => `${d}/`)].sort());

  const expected = new Map(files.map((f) => [f.path, sha256(contentOf(f.path, f.size))]));
  await withTempDir(async (dir) => {
    await mcopyAll(image, dir);
    expect((await listFiles(dir)).sort()).toEqual([...expected.keys()].sort());
    for (const [path, hash] of expected) expect(sha256(await readLocal(dir, path)), path).toBe(hash);
  });

  const reader = await Fat32Reader.open(image);
  try {
    const entries = await reader.list();
    expect(
      entries
        .filter((e) => e.isDir)
        .map((e) => e.path)
        .sort(),
    ).toEqual(folders.sort());
    expect(
      entries
        .filter((e) => !e.isDir)
        .map((e) => `${e.path}:${e.size}`)
        .sort(),
    ).toEqual(files.map((f) => `${f.path}:${f.size}`).sort());
    for (const [path, hash] of expected) {
      const h = createHash('sha256');
      for await (const chunk of reader.readFile(path)) h.update(chunk);
      expect(h.digest('hex'), path).toBe(hash);
    }
  } finally {
    await reader.close();
  }
}
