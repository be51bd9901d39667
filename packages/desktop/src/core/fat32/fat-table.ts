import { MEDIA_FIXED } from './boot-records.js';

export const FAT_ENTRY_BYTES = 4;
export const END_OF_CHAIN = 0x0fffffff;

/**
 * The allocation table of a freshly planned volume: clusters 2 … nextFree−1 are used by
 * contiguous chains laid end to end, everything after is free (zero). Entries are produced
 * in slices so even a 2 TiB volume's 256 MiB FAT never sits in memory at once.
 */
export class FatTable {
  /**
   * @param chainEnds last cluster of every chain, ascending
   * @param nextFree first cluster after the allocated ones
   */
  constructor(
    private readonly chainEnds: readonly number[],
    readonly nextFree: number,
  ) {}

  /** Bytes at the start of each FAT copy holding non-zero entries (the two reserved ones included). */
  get usedBytes(): number {
    return this.nextFree * FAT_ENTRY_BYTES;
  }

  /** Entries [first, first + count), all below nextFree. */
  encode(first: number, count: number): Buffer {
    const buf = Buffer.alloc(count * FAT_ENTRY_BYTES);
    for (let i = 0; i < count; i++) {
      const c = first + i;
      // Entry 0 holds the media byte, entry 1 end-of-chain with the "clean" bits set.
      const value = c === 0 ? 0x0fffff00 | MEDIA_FIXED : c === 1 ? END_OF_CHAIN : c + 1;
      buf.writeUInt32LE(value, i * FAT_ENTRY_BYTES);
    }
    for (let k = this.firstEndAtOrAfter(first); k < this.chainEnds.length; k++) {
      const end = this.chainEnds[k] as number;
      if (end >= first + count) break;
      buf.writeUInt32LE(END_OF_CHAIN, (end - first) * FAT_ENTRY_BYTES);
    }
    return buf;
  }

  private firstEndAtOrAfter(cluster: number): number {
    let lo = 0;
    let hi = this.chainEnds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.chainEnds[mid] as number) < cluster) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
