import { isPncError, PncError } from '@pnc/shared';
import { BlockWriter, writeCancelled, writeFailed } from './block-writer.js';
import { encodeMbr, encodeReservedRegion } from './boot-records.js';
import { encodeDirectory } from './directory.js';
import { FAT_ENTRY_BYTES } from './fat-table.js';
import { MIB, SECTOR_BYTES } from './geometry.js';
import { layoutOf, type Fat32Layout, type Fat32Plan, type PlannedFile } from './plan.js';
import type { BlockTarget } from './targets.js';

/** The bytes of one planned file, pulled when the writer reaches it. */
export type FileSource = (
  file: PlannedFile,
) => AsyncIterable<Uint8Array> | Iterable<Uint8Array> | NodeJS.ReadableStream;

export interface WriteProgress {
  /** Metadata first, then file bytes; equals totalBytes once the key is synced. */
  bytesWritten: number;
  totalBytes: number;
  /** The file being written, once the metadata is down. */
  file?: string;
}

export interface WriteOptions {
  signal?: AbortSignal;
  /** Called at most ~10 times a second, and once at the end. */
  onProgress?: (p: WriteProgress) => void;
  /** Size of the aligned writes, a multiple of 512; default 4 MiB. */
  blockBytes?: number;
  /**
   * After each write lands: every byte below `position` has been handed to the target (not yet
   * synced). Files are laid down in plan order, so a file whose end is below it is all written.
   */
  onLanded?: (position: number) => void;
}

const DEFAULT_BLOCK_BYTES = 4 * MIB;
const PROGRESS_INTERVAL_MS = 100;
const FSINFO_UNKNOWN = 0xffffffff;

class Progress {
  bytes = 0;
  file: string | undefined;
  private last = -Infinity;

  constructor(
    private readonly onProgress: WriteOptions['onProgress'],
    private readonly total: number,
  ) {}

  add(n: number): void {
    this.bytes += n;
    const now = performance.now();
    if (this.onProgress && now - this.last >= PROGRESS_INTERVAL_MS) {
      this.last = now;
      this.emit();
    }
  }

  emit(): void {
    this.onProgress?.({
      bytesWritten: this.bytes,
      totalBytes: this.total,
      ...(this.file === undefined ? {} : { file: this.file }),
    });
  }
}

/**
 * Writes a planned volume in one sequential pass: MBR, reserved region, both FATs and the
 * directories (all known from the plan), then each file's bytes as `source` delivers them —
 * a file is pulled only once the previous one is written — and finally fsyncs the target.
 */
export async function writeFat32Volume(
  plan: Fat32Plan,
  target: BlockTarget,
  source: FileSource,
  opts: WriteOptions = {},
): Promise<void> {
  const layout = layoutOf(plan);
  const blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
  if (!Number.isSafeInteger(blockBytes) || blockBytes <= 0 || blockBytes % SECTOR_BYTES !== 0) {
    throw new PncError(
      'VALIDATION_FAILED',
      `blockBytes must be a positive multiple of ${SECTOR_BYTES}, not ${blockBytes}.`,
    );
  }
  if (target.size < plan.volumeBytes) {
    throw new PncError(
      'WRITE_FAILED',
      `The key holds ${target.size} bytes but the volume was planned for ${plan.volumeBytes}.`,
      {
        size: target.size,
        volumeBytes: plan.volumeBytes,
      },
    );
  }
  if (opts.signal?.aborted) throw writeCancelled();
  const writer = new BlockWriter(target, blockBytes, opts.signal, opts.onLanded);
  const progress = new Progress(opts.onProgress, plan.metadataBytes + plan.dataBytes);
  try {
    await writeMetadata(plan, layout, writer, progress, blockBytes);
    for (const file of plan.files) {
      progress.file = file.path;
      await writeFile(file, source, writer, progress, opts.signal);
      await writer.zeros(file.clusterCount * plan.clusterBytes - file.size);
    }
    await writer.finish();
  } catch (e) {
    await writer.settle();
    throw e;
  }
  try {
    await target.sync();
  } catch (e) {
    throw writeFailed(e, null);
  }
  progress.emit();
}

