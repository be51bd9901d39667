import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDirLayout } from '../config/data-dir.js';
import { blobPath } from './blob-store.js';

/**
 * Fsyncs at once, at most: the downloads' writes share libuv's four threads with these, and one
 * or two fsyncs already keep the disk busy.
 */
const CONCURRENT_FSYNCS = 2;

/** fsync then rename: a file in the store always has its bytes on disk. Returns the folder. */
async function syncAndRename(dataDir: string, sha256: string, verifiedFile: string): Promise<string> {
  const fh = await open(verifiedFile, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  const dir = join(dataDirLayout(dataDir).store, sha256.slice(0, 2));
  await mkdir(dir, { recursive: true });
  await rename(verifiedFile, blobPath(dataDir, sha256));
  return dir;
}

export async function fsyncDirAsync(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Moves a verified (hashed) file into the store durably now: fsync, rename, fsync of the folder. */
export async function commitBlobDurably(dataDir: string, sha256: string, verifiedFile: string): Promise<void> {
  await fsyncDirAsync(await syncAndRename(dataDir, sha256, verifiedFile));
}

/**
 * Verified blobs made durable in the background while the next downloads run: each file is
 * fsynced then renamed into the store (so a blob in the store always has its bytes on disk), and
 * the store folders are fsynced once each in `settle()`, which the publication awaits. A crash
 * before that loses at most renames: those blobs are found again as complete partial files,
 * re-hashed and committed by the next run.
 */
export class BlobCommits {
  private readonly queue: Array<() => Promise<void>> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly dirs = new Set<string>();
  private idleWaiters: Array<() => void> = [];
  /** The first failure (a full disk, an I/O error); later commits are not started. */
  failure: unknown = null;

  constructor(private readonly dataDir: string) {}

  add(sha256: string, verifiedFile: string): void {
    if (this.failure !== null) return;
    this.queue.push(async () => {
      this.dirs.add(await syncAndRename(this.dataDir, sha256, verifiedFile));
    });
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < CONCURRENT_FSYNCS && this.queue.length && this.failure === null) {
      const p: Promise<void> = this.queue
        .shift()!()
        .catch((e: unknown) => {
          this.failure ??= e;
        })
        .finally(() => {
          this.inFlight.delete(p);
          this.pump();
        });
      this.inFlight.add(p);
    }
    if (this.inFlight.size === 0 && (this.queue.length === 0 || this.failure !== null)) {
      this.queue.length = 0;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves once nothing is running or queued; never throws. */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Every blob added is in the store and every rename is on disk; throws the first failure. */
  async settle(): Promise<void> {
    await this.idle();
    if (this.failure !== null) throw this.failure;
    for (const dir of this.dirs) await fsyncDirAsync(dir);
    this.dirs.clear();
  }
}
