import { createStore, type StoreApi } from 'zustand/vanilla';

/** The wizard's steps once signed in; the server and sign-in steps come from the connection. */
export const WORK_STEPS = ['vehicle', 'updates', 'key', 'writing', 'car', 'confirm'] as const;
export type WorkStep = (typeof WORK_STEPS)[number];

/** The other screens, reachable at any time from the header. */
export type View = 'wizard' | 'keys' | 'history' | 'status' | 'settings';

export interface NavStoreState {
  view: View;
  step: WorkStep;
  /** The keys the confirm step is about (the ones just written, or one picked from the list). */
  confirmKeyIds: string[];
  show(view: View): void;
  go(step: WorkStep): void;
  /** Opens the confirm step for these keys. */
  confirmKeys(keyIds: string[]): void;
  /** Back to the vehicle step for the next car. */
  restart(): void;
}

/** Where the technician is: plain navigation state, no API. */
export function createNavStore(): StoreApi<NavStoreState> {
  return createStore<NavStoreState>()((set) => ({
    view: 'wizard',
    step: 'vehicle',
    confirmKeyIds: [],
    show: (view) => set({ view }),
    go: (step) => set({ step, view: 'wizard' }),
    confirmKeys: (keyIds) => set({ confirmKeyIds: keyIds, step: 'confirm', view: 'wizard' }),
    restart: () => set({ step: 'vehicle', view: 'wizard', confirmKeyIds: [] }),
  }));
}