async function writeMetadata(
  plan: Fat32Plan,
  layout: Fat32Layout,
  writer: BlockWriter,
  progress: Progress,
  blockBytes: number,
) {
  const { geometry, fat } = layout;
  const put = async (buf: Buffer) => {
    await writer.put(buf);
    progress.add(buf.length);
  };
  // Zeros go in block-sized steps so progress moves during a large FAT on a device.
  const zeros = async (count: number) => {
    for (let left = count; left > 0; left -= blockBytes) {
      await writer.zeros(Math.min(left, blockBytes));
      progress.add(Math.min(left, blockBytes));
    }
  };
  // The whole first MiB is rewritten: stale partition tables (a GPT header at LBA 1) must not survive.
  await put(encodeMbr(geometry, layout.volumeId));
  await zeros(plan.partitionOffset - SECTOR_BYTES);
  const nextFree = plan.freeClusters > 0 ? fat.nextFree : FSINFO_UNKNOWN;
  await put(
    encodeReservedRegion(geometry, {
      volumeId: layout.volumeId,
      label: layout.label,
      freeClusters: plan.freeClusters,
      nextFree,
    }),
  );
  const sliceEntries = blockBytes / FAT_ENTRY_BYTES;
  for (let copy = 0; copy < 2; copy++) {
    for (let first = 0; first < fat.nextFree; first += sliceEntries) {
      await put(fat.encode(first, Math.min(sliceEntries, fat.nextFree - first)));
    }
    await zeros(geometry.fatSectors * SECTOR_BYTES - fat.usedBytes);
  }
  for (const d of layout.directories) {
    await put(encodeDirectory(d.entries, d.clusterCount * plan.clusterBytes));
  }
}

type ChunkIterator = AsyncIterator<unknown> | Iterator<unknown>;

function iteratorOf(src: ReturnType<FileSource>): ChunkIterator {
  return Symbol.asyncIterator in src
    ? src[Symbol.asyncIterator]()
    : (src as Iterable<Uint8Array>)[Symbol.iterator]();
}

/** The next chunk, or WRITE_CANCELLED as soon as the signal fires even while the source stalls. */
function nextChunk(it: ChunkIterator, signal: AbortSignal | undefined): Promise<IteratorResult<unknown>> {
  if (signal?.aborted) return Promise.reject(writeCancelled());
  const next = Promise.resolve().then(() => it.next());
  if (!signal) return next;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(writeCancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    next.then(
      (r) => {
        done();
        resolve(r);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}

function wrongSize(file: PlannedFile, received: number, more: boolean): PncError {
  return new PncError(
    'WRITE_FAILED',
    more
      ? `"${file.path}" delivered more than its ${file.size} bytes; the key was not finished.`
      : `"${file.path}" delivered ${received} of its ${file.size} bytes; the key was not finished.`,
    { path: file.path, expected: file.size, received },
  );
}

async function writeFile(
  file: PlannedFile,
  source: FileSource,
  writer: BlockWriter,
  progress: Progress,
  signal: AbortSignal | undefined,
) {
  let received = 0;
  let it: ChunkIterator | undefined;
  try {
    it = iteratorOf(source(file));
    for (;;) {
      const r = await nextChunk(it, signal);
      if (r.done) break;
      if (!(r.value instanceof Uint8Array)) {
        throw new PncError(
          'WRITE_FAILED',
          `"${file.path}": the source delivered ${typeof r.value}, not bytes.`,
          { path: file.path },
        );
      }
      if (received + r.value.length > file.size) throw wrongSize(file, received + r.value.length, true);
      await writer.put(r.value);
      received += r.value.length;
      progress.add(r.value.length);
    }
  } catch (e) {
    // Release the source (closes a stream or a download) without waiting on it.
    Promise.resolve()
      .then(() => it?.return?.())
      .catch(() => undefined);
    if (isPncError(e)) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new PncError('WRITE_FAILED', `Reading "${file.path}" for the key failed: ${message}`, {
      path: file.path,
    });
  }
  if (received < file.size) throw wrongSize(file, received, false);
}

/**
 * Rewrites one file of a written key with content of the same size (the key manifest going
 * from "writing" to "complete"); its clusters are known from the plan, so no FAT change.
 */
export async function rewriteFileInPlace(
  plan: Fat32Plan,
  target: BlockTarget,
  path: string,
  content: Buffer,
): Promise<void> {
  const file = plan.files.find((f) => f.path === path);
  if (!file) {
    throw new PncError('WRITE_FAILED', `"${path}" is not one of the files planned on this key.`, { path });
  }
  if (content.length !== file.size) {
    throw new PncError(
      'WRITE_FAILED',
      `"${path}" takes ${file.size} bytes on the key; the new content has ${content.length}. Only same-size rewrites are possible.`,
      { path, expected: file.size, received: content.length },
    );
  }
  if (file.size === 0) return;
  try {
    await target.write(content, file.offset);
    await target.sync();
  } catch (e) {
    throw writeFailed(e, file.offset);
  }
}
