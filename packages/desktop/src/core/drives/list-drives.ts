import type { Drive } from 'drivelist';
import { FAT32_MIN_VOLUME_BYTES } from '../fat32/index.js';
import { formatBytes } from '../util/size.js';
import type { DriveInfo, DriveRefusal, UsbSpeed } from './drive-info.js';
import {
  blockFacts,
  deviceNumbers,
  kernelName,
  mountsOf,
  readMounts,
  usbFacts,
  type UsbFacts,
} from './linux-block.js';
import { linuxSystemDisks } from './system-disks.js';
import { isSystemMountPoint } from './system-paths.js';
import { linkSpeed, usbDevices } from './usb-link.js';

/** What the OS tells beyond drivelist, for one drive (Linux /sys and mounts; empty elsewhere). */
export interface DriveFacts {
  usb: UsbFacts | null;
  usbSpeed: UsbSpeed;
  /** The disk backs `/`, swap, the home folder, the app or its state. */
  backsSystem: boolean;
  /** Mount points of its partitions that drivelist missed (nested or stacked mounts). */
  extraMountpoints: string[];
}

const NO_FACTS: DriveFacts = { usb: null, usbSpeed: 'unknown', backsSystem: false, extraMountpoints: [] };

/** Lists whole disks, each marked offered or not, with the reason; loops and optical drives are never listed. */
export async function listDrives(): Promise<DriveInfo[]> {
  const { list } = await import('drivelist');
  const drives = await list();
  const facts = process.platform === 'linux' ? await linuxFacts(drives) : drives.map(() => NO_FACTS);
  return drives.map((d, i) => toDriveInfo(d, facts[i] ?? NO_FACTS)).sort((a, b) => a.id.localeCompare(b.id));
}

async function linuxFacts(drives: Drive[]): Promise<DriveFacts[]> {
  const mounts = await readMounts();
  const [systemDisks, numbers, devices] = await Promise.all([
    linuxSystemDisks(mounts),
    deviceNumbers(),
    usbDevices(),
  ]);
  return Promise.all(
    drives.map(async (d): Promise<DriveFacts> => {
      let name: string;
      try {
        name = await kernelName(d.device);
      } catch {
        return NO_FACTS;
      }
      const [usb, block] = await Promise.all([usbFacts(name), blockFacts(name)]);
      return {
        usb,
        usbSpeed: linkSpeed(usb, devices),
        backsSystem: systemDisks.has(name),
        extraMountpoints: block ? mountsOf(block, mounts, numbers).map((m) => m.mountPoint) : [],
      };
    }),
  );
}

/**
 * One drivelist entry as the key step sees it. USB is recognised from every hint, because fast
 * UASP keys often report themselves as fixed disks (Windows: SCSI enumerator on a USB bus;
 * Linux: driven by `uas`), and drivelist then calls them system drives.
 */
export function toDriveInfo(d: Drive, facts: DriveFacts): DriveInfo {
  const isUSB = d.isUSB === true || d.isUAS === true || /^(USB|UAS)$/i.test(d.busType) || facts.usb !== null;
  const isUASP = d.isUAS === true || facts.usb?.driver === 'uas';
  const mountpoints = [...new Set([...d.mountpoints.map((m) => m.path), ...facts.extraMountpoints])];
  const isSystem =
    facts.backsSystem || mountpoints.some((m) => isSystemMountPoint(m)) || (d.isSystem && !isUSB);
  const info: DriveInfo = {
    id: d.device,
    device: d.raw,
    size: d.size ?? 0,
    label: d.mountpoints.find((m) => m.label)?.label ?? null,
    description: d.description,
    mountpoints,
    busType: d.busType,
    isUSB,
    isUASP,
    isRemovable: d.isRemovable,
    isSystem,
    isReadOnly: d.isReadOnly,
    isVirtual: d.isVirtual === true,
    usbSpeed: isUSB ? facts.usbSpeed : 'unknown',
    offered: true,
    refusal: null,
  };
  const refusal = driveRefusal(info);
  return refusal ? { ...info, offered: false, refusal } : info;
}

/** Why a listed drive cannot be a key, or null; the same rules the write guards apply. */
export function driveRefusal(d: DriveInfo): DriveRefusal | null {
  if (d.isSystem) {
    const systemMount = d.mountpoints.find((m) => isSystemMountPoint(m));
    const where = systemMount ? ` (it is mounted at ${systemMount})` : '';
    return {
      code: 'system',
      reason: `${d.id} holds this computer's operating system or this app's data${where}.`,
    };
  }
  if (d.isVirtual) return { code: 'virtual', reason: `${d.id} is a virtual disk, not a USB key.` };
  if (!d.isRemovable && !d.isUSB)
    return { code: 'not-removable', reason: `${d.id} is a fixed internal disk, not a USB key.` };
  if (d.isReadOnly)
    return { code: 'read-only', reason: `${d.id} is read-only (check the key's lock switch).` };
  if (d.size < FAT32_MIN_VOLUME_BYTES) {
    return {
      code: 'too-small',
      reason: `${d.id} holds ${formatBytes(d.size)}; a FAT32 key needs at least ${formatBytes(FAT32_MIN_VOLUME_BYTES)}.`,
    };
  }
  return null;
}
