import type { DriveInfo } from './drive-info.js';
import { listDrives } from './list-drives.js';
import { loadUsb } from './usb-link.js';

/** USB attach/detach notifications: the `usb` module's emitter, or any emitter with the same events. */
export interface HotplugSource {
  on(event: 'attach' | 'detach', listener: () => void): unknown;
  removeListener(event: 'attach' | 'detach', listener: () => void): unknown;
}

export interface WatchDrivesOptions {
  /** Where the drives come from; `listDrives` unless told. */
  list?: () => Promise<DriveInfo[]>;
  /** Hot-plug events; the `usb` module's by default, none when null or when it cannot load. */
  hotplug?: HotplugSource | null;
  /** A key appears on the bus well before its disk does: wait this long after an event, then rescan. */
  debounceMs?: number;
  /** Rescan this often anyway, for events USB misses (card readers, no libusb, no hot-plug support). */
  pollMs?: number;
  onError?: (e: unknown) => void;
}

/**
 * Calls `onChange` with the drive list now and whenever it changes. Returns `stop`, after which
 * nothing is called and nothing keeps the process alive.
 */
export function watchDrives(
  onChange: (drives: DriveInfo[]) => void,
  opts: WatchDrivesOptions = {},
): () => void {
  const list = opts.list ?? listDrives;
  const debounceMs = opts.debounceMs ?? 800;
  let stopped = false;
  let last: string | undefined;
  let scanning = false;
  let again = false;
  let debounce: NodeJS.Timeout | undefined;

  const scan = async (): Promise<void> => {
    if (stopped) return;
    if (scanning) {
      again = true;
      return;
    }
    scanning = true;
    try {
      const drives = [...(await list())].sort((a, b) => a.id.localeCompare(b.id));
      const key = JSON.stringify(drives);
      if (!stopped && key !== last) {
        last = key;
        onChange(drives);
      }
    } catch (e) {
      if (!stopped) opts.onError?.(e);
    } finally {
      scanning = false;
      if (again) {
        again = false;
        void scan();
      }
    }
  };

  const onHotplug = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void scan(), debounceMs);
  };

  const poll = setInterval(() => void scan(), opts.pollMs ?? 3000);
  let hotplug: HotplugSource | null = null;
  const attach = (source: HotplugSource | null) => {
    if (stopped || !source) return;
    try {
      source.on('attach', onHotplug);
      source.on('detach', onHotplug);
      hotplug = source;
    } catch (e) {
      // libusb without hot-plug support can throw here: polling still covers it.
      opts.onError?.(e);
    }
  };
  if (opts.hotplug !== undefined) attach(opts.hotplug);
  else void loadUsb().then((m) => attach(m?.usb ?? null));
  void scan();

  return () => {
    stopped = true;
    clearInterval(poll);
    clearTimeout(debounce);
    // Removing the last listener turns libusb's hot-plug thread off, which lets the process exit.
    hotplug?.removeListener('attach', onHotplug);
    hotplug?.removeListener('detach', onHotplug);
    hotplug = null;
  };
}
