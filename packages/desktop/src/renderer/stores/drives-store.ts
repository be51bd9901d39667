import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiErrorBody, DesktopApi, DriveInfo, KeyTarget } from '@pnc/shared';
import { toApiError } from '../api/errors.js';

/** The most keys one write may fill (the contract's limit). */
export const MAX_KEYS = 4;

/** One place a key can be written: a drive the core listed, or an image file added by hand. */
export interface KeyChoice {
  id: string;
  target: KeyTarget;
  /** What the technician reads: the drive's description, or the image's path. */
  name: string;
  size: number;
  /** The listed drive, for devices. */
  drive: DriveInfo | null;
}

export interface DrivesStoreState {
  drives: DriveInfo[];
  loaded: boolean;
  failure: ApiErrorBody | null;
  /** Image files added by IT or tests ("write to a disk image"). */
  images: Array<{ path: string; size: number }>;
  /** Chosen keys, by choice id, in the order chosen. */
  selected: string[];
  load(): Promise<void>;
  /** Adds (and selects) an image target; false when the path or size is not usable. */
  addImage(path: string, size: number): boolean;
  removeImage(path: string): void;
  toggle(id: string): void;
  clearSelection(): void;
  dispose(): void;
}

export const deviceChoiceId = (device: string) => `device:${device}`;
export const imageChoiceId = (path: string) => `image:${path}`;

/** Every key shown on the key step: drives as listed (offered or not), then images. */
export function keyChoices(s: Pick<DrivesStoreState, 'drives' | 'images'>): KeyChoice[] {
  return [
    ...s.drives.map((d) => ({
      id: deviceChoiceId(d.device),
      target: { kind: 'device', device: d.device } as const,
      name: d.description || d.device,
      size: d.size,
      drive: d,
    })),
    ...s.images.map((i) => ({
      id: imageChoiceId(i.path),
      target: { kind: 'image', path: i.path, size: i.size } as const,
      name: i.path,
      size: i.size,
      drive: null,
    })),
  ];
}

export function selectedChoices(s: Pick<DrivesStoreState, 'drives' | 'images' | 'selected'>): KeyChoice[] {
  const all = keyChoices(s);
  return s.selected.map((id) => all.find((c) => c.id === id)).filter((c): c is KeyChoice => c !== undefined);
}

/** Why a choice cannot be selected for `neededBytes` of updates, or null when it can. */
export function choiceProblem(
  c: KeyChoice,
  neededBytes: number,
): { code: string; missingBytes?: number } | null {
  if (c.drive && !c.drive.offered) return { code: c.drive.refusal?.code ?? 'refused' };
  if (c.drive && c.drive.isReadOnly) return { code: 'read-only' };
  // A listed drive is known to the byte; an image's size is what IT asked for and the core judges it.
  if (c.drive && c.size < neededBytes) return { code: 'too-small', missingBytes: neededBytes - c.size };
  return null;
}

const IMAGE_PATH = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

export function createDrivesStore(api: DesktopApi): StoreApi<DrivesStoreState> {
  const keepPresent = (drives: DriveInfo[], s: DrivesStoreState) =>
    s.selected.filter((id) => !id.startsWith('device:') || drives.some((d) => deviceChoiceId(d.device) === id));
  const store = createStore<DrivesStoreState>()((set, get) => ({
    drives: [],
    loaded: false,
    failure: null,
    images: [],
    selected: [],
    async load() {
      try {
        const drives = await api.listDrives({});
        set({ drives, loaded: true, failure: null, selected: keepPresent(drives, get()) });
      } catch (e) {
        set({ loaded: true, failure: toApiError(e) });
      }
    },
    addImage(rawPath, size) {
      const path = rawPath.trim();
      if (!IMAGE_PATH.test(path) || path.length > 1024 || !Number.isSafeInteger(size) || size <= 0) return false;
      const id = imageChoiceId(path);
      const { images, selected } = get();
      set({
        images: [...images.filter((i) => i.path !== path), { path, size }],
        selected: selected.includes(id) || selected.length >= MAX_KEYS ? selected : [...selected, id],
      });
      return true;
    },
    removeImage(path) {
      const id = imageChoiceId(path);
      set((s) => ({ images: s.images.filter((i) => i.path !== path), selected: s.selected.filter((x) => x !== id) }));
    },
    toggle(id) {
      const { selected } = get();
      if (selected.includes(id)) set({ selected: selected.filter((x) => x !== id) });
      else if (selected.length < MAX_KEYS && keyChoices(get()).some((c) => c.id === id))
        set({ selected: [...selected, id] });
    },
    clearSelection() {
      set({ selected: [] });
    },
    dispose: () => unsubscribe(),
  }));
  // Keys plugged or pulled out: the list follows, and a key pulled out is no longer chosen.
  const unsubscribe = api.onEvent((event) => {
    if (event.type === 'drives')
      store.setState((s) => ({ drives: event.drives, loaded: true, selected: keepPresent(event.drives, s) }));
  });
  return store;
}
