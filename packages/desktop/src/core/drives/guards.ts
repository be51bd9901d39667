import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { PncError } from '@pnc/shared';
import { formatBytes } from '../util/size.js';
import type { DriveInfo, DriveRefusal } from './drive-info.js';
import {
  attachedLoops,
  blockFacts,
  deviceNumbers,
  disksUnderPath,
  isBlockDevice,
  kernelName,
  mountsOf,
  readMounts,
  type MountEntry,
} from './linux-block.js';
import { driveRefusal, listDrives } from './list-drives.js';
import { linuxSystemDisks } from './system-disks.js';
import { isInsidePath, isSystemMountPoint, protectedFolders } from './system-paths.js';

/** Where a key is to be written: a whole device, or an image file. */
export interface KeyTarget {
  device?: string;
  image?: string;
  volumeBytes: number;
}

export interface GuardOptions {
  /** The list the user picked from; listed afresh when absent. */
  drives?: readonly DriveInfo[];
}

/** What the guards accepted; `size` is the device's own, or the image's volume size. */
export interface CheckedTarget {
  kind: 'device' | 'image';
  path: string;
  size: number;
}

const LOOP_DEVICE = /^\/dev\/loop\d+$/;

/**
 * Refuses, with DRIVE_REFUSED and a stable `reason`, any target that is not a whole removable or
 * USB disk (or an explicit loop device, or an image file) that is safe to erase: the system's
 * disks, anything mounted or in use, read-only or too small devices, partitions, and paths that
 * are neither devices nor files. Every rule is enforced here, whatever the UI showed.
 */
export async function assertWritableTarget(
  target: KeyTarget,
  opts: GuardOptions = {},
): Promise<CheckedTarget> {
  if (!Number.isSafeInteger(target.volumeBytes) || target.volumeBytes <= 0) {
    throw new PncError('VALIDATION_FAILED', `Volume size ${target.volumeBytes} is not a byte count.`, {
      volumeBytes: target.volumeBytes,
    });
  }
  if ((target.device === undefined) === (target.image === undefined)) {
    throw new PncError('VALIDATION_FAILED', 'Give either a device or an image file to write the key to.');
  }
  if (target.image !== undefined) {
    const path = resolve(target.image);
    // A loop device named as an image is still a device: it gets the device guards.
    if (process.platform === 'linux' && LOOP_DEVICE.test(path))
      return checkDevice(path, target.volumeBytes, opts);
    const problems = await imageProblems(path);
    if (problems.length > 0) throw refused(path, problems);
    return { kind: 'image', path, size: target.volumeBytes };
  }
  return checkDevice(target.device!, target.volumeBytes, opts);
}

/** The refusal for the first (most serious) problem, listing them all. */
function refused(target: string, problems: DriveRefusal[], details: Record<string, unknown> = {}): PncError {
  const first = problems[0]!;
  return new PncError('DRIVE_REFUSED', first.reason, {
    reason: first.code,
    reasons: problems,
    target,
    ...details,
  });
}

function missing(size: number, volumeBytes: number): Record<string, unknown> {
  return size < volumeBytes ? { missingBytes: volumeBytes - size } : {};
}

function tooSmall(path: string, size: number, volumeBytes: number): DriveRefusal {
  return {
    code: 'too-small',
    reason: `${path} holds ${formatBytes(size)} but the key needs ${formatBytes(volumeBytes)}: ${volumeBytes - size} bytes are missing. Use a bigger key.`,
  };
}

