import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiErrorBody, DesktopApi, FailureReason, KeyRecord } from '@pnc/shared';
import { toApiError } from '../api/errors.js';

export interface KeysStoreState {
  /** Keys written on this workstation: awaiting confirmation first (as the core orders them), then history. */
  keys: KeyRecord[];
  loaded: boolean;
  failure: ApiErrorBody | null;
  /** The key whose confirmation is being recorded. */
  confirming: string | null;
  load(): Promise<void>;
  confirm(
    keyId: string,
    outcome: 'SUCCESS' | 'FAILURE',
    failureReason?: FailureReason,
    note?: string,
  ): Promise<boolean>;
  dispose(): void;
}

export const awaitingKeys = (keys: readonly KeyRecord[]) => keys.filter((k) => k.status === 'awaiting-confirmation');
export const historyKeys = (keys: readonly KeyRecord[]) =>
  [...keys].sort((a, b) => b.writtenAt.localeCompare(a.writtenAt));

export function createKeysStore(api: DesktopApi): StoreApi<KeysStoreState> {
  const store = createStore<KeysStoreState>()((set, get) => ({
    keys: [],
    loaded: false,
    failure: null,
    confirming: null,
    async load() {
      try {
        set({ keys: await api.listKeys({}), loaded: true, failure: null });
      } catch (e) {
        set({ loaded: true, failure: toApiError(e) });
      }
    },
    async confirm(keyId, outcome, failureReason, note) {
      if (get().confirming !== null) return false;
      set({ confirming: keyId, failure: null });
      try {
        const trimmed = note?.trim();
        const record = await api.confirmInstallation({
          keyId,
          outcome,
          ...(outcome === 'FAILURE' && failureReason ? { failureReason } : {}),
          ...(trimmed ? { note: trimmed } : {}),
        });
        set((s) => ({ keys: s.keys.map((k) => (k.keyId === keyId ? record : k)) }));
        return true;
      } catch (e) {
        set({ failure: toApiError(e) });
        return false;
      } finally {
        set({ confirming: null });
      }
    },
    dispose: () => unsubscribe(),
  }));
  const unsubscribe = api.onEvent((event) => {
    if (event.type === 'keys') store.setState({ keys: event.keys, loaded: true });
  });
  return store;
}
