import { realpath, stat } from 'node:fs/promises';
import { blockFacts, deviceNumbers, kernelName, mountFor, mountsOf, readMounts } from './linux-block.js';
import { listDrives } from './list-drives.js';
import { runTool } from './run-tool.js';
import { linuxSystemDisks } from './system-disks.js';

export type EjectResult =
  /** `poweredOff` false: unmounted (so every byte is on the key) but the OS could not power it down. */
  { ok: true; poweredOff: boolean; message?: string } | { ok: false; message: string };

const WAIT_FOR_LIGHT = "wait until the key's light stops blinking, then remove it";

/**
 * Unmounts every volume of a key (given by device or by mount path) and powers it off, with the
 * tools the OS has. Never throws: when it cannot, the message says what the technician can do.
 */
export async function ejectDrive(target: string): Promise<EjectResult> {
  try {
    if (process.platform === 'linux') return await ejectLinux(target);
    if (process.platform === 'darwin') return await ejectMac(target);
    if (process.platform === 'win32') return await ejectWindows(target);
    return { ok: false, message: `This system cannot eject keys: ${WAIT_FOR_LIGHT}.` };
  } catch (e) {
    return {
      ok: false,
      message: `The key could not be ejected (${(e as Error).message}): ${WAIT_FOR_LIGHT}.`,
    };
  }
}

async function ejectLinux(target: string): Promise<EjectResult> {
  const mounts = await readMounts();
  const numbers = await deviceNumbers();
  let name: string | undefined;
  const st = await stat(target).catch(() => null);
  if (st?.isBlockDevice()) {
    name = await kernelName(target);
  } else if (st?.isDirectory()) {
    const real = await realpath(target);
    const m = mountFor(real, mounts);
    if (m && m.mountPoint === real) name = numbers.get(m.majMin);
  }
  if (!name) return { ok: false, message: `${target} is not a key or a key's mount point.` };
  const facts = await blockFacts(name);
  const disk = facts?.partitionOf ?? name;
  const diskFacts = facts?.partitionOf ? await blockFacts(disk) : facts;
  if (!diskFacts) return { ok: false, message: `${target} is not a key or a key's mount point.` };
  if ((await linuxSystemDisks(mounts)).has(disk)) {
    return { ok: false, message: `/dev/${disk} holds this computer's system: it is not ejected.` };
  }

  // Deepest mounts first, so nested mounts do not keep their parent busy.
  const mounted = mountsOf(diskFacts, mounts, numbers).sort(
    (a, b) => b.mountPoint.length - a.mountPoint.length,
  );
  for (const m of mounted) {
    const dev = `/dev/${numbers.get(m.majMin)}`;
    let r = await runTool('udisksctl', ['unmount', '--no-user-interaction', '-b', dev]);
    if (r.missing) r = await runTool('umount', [m.mountPoint]);
    if (!r.ok) {
      return {
        ok: false,
        message: `${m.mountPoint} could not be unmounted (${r.output}). Close any window or program using the key and try again.`,
      };
    }
  }

  let off = await runTool('udisksctl', ['power-off', '--no-user-interaction', '-b', `/dev/${disk}`]);
  if (off.missing) off = await runTool('eject', [`/dev/${disk}`]);
  return off.ok
    ? { ok: true, poweredOff: true }
    : { ok: true, poweredOff: false, message: `The key is unmounted: ${WAIT_FOR_LIGHT}.` };
}

async function ejectMac(target: string): Promise<EjectResult> {
  const r = await runTool('diskutil', ['eject', target]);
  if (r.ok) return { ok: true, poweredOff: true };
  return {
    ok: false,
    message: `macOS could not eject ${target} (${r.output}). Close any program using the key, or ${WAIT_FOR_LIGHT}.`,
  };
}

/** Explorer's own "Eject" verb on each of the key's drive letters: no admin rights needed. */
async function ejectWindows(target: string): Promise<EjectResult> {
  const letters = /^[A-Za-z]:\\?$/.test(target)
    ? [target.slice(0, 2)]
    : ((await listDrives()).find((d) => d.id === target || d.device === target)?.mountpoints ?? [])
        .map((m) => m.slice(0, 2))
        .filter((l) => /^[A-Za-z]:$/.test(l));
  if (letters.length === 0)
    return { ok: false, message: `${target} has no drive letter to eject: ${WAIT_FOR_LIGHT}.` };
  const script = letters
    .map(
      (l) =>
        `$i=(New-Object -ComObject Shell.Application).Namespace(17).ParseName('${l}'); if ($i) { $i.InvokeVerb('Eject') }`,
    )
    .concat([
      'Start-Sleep -Seconds 2',
      `if (${letters.map((l) => `(Test-Path '${l}\\')`).join(' -or ')}) { exit 1 }`,
    ])
    .join('; ');
  const r = await runTool('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script]);
  if (r.ok) return { ok: true, poweredOff: true };
  return {
    ok: false,
    message: `Windows could not eject the key. Close any window or program using it, or ${WAIT_FOR_LIGHT}.`,
  };
}
