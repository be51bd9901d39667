import { fat32FoldCase, PncError } from '@pnc/shared';
import { ATTR_DIRECTORY, ATTR_LFN, ATTR_VOLUME_ID, DIR_ENTRY_BYTES } from './directory.js';
import { FAT_ENTRY_BYTES } from './fat-table.js';
import { MIB, SECTOR_BYTES } from './geometry.js';
import { shortNameChecksum } from './short-names.js';
import { openReadOnlyTarget, type BlockTarget } from './targets.js';

/**
 * A FAT32 reader that shares only on-disk constants and the LFN checksum with the writer: it
 * parses the MBR and BPB, follows cluster chains through the FAT (never assuming contiguity)
 * and resolves long names, so a key can be verified independently, or read when written by
 * something else (a head unit's fingerprint file).
 */

/** Absolute byte offsets of one FAT32 volume's regions. */
interface Volume {
  clusterBytes: number;
  fatOffset: number;
  dataOffset: number;
  clusterCount: number;
  rootCluster: number;
}

interface Entry {
  name: string;
  shortName: string;
  isDir: boolean;
  firstCluster: number;
  size: number;
}

/** File reads: large, so that direct reads (one device round trip each) keep up with the writer. */
const READ_BYTES = 4 * MIB;
/** Reads in flight ahead of the chunk the caller has. */
const READ_AHEAD = 2;
const FAT_CHUNK_BYTES = 64 * 1024;
const FAT_CACHE_CHUNKS = 64;
/** A directory holds at most 65,536 entries: a longer chain is corrupt (or a loop). */
const MAX_DIR_BYTES = 65_536 * DIR_ENTRY_BYTES;
const FAT_ENTRY_MASK = 0x0fffffff;
const FIRST_END_OF_CHAIN = 0x0ffffff8;
/** Where the 13 UTF-16 units of a long-name part sit inside an LFN entry. */
const LFN_UNIT_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

function corrupt(message: string, details?: Record<string, unknown>): PncError {
  return new PncError('VERIFY_FAILED', `The key's FAT32 file system is damaged: ${message}`, details);
}

/** The BPB of a FAT32 volume, or null when `boot` is not one. */
function parseBpb(boot: Buffer, offset: number): Volume | null {
  const bytesPerSector = boot.readUInt16LE(11);
  const sectorsPerCluster = boot[13] ?? 0;
  const reserved = boot.readUInt16LE(14);
  const fats = boot[16] ?? 0;
  const fatSectors = boot.readUInt32LE(36);
  const totalSectors = boot.readUInt32LE(32);
  const plausible =
    boot.readUInt16LE(510) === 0xaa55 &&
    (boot[0] === 0xeb || boot[0] === 0xe9) &&
    [512, 1024, 2048, 4096].includes(bytesPerSector) &&
    sectorsPerCluster > 0 &&
    (sectorsPerCluster & (sectorsPerCluster - 1)) === 0 &&
    reserved > 0 &&
    fats > 0 &&
    boot.readUInt16LE(17) === 0 && // no fixed root directory: FAT32
    boot.readUInt16LE(22) === 0 &&
    fatSectors > 0 &&
    totalSectors > 0;
  if (!plausible) return null;
  const fatOffset = offset + reserved * bytesPerSector;
  const dataSector = reserved + fats * fatSectors;
  return {
    clusterBytes: sectorsPerCluster * bytesPerSector,
    fatOffset,
    dataOffset: offset + dataSector * bytesPerSector,
    clusterCount: Math.min(
      Math.floor((totalSectors - dataSector) / sectorsPerCluster),
      (fatSectors * bytesPerSector) / FAT_ENTRY_BYTES - 2,
    ),
    rootCluster: boot.readUInt32LE(44),
  };
}

