import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DesktopEvent, DriveInfo } from '@pnc/shared';
import { createDesktopService, type DriveAccess } from '../../src/core/service/desktop-service.js';

const KEY = { id: 'sdb', device: '/dev/sdb' } as unknown as DriveInfo;

/** Drives that count how they are used; `changed` plays a key plugged in while watched. */
function countingDrives() {
  const calls = { list: 0, watch: 0, stop: 0 };
  let onChange: ((d: DriveInfo[]) => void) | null = null;
  const access: DriveAccess = {
    list: async () => (calls.list++, [KEY]),
    watch(cb) {
      calls.watch++;
      onChange = cb;
      return () => void (calls.stop++, (onChange = null));
    },
    open: () => Promise.reject(new Error('not in this test')),
  };
  return { access, calls, changed: (d: DriveInfo[]) => onChange?.(d) };
}

describe('desktop service: drive watching', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const service = (drives: DriveAccess) => {
    const stateDir = mkdtempSync(join(tmpdir(), 'pnc-drive-watch-'));
    dirs.push(stateDir);
    return createDesktopService({ stateDir, trustedRootFile: join(stateDir, 'no-root.json'), drives });
  };

  it('starts when a screen first lists the drives, once, pushes changes, and stops on close', async () => {
    const d = countingDrives();
    const s = service(d.access);
    await s.ready;
    // Starting the app scans nothing: no lsblk, no libusb, nothing polled.
    expect(d.calls).toEqual({ list: 0, watch: 0, stop: 0 });

    const events: DesktopEvent[] = [];
    s.onEvent((e) => events.push(e));
    expect(await s.listDrives({})).toEqual([KEY]);
    await s.listDrives({});
    expect(d.calls).toMatchObject({ list: 2, watch: 1 });

    d.changed([]);
    expect(events).toContainEqual({ type: 'drives', drives: [] });

    await s.close();
    expect(d.calls.stop).toBe(1);
    // A late call after close lists but does not start watching again.
    await s.listDrives({});
    expect(d.calls).toMatchObject({ watch: 1, stop: 1 });
  });
});
