import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Linux block-device facts, read from /proc/self/mountinfo and /sys (no tools, no root needed). */

const SYS_BLOCK = '/sys/class/block';

export interface MountEntry {
  /** `major:minor` of the mounted device (`0:N` for filesystems without one: tmpfs, overlay, btrfs). */
  majMin: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6) continue;
    entries.push({
      majMin: fields[2]!,
      mountPoint: unescapeOctal(fields[4]!),
      fsType: fields[dash + 1] ?? '',
      source: unescapeOctal(fields[dash + 2] ?? ''),
    });
  }
  return entries;
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** True when `path` is `dir` or inside it (both absolute and normalised). */
export function isInside(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(`${dir}/`);
}

/** The mount a path lives on: the longest mount point containing it, the last mounted on ties. */
export function mountFor(path: string, mounts: readonly MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (isInside(path, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

async function readSys(name: string, file: string): Promise<string | null> {
  try {
    return (await readFile(join(SYS_BLOCK, name, file), 'utf8')).trim();
  } catch {
    return null;
  }
}

async function listSys(name: string, dir: string): Promise<string[]> {
  try {
    return await readdir(join(SYS_BLOCK, name, dir));
  } catch {
    return [];
  }
}

/** `major:minor` of a device number as glibc encodes it in `st_rdev`. */
function majorMinor(rdev: number): string {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
  return `${major}:${minor}`;
}

/**
 * The kernel name (`sdb`, `loop3`, `nvme0n1p2`) of a device node, by its device number: a node's
 * own name proves nothing (by-id links, nodes made elsewhere with mknod).
 */
export async function kernelName(devicePath: string): Promise<string> {
  const st = await stat(devicePath);
  if (!st.isBlockDevice()) return basename(await realpath(devicePath));
  return basename(await realpath(`/sys/dev/block/${majorMinor(st.rdev)}`));
}

export interface BlockFacts {
  name: string;
  /** The whole disk this partition belongs to, when it is one. */
  partitionOf: string | null;
  /** Its partitions (`sdb1`, `loop3p1`). */
  partitions: string[];
  /** Devices stacked on it (device-mapper, md RAID): it is in use. */
  holders: string[];
  /** Devices it is stacked on (for dm/md: the real disks). */
  slaves: string[];
  removable: boolean;
  readOnly: boolean;
  sizeBytes: number;
  /** For a loop device: its backing file, or null when nothing is attached. */
  loopBacking: string | null;
}

export async function blockFacts(name: string): Promise<BlockFacts | null> {
  let sysPath: string;
  try {
    sysPath = await realpath(join(SYS_BLOCK, name));
  } catch {
    return null;
  }
  const isPartition = (await readSys(name, 'partition')) !== null;
  const entries = await listSys(name, '.');
  const partitions: string[] = [];
  for (const e of entries)
    if (e.startsWith(name) && (await readSys(`${name}/${e}`, 'partition')) !== null) partitions.push(e);
  return {
    name,
    partitionOf: isPartition ? basename(dirname(sysPath)) : null,
    partitions,
    holders: await listSys(name, 'holders'),
    slaves: await listSys(name, 'slaves'),
    removable: (await readSys(name, 'removable')) === '1',
    readOnly: (await readSys(name, 'ro')) === '1',
    // /sys reports 512-byte sectors whatever the device's own sector size.
    sizeBytes: Number((await readSys(name, 'size')) ?? 0) * 512,
    loopBacking: /^loop\d+$/.test(name) ? await readSys(name, 'loop/backing_file') : null,
  };
}

/** The block device a mount sits on, by its device number, else by its source path (btrfs reports `0:N`). */
async function mountDevice(m: MountEntry): Promise<string | null> {
  try {
    return basename(await realpath(`/sys/dev/block/${m.majMin}`));
  } catch {
    if (!m.source.startsWith('/dev/')) return null;
    try {
      return await kernelName(m.source);
    } catch {
      return null;
    }
  }
}

/**
 * The whole disks holding a path: its mount's device, climbed from partition to disk, through
 * device-mapper/md to the real disks, and from a loop device to the disks under its backing file
 * (a live system often runs from a loop over a file on the USB stick).
 */
export async function disksUnderPath(
  path: string,
  mounts: readonly MountEntry[],
  seen = new Set<string>(),
): Promise<Set<string>> {
  const disks = new Set<string>();
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return disks;
  }
  const m = mountFor(real, mounts);
  const dev = m ? await mountDevice(m) : null;
  if (dev) for (const d of await wholeDisks(dev, mounts, seen)) disks.add(d);
  return disks;
}

export async function wholeDisks(
  name: string,
  mounts: readonly MountEntry[],
  seen = new Set<string>(),
): Promise<Set<string>> {
  const out = new Set<string>();
  if (seen.has(name)) return out;
  seen.add(name);
  const facts = await blockFacts(name);
  if (!facts) return out;
  if (facts.partitionOf) return wholeDisks(facts.partitionOf, mounts, seen);
  if (facts.slaves.length > 0) {
    for (const s of facts.slaves) for (const d of await wholeDisks(s, mounts, seen)) out.add(d);
    return out;
  }
  out.add(name);
  if (facts.loopBacking) {
    const under = (await isBlockDevice(facts.loopBacking))
      ? await wholeDisks(await kernelName(facts.loopBacking), mounts, seen)
      : await disksUnderPath(facts.loopBacking, mounts, seen);
    for (const d of under) out.add(d);
  }
  return out;
}

export async function isBlockDevice(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isBlockDevice();
  } catch {
    return false;
  }
}

/** Mount points of a disk and of its partitions. */
export function mountsOf(
  facts: BlockFacts,
  mounts: readonly MountEntry[],
  devNames: ReadonlyMap<string, string>,
): MountEntry[] {
  const names = new Set([facts.name, ...facts.partitions]);
  return mounts.filter((m) => {
    const dev = devNames.get(m.majMin);
    return dev !== undefined && names.has(dev);
  });
}

/** `major:minor` → kernel name for every block device, to match mounts to devices. */
export async function deviceNumbers(): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(SYS_BLOCK);
  } catch {
    return map;
  }
  for (const n of names) {
    const dev = await readSys(n, 'dev');
    if (dev) map.set(dev, n);
  }
  return map;
}

