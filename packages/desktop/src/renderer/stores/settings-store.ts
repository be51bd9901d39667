import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiErrorBody, DesktopApi, LinkSpeed, SettingsState, WorkstationSettings } from '@pnc/shared';
import { toApiError } from '../api/errors.js';

export interface SettingsStoreState {
  settings: SettingsState | null;
  link: LinkSpeed | null;
  measuring: boolean;
  saving: boolean;
  failure: ApiErrorBody | null;
  load(): Promise<void>;
  update(patch: Partial<WorkstationSettings>): Promise<boolean>;
  clearCache(): Promise<boolean>;
  /** Saves the workstation's log as a file, for support. */
  exportLogs(): Promise<boolean>;
  /** Measures the LAN now (a second or so), for the estimated key times. */
  measure(): Promise<void>;
}

export function createSettingsStore(api: DesktopApi): StoreApi<SettingsStoreState> {
  return createStore<SettingsStoreState>()((set, get) => {
    const save = async (call: () => Promise<SettingsState>): Promise<boolean> => {
      set({ saving: true, failure: null });
      try {
        set({ settings: await call() });
        return true;
      } catch (e) {
        set({ failure: toApiError(e) });
        return false;
      } finally {
        set({ saving: false });
      }
    };
    return {
      settings: null,
      link: null,
      measuring: false,
      saving: false,
      failure: null,
      async load() {
        try {
          set({ settings: await api.getSettings({}) });
        } catch (e) {
          set({ failure: toApiError(e) });
        }
      },
      update: (patch) => save(() => api.setSettings(patch)),
      clearCache: () => save(() => api.clearCache({})),
      async exportLogs() {
        try {
          const { fileName, content } = await api.exportLogs({});
          const url = URL.createObjectURL(new Blob([content], { type: 'text/plain' }));
          const a = Object.assign(document.createElement('a'), { href: url, download: fileName });
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
          return true;
        } catch (e) {
          set({ failure: toApiError(e) });
          return false;
        }
      },
      async measure() {
        if (get().measuring) return;
        set({ measuring: true });
        try {
          set({ link: await api.measureLinkSpeed({}) });
        } catch {
          // Without a measure the screens say the time is not known.
        } finally {
          set({ measuring: false });
        }
      },
    };
  });
}

/** A key writer's typical sustained speed (USB 3 key) and read-back speed, when nothing better is known. */
const KEY_WRITE_BYTES_PER_SECOND = 60_000_000;
const KEY_READ_BYTES_PER_SECOND = 150_000_000;

/**
 * Seconds to make a key of `bytes`: from the last key written here when there is one (it measured
 * LAN, key and read-back together), else from the LAN measured now and a typical USB 3 key.
 */
export function estimateKeySeconds(bytes: number, link: LinkSpeed | null): number | null {
  if (bytes <= 0) return 0;
  if (link?.lastKeyBytesPerSecond) return bytes / link.lastKeyBytesPerSecond;
  if (!link?.lanBytesPerSecond) return null;
  return (
    bytes / Math.min(link.lanBytesPerSecond, KEY_WRITE_BYTES_PER_SECOND) + bytes / KEY_READ_BYTES_PER_SECOND
  );
}