async function checkDevice(device: string, volumeBytes: number, opts: GuardOptions): Promise<CheckedTarget> {
  if (process.platform !== 'linux') return checkListedDevice(device, volumeBytes, opts);
  const path = resolve(device);
  const st = await stat(path).catch(() => null);
  if (!st)
    throw refused(path, [
      { code: 'not-found', reason: `${path} does not exist: the key may have been unplugged.` },
    ]);
  if (st.isFile()) {
    // An existing file given as a device is written in place, at its own size.
    const problems = await imageProblems(path);
    if (st.size < volumeBytes) problems.push(tooSmall(path, st.size, volumeBytes));
    if (problems.length > 0) throw refused(path, problems, missing(st.size, volumeBytes));
    return { kind: 'device', path, size: st.size };
  }
  if (!st.isBlockDevice()) {
    throw refused(path, [
      { code: 'not-a-device', reason: `${path} is neither a disk nor a file: choose the USB key itself.` },
    ]);
  }
  const { problems, size } = await linuxDeviceProblems(path, volumeBytes, opts);
  if (problems.length > 0) throw refused(path, problems, missing(size, volumeBytes));
  return { kind: 'device', path, size };
}

async function linuxDeviceProblems(
  path: string,
  volumeBytes: number,
  opts: GuardOptions,
): Promise<{ problems: DriveRefusal[]; size: number }> {
  const name = await kernelName(path);
  const facts = await blockFacts(name);
  if (!facts)
    return {
      problems: [{ code: 'not-a-device', reason: `${path} is not a disk the system knows.` }],
      size: 0,
    };
  if (facts.partitionOf) {
    return {
      problems: [
        {
          code: 'partition',
          reason: `${path} is a partition of /dev/${facts.partitionOf}: a key is written whole, choose /dev/${facts.partitionOf}.`,
        },
      ],
      size: facts.sizeBytes,
    };
  }
  const problems: DriveRefusal[] = [];
  const mounts = await readMounts();
  const [systemDisks, numbers, loops] = await Promise.all([
    linuxSystemDisks(mounts),
    deviceNumbers(),
    attachedLoops(),
  ]);
  if (systemDisks.has(name)) {
    problems.push({
      code: 'system',
      reason: `${path} holds this computer's operating system or this app's data.`,
    });
  }
  const mounted = mountsOf(facts, mounts, numbers);
  const systemMount = mounted.find((m) => isSystemMountPoint(m.mountPoint));
  if (systemMount) {
    problems.push({
      code: 'system',
      reason: `${path} is mounted at ${systemMount.mountPoint}, which belongs to this computer's system.`,
    });
  } else if (mounted.length > 0) {
    problems.push({
      code: 'mounted',
      reason: `${path} is mounted at ${mounted.map((m) => m.mountPoint).join(', ')}: eject or unmount it first.`,
    });
  }
  if (facts.holders.length > 0) {
    problems.push({
      code: 'in-use',
      reason: `${path} is in use by /dev/${facts.holders.join(', /dev/')} (RAID, LVM or encryption).`,
    });
  }
  for (const loop of loops) {
    if (loop.name !== name && (await backedBy(loop.backing, name, mounts))) {
      problems.push({
        code: 'in-use',
        reason: `${path} holds the backing file of /dev/${loop.name}: detach it first.`,
      });
    }
  }
  if (facts.readOnly)
    problems.push({ code: 'read-only', reason: `${path} is read-only (check the key's lock switch).` });

  if (facts.loopBacking !== null || /^loop\d+$/.test(name)) {
    problems.push(...(await loopProblems(path, facts.loopBacking, volumeBytes, opts)));
  } else {
    const listed = await findListed(path, opts);
    if (!listed) {
      problems.push({
        code: 'unknown-device',
        reason: `${path} is not a disk this computer lists: choose a USB key from the list.`,
      });
    } else {
      const refusal = driveRefusal(listed);
      if (refusal && refusal.code !== 'too-small' && !problems.some((p) => p.code === refusal.code))
        problems.push(refusal);
    }
  }
  if (facts.sizeBytes < volumeBytes) problems.push(tooSmall(path, facts.sizeBytes, volumeBytes));
  return { problems, size: facts.sizeBytes };
}

