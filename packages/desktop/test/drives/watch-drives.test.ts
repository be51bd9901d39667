import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { watchDrives, type DriveInfo } from '../../src/core/drives/index.js';

function key(id: string): DriveInfo {
  return {
    id,
    device: id,
    size: 64 * 2 ** 30,
    label: null,
    description: 'Key',
    mountpoints: [],
    busType: 'USB',
    isUSB: true,
    isUASP: false,
    isRemovable: true,
    isSystem: false,
    isReadOnly: false,
    isVirtual: false,
    usbSpeed: 'unknown',
    offered: true,
    refusal: null,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lister over a list the test changes, counting how often it is asked. */
function lister(initial: DriveInfo[]) {
  const state = { drives: initial, calls: 0 };
  return { state, list: async () => (state.calls++, [...state.drives]) };
}

describe('watchDrives', () => {
  it('rescans once after a burst of USB events, and reports only real changes', async () => {
    const { state, list } = lister([key('/dev/sda')]);
    const bus = new EventEmitter();
    const seen: string[][] = [];
    const stop = watchDrives((d) => seen.push(d.map((x) => x.id)), {
      list,
      hotplug: bus,
      debounceMs: 100,
      pollMs: 60_000,
    });
    try {
      await sleep(30);
      expect(seen).toEqual([['/dev/sda']]);
      const before = state.calls;
      state.drives = [key('/dev/sda'), key('/dev/sdb')];
      for (let i = 0; i < 5; i++) bus.emit('attach');
      await sleep(40);
      expect(state.calls).toBe(before); // still debouncing
      await sleep(120);
      expect(state.calls).toBe(before + 1);
      expect(seen).toEqual([['/dev/sda'], ['/dev/sda', '/dev/sdb']]);
      // An event with no change in the list: a rescan, no report.
      bus.emit('detach');
      await sleep(150);
      expect(state.calls).toBe(before + 2);
      expect(seen).toHaveLength(2);
    } finally {
      stop();
    }
    expect(bus.listenerCount('attach') + bus.listenerCount('detach')).toBe(0);
  });

  it('notices changes by polling when no hot-plug events come, and stays silent after stop', async () => {
    const { state, list } = lister([]);
    const seen: number[] = [];
    const stop = watchDrives((d) => seen.push(d.length), { list, hotplug: null, pollMs: 50 });
    await sleep(20);
    state.drives = [key('/dev/sdc')];
    await sleep(100);
    expect(seen).toEqual([0, 1]);
    stop();
    const calls = state.calls;
    state.drives = [];
    await sleep(150);
    expect(state.calls).toBe(calls);
    expect(seen).toEqual([0, 1]);
  });

  it('reports lister failures and keeps watching', async () => {
    let fail = true;
    const errors: unknown[] = [];
    const seen: number[] = [];
    const list = async () => {
      if (fail) throw new Error('lsblk failed');
      return [key('/dev/sdd')];
    };
    const stop = watchDrives((d) => seen.push(d.length), {
      list,
      hotplug: null,
      pollMs: 40,
      onError: (e) => errors.push(e),
    });
    await sleep(20);
    fail = false;
    await sleep(80);
    stop();
    expect(errors.length).toBeGreaterThan(0);
    expect(seen).toEqual([1]);
  });

  it('with the real drive list and the real usb module: reports, then lets the process exit after stop', async () => {
    const script = `
      import { watchDrives } from ${JSON.stringify(fileURLToPath(new URL('../../src/core/drives/index.ts', import.meta.url)))};
      const stop = watchDrives((drives) => { console.log(JSON.stringify(drives.length)); setTimeout(stop, 1500); },
        { onError: (e) => { console.error(e); process.exitCode = 2; } });
    `;
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(Number(out.trim().split('\n')[0])).toBeGreaterThanOrEqual(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
