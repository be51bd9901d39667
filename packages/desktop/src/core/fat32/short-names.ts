/**
 * 8.3 ("short") names. Every directory entry carries one, even when a long name is stored
 * alongside; readers without long-name support (and the LFN checksum) depend on it.
 */

/** Characters a short name may hold besides A–Z and 0–9 (space aside: we never generate it). */
const SHORT_SPECIALS = new Set("$%'-_@~`!(){}^#&");

function isShortChar(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || SHORT_SPECIALS.has(c);
}

/** 11 bytes: base padded to 8, extension padded to 3, both with spaces. */
function pack(base: string, ext: string): string {
  return base.padEnd(8, ' ') + ext.padEnd(3, ' ');
}

export interface ShortName {
  /** The 11-byte on-disk form (ASCII). */
  name: string;
  /** False only for names stored exactly by the short entry (upper-case 8.3). */
  needsLfn: boolean;
}

/**
 * The 8.3 form of a name that already is one, ignoring case, or null. Lower- and mixed-case
 * names keep a long-name entry for their case: every LFN reader honours it, unlike the NT case bits.
 */
function exactShortName(name: string): ShortName | null {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3) return null;
  const upper = (base + ext).toUpperCase();
  if (upper.length !== base.length + ext.length || ![...upper].every(isShortChar)) return null;
  return { name: pack(base.toUpperCase(), ext.toUpperCase()), needsLfn: base + ext !== upper };
}

/**
 * The Windows basis name: upper-cased, spaces and extra dots dropped, characters a short name
 * cannot hold (non-ASCII included, so no OEM code page is involved) replaced by `_`.
 */
function basisName(name: string): { base: string; ext: string } {
  const s = name.toUpperCase().replaceAll(' ', '').replace(/^\.+/, '');
  const dot = s.lastIndexOf('.');
  const convert = (part: string, max: number) =>
    [...part.replaceAll('.', '')]
      .map((c) => (isShortChar(c) ? c : '_'))
      .join('')
      .slice(0, max);
  return dot < 0
    ? { base: convert(s, 8), ext: '' }
    : { base: convert(s.slice(0, dot), 8), ext: convert(s.slice(dot + 1), 3) };
}

/** A 16-bit hash of the long name for the `XXhhhh~1` aliases Windows uses past `~4`. */
function nameHash(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return ((h ^ (h >>> 16)) & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

function withTail(base: string, ext: string, n: number): string {
  const tail = `~${n}`;
  return pack(base.slice(0, 8 - tail.length) + tail, ext);
}

/**
 * Short names of one directory's entries, in order. Exact 8.3 names are fixed, so they are
 * reserved first; the others then get `BASIS~1` … `BASIS~4`, then hash-based aliases
 * (`BAhhhh~1`, as Windows does), each unique in the directory.
 */
export function assignShortNames(names: readonly string[]): ShortName[] {
  const exact = names.map(exactShortName);
  const used = new Set<string>();
  for (const e of exact) if (e) used.add(e.name);
  const take = (candidate: string): boolean => {
    if (used.has(candidate)) return false;
    used.add(candidate);
    return true;
  };
  const alias = (longName: string): string => {
    const { base, ext } = basisName(longName);
    for (let n = 1; n <= 4; n++) {
      const candidate = withTail(base, ext, n);
      if (take(candidate)) return candidate;
    }
    const hashed = base.slice(0, 2) + nameHash(longName);
    for (let n = 1; ; n++) {
      const candidate = withTail(hashed, ext, n);
      if (take(candidate)) return candidate;
    }
  };
  return names.map((n, i) => exact[i] ?? { name: alias(n), needsLfn: true });
}

/** The checksum of the 11-byte short name that every LFN entry of the same file carries. */
export function shortNameChecksum(name11: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((((sum & 1) << 7) | (sum >> 1)) + (name11[i] ?? 0)) & 0xff;
  return sum;
}