/** Short names are OEM code page bytes; ASCII is exact, anything else is shown as Latin-1. */
function decodeShortName(e: Buffer): string {
  const raw = Buffer.from(e.subarray(0, 11));
  if (raw[0] === 0x05) raw[0] = 0xe5; // 0xE5 as first byte is stored as 0x05 (0xE5 marks deleted)
  let base = raw.toString('latin1', 0, 8).trimEnd();
  let ext = raw.toString('latin1', 8, 11).trimEnd();
  // Windows NT stores all-lower-case 8.3 names as upper case plus these flags.
  const caseBits = e[12] ?? 0;
  if (caseBits & 0x08) base = base.toLowerCase();
  if (caseBits & 0x10) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

function parseDirectory(buf: Buffer): Entry[] {
  const entries: Entry[] = [];
  // Long-name parts collected from the LFN entries before a short entry, indexed by sequence − 1.
  let lfn: string[] = [];
  let lfnChecksum = -1;
  let expectedSeq = 0;
  for (let at = 0; at + DIR_ENTRY_BYTES <= buf.length; at += DIR_ENTRY_BYTES) {
    const e = buf.subarray(at, at + DIR_ENTRY_BYTES);
    const first = e[0] ?? 0;
    if (first === 0x00) break;
    const attr = e[11] ?? 0;
    if (first === 0xe5) {
      lfn = [];
      continue;
    }
    if ((attr & 0x3f) === ATTR_LFN) {
      const seq = first & 0x1f;
      if (first & 0x40) {
        lfn = [];
        lfnChecksum = e[13] ?? -1;
        expectedSeq = seq;
      }
      if (seq === 0 || seq !== expectedSeq || e[13] !== lfnChecksum) {
        lfn = []; // out of sequence: orphaned parts, ignored
        expectedSeq = 0;
        continue;
      }
      let part = '';
      for (const off of LFN_UNIT_OFFSETS) part += String.fromCharCode(e.readUInt16LE(off));
      lfn[seq - 1] = part;
      expectedSeq = seq - 1;
      continue;
    }
    const complete = lfn.length > 0 && expectedSeq === 0 && lfnChecksum === shortNameChecksum(e);
    const longName = complete ? lfn.join('').split('\u0000')[0] : undefined;
    lfn = [];
    expectedSeq = 0;
    if (attr & ATTR_VOLUME_ID) continue;
    const shortName = decodeShortName(e);
    if (shortName === '.' || shortName === '..') continue;
    entries.push({
      name: longName || shortName,
      shortName,
      isDir: (attr & ATTR_DIRECTORY) !== 0,
      firstCluster: (e.readUInt16LE(20) << 16) | e.readUInt16LE(26),
      size: e.readUInt32LE(28),
    });
  }
  return entries;
}

export class Fat32Reader {
  private readonly fatCache = new Map<number, Buffer>();
  private readonly dirCache = new Map<number, Entry[]>();
  /** READ_BYTES buffers of readFile calls that ended, for the next ones. */
  private readonly spareBuffers: Buffer[] = [];

  private constructor(
    private readonly target: BlockTarget,
    private readonly owned: boolean,
    private readonly vol: Volume,
  ) {}

  /** Opens the FAT32 volume in partition 1 of an MBR, or a superfloppy (no partition table). */
  static async open(target: BlockTarget | string): Promise<Fat32Reader> {
    const t = typeof target === 'string' ? await openReadOnlyTarget(target) : target;
    try {
      const sector0 = await readExactly(t, 0, SECTOR_BYTES);
      let vol = parseBpb(sector0, 0);
      if (!vol && sector0.readUInt16LE(510) === 0xaa55) {
        for (let i = 0; i < 4 && !vol; i++) {
          const entry = 446 + 16 * i;
          const lba = sector0.readUInt32LE(entry + 8);
          if (sector0[entry + 4] === 0 || lba === 0) continue;
          vol = parseBpb(await readExactly(t, lba * SECTOR_BYTES, SECTOR_BYTES), lba * SECTOR_BYTES);
        }
      }
      if (!vol) {
        throw new PncError(
          'VERIFY_FAILED',
          'No FAT32 volume on the key (neither in a partition nor on the whole key).',
        );
      }
      return new Fat32Reader(t, typeof target === 'string', vol);
    } catch (e) {
      if (typeof target === 'string') await t.close();
      throw e;
    }
  }

  /** Closes the file or device when the reader opened it from a path. */
  async close(): Promise<void> {
    if (this.owned) await this.target.close();
  }

  /** Every file and folder, depth first, with '/'-separated key-relative paths. */
  async list(): Promise<Array<{ path: string; size: number; isDir: boolean }>> {
    const out: Array<{ path: string; size: number; isDir: boolean }> = [];
    const seen = new Set<number>();
    const walk = async (cluster: number, prefix: string) => {
      if (seen.has(cluster)) throw corrupt(`the folder "${prefix}" is linked twice (a loop).`, { cluster });
      seen.add(cluster);
      for (const e of await this.directory(cluster, prefix || '/')) {
        const path = prefix + e.name;
        out.push({ path, size: e.isDir ? 0 : e.size, isDir: e.isDir });
        if (e.isDir) await walk(e.firstCluster, `${path}/`);
      }
    };
    await walk(this.vol.rootCluster, '');
    return out;
  }

  /**
   * A file's bytes; names match ignoring case, by long or short name, as FAT32 does. With
   * `transient`, each chunk is only valid until the next one is asked for (its buffer is reused):
   * for callers that consume it at once, such as a hash, and spares a copy per chunk.
   */
  async *readFile(path: string, opts: { transient?: boolean } = {}): AsyncIterable<Buffer> {
    const entry = await this.resolve(path);
    let left = entry.size;
    const clusters = Math.ceil(entry.size / this.vol.clusterBytes);
    // Reads are whole sectors of the target's alignment (the last one rounded up, still inside
    // the file's last cluster, as runs end on cluster boundaries) into aligned buffers, so that
    // a target with direct I/O reads them straight from the device without a copy.
    const align = this.target.direct?.alignment ?? 1;
    // READ_AHEAD reads in flight while the caller has the chunk before them (hashing it): one
    // buffer more than that, reused in turn.
    const ring = Array.from({ length: READ_AHEAD + 1 }, () => this.takeBuffer());
    let turn = 0;
    const inFlight: Array<Promise<Buffer>> = [];
    try {
      for await (const run of this.runs(entry.firstCluster, clusters, true, path)) {
        for (let pos = run.offset, end = run.offset + run.bytes; pos < end && left > 0;) {
          const n = Math.min(READ_BYTES, end - pos, left);
          const span = Math.min(end - pos, Math.ceil(n / align) * align);
          // The buffer of the chunk the caller gave back by asking for the next one.
          const buf = ring[turn++ % ring.length]!;
          const read = readInto(this.target, buf.subarray(0, span), pos).then(() => buf.subarray(0, n));
          // Observed when awaited; handled now so a failure while the caller stops early stays quiet.
          read.catch(() => undefined);
          inFlight.push(read);
          pos += n;
          left -= n;
          if (inFlight.length > READ_AHEAD) {
            const chunk = await inFlight.shift()!;
            yield opts.transient ? chunk : Buffer.from(chunk);
          }
        }
      }
      while (inFlight.length > 0) {
        const chunk = await inFlight.shift()!;
        yield opts.transient ? chunk : Buffer.from(chunk);
      }
    } finally {
      // The buffers go back to the pool only once no read is still filling them.
      await Promise.allSettled(inFlight);
      this.spareBuffers.push(...ring);
    }
  }

  private takeBuffer(): Buffer {
    return (
      this.spareBuffers.pop() ?? this.target.direct?.allocate(READ_BYTES) ?? Buffer.allocUnsafe(READ_BYTES)
    );
  }

  private async resolve(path: string): Promise<Entry> {
    const notFound = () => new PncError('NOT_FOUND', `"${path}" is not on the key.`, { path });
    let dir: Entry | undefined;
    const parts = path.split('/');
    for (const [i, part] of parts.entries()) {
      const key = fat32FoldCase(part);
      const entries = await this.directory(
        dir ? dir.firstCluster : this.vol.rootCluster,
        parts.slice(0, i).join('/') || '/',
      );
      const found = entries.find((e) => fat32FoldCase(e.name) === key || fat32FoldCase(e.shortName) === key);
      const mustBeFolder = i < parts.length - 1;
      if (!found || found.isDir !== mustBeFolder) throw notFound();
      dir = found;
    }
    return dir as Entry;
  }

  private async directory(cluster: number, path: string): Promise<Entry[]> {
    const cached = this.dirCache.get(cluster);
    if (cached) return cached;
    const parts: Buffer[] = [];
    for await (const run of this.runs(
      cluster,
      Math.ceil(MAX_DIR_BYTES / this.vol.clusterBytes),
      false,
      path,
    )) {
      parts.push(await readExactly(this.target, run.offset, run.bytes));
    }
    const entries = parseDirectory(Buffer.concat(parts));
    this.dirCache.set(cluster, entries);
    return entries;
  }

  /**
   * Follows a cluster chain, merging consecutive clusters into runs of at most READ_BYTES.
   * The chain must hold exactly `clusters` clusters (a file's), or at most that many (a folder's).
   */
  private async *runs(
    first: number,
    clusters: number,
    exact: boolean,
    what: string,
  ): AsyncIterable<{ offset: number; bytes: number }> {
    if (clusters === 0 && exact) return;
    const { clusterBytes, dataOffset } = this.vol;
    const perRun = Math.max(1, READ_BYTES / clusterBytes);
    let runStart = first;
    let runLength = 0;
    let cluster = first;
    for (let n = 1; ; n++) {
      this.checkCluster(cluster, what);
      runLength++;
      const next = await this.fatEntry(cluster);
      const atEnd = next >= FIRST_END_OF_CHAIN;
      if (exact && atEnd !== (n === clusters)) {
        const length = atEnd ? `${n}` : `more than ${clusters}`;
        throw corrupt(`"${what}" has a chain of ${length} clusters where its size needs ${clusters}.`, {
          path: what,
        });
      }
      if (n > clusters) throw corrupt(`the folder "${what}" has an endless cluster chain.`, { path: what });
      if (atEnd || next !== cluster + 1 || runLength === perRun) {
        yield { offset: dataOffset + (runStart - 2) * clusterBytes, bytes: runLength * clusterBytes };
        if (atEnd) return;
        runStart = next;
        runLength = 0;
      }
      cluster = next;
    }
  }

  private checkCluster(cluster: number, what: string): void {
    if (cluster < 2 || cluster >= this.vol.clusterCount + 2) {
      throw corrupt(`"${what}" points to cluster ${cluster}, outside the volume.`, { cluster });
    }
  }

  private async fatEntry(cluster: number): Promise<number> {
    const byteOffset = cluster * FAT_ENTRY_BYTES;
    const chunkIndex = Math.floor(byteOffset / FAT_CHUNK_BYTES);
    let chunk = this.fatCache.get(chunkIndex);
    if (!chunk) {
      chunk = await readExactly(
        this.target,
        this.vol.fatOffset + chunkIndex * FAT_CHUNK_BYTES,
        FAT_CHUNK_BYTES,
      );
      if (this.fatCache.size >= FAT_CACHE_CHUNKS) {
        this.fatCache.delete(this.fatCache.keys().next().value as number);
      }
      this.fatCache.set(chunkIndex, chunk);
    }
    return chunk.readUInt32LE(byteOffset - chunkIndex * FAT_CHUNK_BYTES) & FAT_ENTRY_MASK;
  }
}

async function readExactly(target: BlockTarget, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  await readInto(target, buf, position);
  return buf;
}

async function readInto(target: BlockTarget, buf: Buffer, position: number): Promise<void> {
  const n = await target.read(buf, position);
  if (n !== buf.length) {
    throw corrupt(`it ends at byte ${position + n}, inside its own structures.`, { position });
  }
}
