import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiErrorBody, ConnectionState, DesktopApi } from '@pnc/shared';
import { toApiError } from '../api/errors.js';

export interface ConnectionStoreState {
  /** Null until the first answer. */
  connection: ConnectionState | null;
  /** When `connection` arrived (ms): content age grows from there. */
  receivedAt: number;
  connecting: boolean;
  /** A call that failed outright (bad address, agent gone); a server that failed is `connection.error`. */
  failure: ApiErrorBody | null;
  load(): Promise<void>;
  connect(url: string): Promise<void>;
  /** Stops listening to pushed connection events. */
  dispose(): void;
}

export function isConnected(c: ConnectionState | null): c is ConnectionState & { server: NonNullable<ConnectionState['server']> } {
  return c !== null && c.server !== null && c.error === null;
}

/** The error to show about the connection, if any. */
export function connectionProblem(s: Pick<ConnectionStoreState, 'connection' | 'failure'>): ApiErrorBody | { code: string; message: string } | null {
  return s.failure ?? s.connection?.error ?? null;
}

export function createConnectionStore(api: DesktopApi, now: () => number = Date.now): StoreApi<ConnectionStoreState> {
  const store = createStore<ConnectionStoreState>()((set, get) => ({
    connection: null,
    receivedAt: 0,
    connecting: false,
    failure: null,
    async load() {
      try {
        set({ connection: await api.getConnection({}), receivedAt: now(), failure: null });
      } catch (e) {
        set({ failure: toApiError(e) });
      }
    },
    async connect(url) {
      if (get().connecting) return;
      set({ connecting: true, failure: null });
      try {
        set({ connection: await api.connect({ url: url.trim() }), receivedAt: now() });
      } catch (e) {
        set({ failure: toApiError(e) });
      } finally {
        set({ connecting: false });
      }
    },
    dispose: () => unsubscribe(),
  }));
  // The core also changes the connection by itself (reconnecting at start, content refreshed).
  const unsubscribe = api.onEvent((event) => {
    if (event.type === 'connection') store.setState({ connection: event.state, receivedAt: now() });
  });
  return store;
}
