import { shortNameChecksum } from './short-names.js';

/** Directory entries are 32 bytes; long names spread 13 UTF-16 units over each LFN entry. */
export const DIR_ENTRY_BYTES = 32;
const LFN_UNITS_PER_ENTRY = 13;
/** Byte offset of name unit k (0–12) inside an LFN entry: 5, 6 and 2 units around the other fields. */
const lfnUnitOffset = (k: number) => (k < 5 ? 1 + 2 * k : k < 11 ? 14 + 2 * (k - 5) : 28 + 2 * (k - 11));

export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_LFN = 0x0f;
const LFN_LAST = 0x40;

export interface DirEntrySpec {
  /** 11-byte short name (ASCII), space-padded. */
  shortName: string;
  /** The long name, or null when the short entry stores the name exactly. */
  longName: string | null;
  attr: number;
  firstCluster: number;
  size: number;
  time: Date;
}

/** How many 32-byte slots an entry takes: one short entry plus its LFN entries. */
export function entrySlots(longName: string | null): number {
  return 1 + (longName === null ? 0 : Math.ceil(longName.length / LFN_UNITS_PER_ENTRY));
}

/**
 * FAT timestamps are local time (as Windows writes them), two-second resolution, years
 * 1980–2107; dates outside that range are clamped to it.
 */
function fatTimestamp(t: Date): { date: number; time: number; tenths: number } {
  const year = t.getFullYear();
  if (year < 1980) return { date: (1 << 5) | 1, time: 0, tenths: 0 };
  if (year > 2107) {
    return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29, tenths: 199 };
  }
  return {
    date: ((year - 1980) << 9) | ((t.getMonth() + 1) << 5) | t.getDate(),
    time: (t.getHours() << 11) | (t.getMinutes() << 5) | (t.getSeconds() >> 1),
    tenths: (t.getSeconds() % 2) * 100 + Math.floor(t.getMilliseconds() / 10),
  };
}

function writeShortEntry(buf: Buffer, at: number, e: DirEntrySpec): void {
  buf.write(e.shortName, at, 11, 'latin1');
  buf[at + 11] = e.attr;
  const ts = fatTimestamp(e.time);
  buf[at + 13] = ts.tenths;
  buf.writeUInt16LE(ts.time, at + 14); // created
  buf.writeUInt16LE(ts.date, at + 16);
  buf.writeUInt16LE(ts.date, at + 18); // last access (date only)
  buf.writeUInt16LE(e.firstCluster >>> 16, at + 20);
  buf.writeUInt16LE(ts.time, at + 22); // modified
  buf.writeUInt16LE(ts.date, at + 24);
  buf.writeUInt16LE(e.firstCluster & 0xffff, at + 26);
  buf.writeUInt32LE(e.size, at + 28);
}

/** LFN entries go before the short entry, last part first, each tagged with the alias checksum. */
function writeLfnEntries(buf: Buffer, at: number, longName: string, checksum: number): number {
  const count = Math.ceil(longName.length / LFN_UNITS_PER_ENTRY);
  for (let seq = count; seq >= 1; seq--) {
    buf[at] = seq | (seq === count ? LFN_LAST : 0);
    buf[at + 11] = ATTR_LFN;
    buf[at + 13] = checksum;
    for (let k = 0; k < LFN_UNITS_PER_ENTRY; k++) {
      const i = (seq - 1) * LFN_UNITS_PER_ENTRY + k;
      // After the name: one 0x0000 terminator, then 0xFFFF padding.
      const unit = i < longName.length ? longName.charCodeAt(i) : i === longName.length ? 0 : 0xffff;
      buf.writeUInt16LE(unit, at + lfnUnitOffset(k));
    }
    at += DIR_ENTRY_BYTES;
  }
  return at;
}

/** Encodes a directory's entries into `bytes` (a whole number of clusters, zero-filled after the last entry). */
export function encodeDirectory(entries: readonly DirEntrySpec[], bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let at = 0;
  for (const e of entries) {
    if (e.longName !== null) {
      at = writeLfnEntries(buf, at, e.longName, shortNameChecksum(Buffer.from(e.shortName, 'latin1')));
    }
    writeShortEntry(buf, at, e);
    at += DIR_ENTRY_BYTES;
  }
  return buf;
}