/** Every attached loop device and its backing file. */
export async function attachedLoops(): Promise<Array<{ name: string; backing: string }>> {
  let names: string[];
  try {
    names = await readdir(SYS_BLOCK);
  } catch {
    return [];
  }
  const loops: Array<{ name: string; backing: string }> = [];
  for (const n of names) {
    if (!/^loop\d+$/.test(n)) continue;
    const backing = await readSys(n, 'loop/backing_file');
    if (backing) loops.push({ name: n, backing });
  }
  return loops;
}

export interface UsbFacts {
  /** The kernel driver of the storage interface: `uas` (UASP) or `usb-storage` (bulk-only). */
  driver: string | null;
  vendorId: number;
  productId: number;
  serial: string | null;
  busNumber: number;
  deviceAddress: number;
  /** Negotiated link speed in Mbit/s as the kernel reports it (1.5, 12, 480, 5000, 10000, 20000). */
  speedMbps: number | null;
}

/** The USB device a disk hangs off, found by walking its /sys path up to the USB device node. */
export async function usbFacts(name: string): Promise<UsbFacts | null> {
  let sysPath: string;
  try {
    sysPath = await realpath(join(SYS_BLOCK, name));
  } catch {
    return null;
  }
  const parts = sysPath.split('/');
  // USB device nodes are named `bus-port[.port…]`, their interfaces `bus-port…:config.interface`.
  const devIdx = parts.findLastIndex((p) => /^\d+-[\d.]+$/.test(p));
  if (devIdx < 0) return null;
  const devDir = parts.slice(0, devIdx + 1).join('/');
  const iface = parts[devIdx + 1];
  const read = async (file: string) => {
    try {
      return (await readFile(join(devDir, file), 'utf8')).trim();
    } catch {
      return null;
    }
  };
  let driver: string | null = null;
  if (iface && /^\d+-[\d.]+:\d+\.\d+$/.test(iface)) {
    try {
      driver = basename(await realpath(join(devDir, iface, 'driver')));
    } catch {
      driver = null;
    }
  }
  const speed = Number(await read('speed'));
  return {
    driver,
    vendorId: parseInt((await read('idVendor')) ?? '', 16),
    productId: parseInt((await read('idProduct')) ?? '', 16),
    serial: await read('serial'),
    busNumber: Number(await read('busnum')),
    deviceAddress: Number(await read('devnum')),
    speedMbps: Number.isFinite(speed) && speed > 0 ? speed : null,
  };
}

/** Swap areas (partitions or files): as vital to the running system as `/`. */
export async function swapAreas(): Promise<string[]> {
  try {
    const lines = (await readFile('/proc/swaps', 'utf8')).split('\n').slice(1);
    return lines.map((l) => unescapeOctal(l.split(/\s+/)[0] ?? '')).filter((d) => d.startsWith('/'));
  } catch {
    return [];
  }
}