/** Loop devices are accepted when named explicitly, but their backing must be as safe as a key. */
async function loopProblems(
  path: string,
  backing: string | null,
  volumeBytes: number,
  opts: GuardOptions,
): Promise<DriveRefusal[]> {
  if (backing === null) return [{ code: 'not-found', reason: `${path} has no file attached.` }];
  if (await isBlockDevice(backing)) {
    // Writing the loop writes that device: it must pass the same guards (the kernel forbids loop cycles).
    const under = await linuxDeviceProblems(backing, volumeBytes, opts);
    return under.problems
      .filter((p) => p.code !== 'too-small')
      .map((p) => ({ code: p.code, reason: `${path} writes through to ${backing}: ${p.reason}` }));
  }
  return protectedFolders().some((f) => isInsidePath(backing, f))
    ? [
        {
          code: 'protected-path',
          reason: `${path} is backed by ${backing}, inside a folder of the system or of this app.`,
        },
      ]
    : [];
}

/** True when the file (or device) `backing` is stored on the disk `name`. */
async function backedBy(backing: string, name: string, mounts: readonly MountEntry[]): Promise<boolean> {
  if (await isBlockDevice(backing)) return (await kernelName(backing)) === name;
  return (await disksUnderPath(backing, mounts)).has(name);
}

async function findListed(path: string, opts: GuardOptions): Promise<DriveInfo | undefined> {
  const drives = opts.drives ?? (await listDrives());
  for (const d of drives) {
    if (d.id === path || d.device === path) return d;
    try {
      if ((await realpath(d.device)) === path || (await realpath(d.id)) === path) return d;
    } catch {
      // A drive unplugged since it was listed.
    }
  }
  return undefined;
}

/** Windows and macOS: only disks drivelist lists, whole, with drivelist's own flags. */
async function checkListedDevice(
  device: string,
  volumeBytes: number,
  opts: GuardOptions,
): Promise<CheckedTarget> {
  const partition =
    process.platform === 'darwin'
      ? /^\/dev\/r?disk\d+s\d+$/.exec(device)
      : /^\\\\\.\\PhysicalDrive\d+$/i.test(device)
        ? null
        : [device];
  if (partition) {
    throw refused(device, [
      {
        code: 'partition',
        reason: `${device} is a partition or a volume: a key is written whole, choose the disk itself.`,
      },
    ]);
  }
  const listed = (opts.drives ?? (await listDrives())).find((d) => d.id === device || d.device === device);
  if (!listed) {
    throw refused(device, [
      {
        code: 'unknown-device',
        reason: `${device} is not a disk this computer lists: the key may have been unplugged.`,
      },
    ]);
  }
  const problems: DriveRefusal[] = [];
  const refusal = driveRefusal(listed);
  if (refusal && refusal.code !== 'too-small') problems.push(refusal);
  if (listed.size < volumeBytes) problems.push(tooSmall(device, listed.size, volumeBytes));
  if (problems.length > 0) throw refused(device, problems, missing(listed.size, volumeBytes));
  return { kind: 'device', path: listed.device, size: listed.size };
}

/** An image must be a regular file or not exist yet, outside the system's and the app's folders, and not back a live device. */
async function imageProblems(path: string): Promise<DriveRefusal[]> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    try {
      real = resolve(await realpath(dirname(path)), basename(path));
    } catch {
      return [{ code: 'not-found', reason: `The folder of ${path} does not exist.` }];
    }
  }
  const problems: DriveRefusal[] = [];
  if (protectedFolders().some((f) => isInsidePath(real, f))) {
    problems.push({
      code: 'protected-path',
      reason: `${path} is inside a folder of the system or of this app: choose another place for the image.`,
    });
  }
  const st = await stat(real).catch(() => null);
  if (st && !st.isFile()) {
    const what = st.isBlockDevice() ? 'a disk device, not an image file' : 'not a regular file';
    problems.push({ code: 'not-a-device', reason: `${path} is ${what}.` });
  }
  if (st && process.platform === 'linux') {
    for (const loop of await attachedLoops()) {
      const backing = await realpath(loop.backing).catch(() => loop.backing);
      if (backing === real)
        problems.push({
          code: 'in-use',
          reason: `${path} is attached as /dev/${loop.name}: detach it first.`,
        });
    }
  }
  return problems;
}
