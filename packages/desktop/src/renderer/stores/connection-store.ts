import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiErrorBody, ConnectionState, DesktopApi, DiscoveredServer } from '@pnc/shared';
import { toApiError } from '../api/errors.js';

export type ConnectionAction = 'connect' | 'signIn' | 'changePassword' | 'signOut';

export interface ConnectionStoreState {
  /** Null until the first answer. */
  connection: ConnectionState | null;
  /** When `connection` arrived (ms): content age grows from there. */
  receivedAt: number;
  /** The action under way; one at a time. */
  pending: ConnectionAction | null;
  /** The last action that failed outright (bad address, wrong password, agent gone). */
  failure: ApiErrorBody | null;
  /** Servers found on the LAN by the last search (the last one used included). */
  discovered: DiscoveredServer[];
  discovering: boolean;
  load(): Promise<void>;
  /** Searches the LAN; resolves when the search is over (a few seconds at most). */
  discover(): Promise<void>;
  /** Each action resolves true when it succeeded. */
  connect(url: string): Promise<boolean>;
  signIn(username: string, password: string): Promise<boolean>;
  changePassword(currentPassword: string, newPassword: string): Promise<boolean>;
  signOut(): Promise<boolean>;
  /** Stops listening to pushed connection events. */
  dispose(): void;
}

type Connected = ConnectionState & { server: NonNullable<ConnectionState['server']> };

export function isConnected(c: ConnectionState | null): c is Connected {
  return c !== null && c.server !== null && c.error === null;
}

/** Where the wizard stands: a server first, then a user who may work, then the vehicle. */
export function stepFor(c: ConnectionState | null): 'server' | 'signIn' | 'vehicle' {
  if (!isConnected(c)) return 'server';
  if (c.user === null || c.user.mustChangePassword) return 'signIn';
  return 'vehicle';
}

/** The error to show about the connection, if any. */
export function connectionProblem(
  s: Pick<ConnectionStoreState, 'connection' | 'failure'>,
): { code: string; details?: Record<string, unknown> } | null {
  return s.failure ?? s.connection?.error ?? null;
}

export function createConnectionStore(
  api: DesktopApi,
  now: () => number = Date.now,
): StoreApi<ConnectionStoreState> {
  let disposed = false;
  const store = createStore<ConnectionStoreState>()((set, get) => {
    const run = async (action: ConnectionAction, call: () => Promise<ConnectionState>): Promise<boolean> => {
      if (get().pending !== null) return false;
      set({ pending: action, failure: null });
      try {
        set({ connection: await call(), receivedAt: now() });
        return true;
      } catch (e) {
        set({ failure: toApiError(e) });
        return false;
      } finally {
        set({ pending: null });
      }
    };
    return {
      connection: null,
      receivedAt: 0,
      pending: null,
      failure: null,
      discovered: [],
      discovering: false,
      async discover() {
        if (get().discovering) return;
        set({ discovering: true });
        try {
          set({ discovered: await api.discoverServers({}) });
        } catch {
          // Searching is a convenience: the address can always be typed.
          set({ discovered: [] });
        } finally {
          set({ discovering: false });
        }
      },
      async load() {
        try {
          set({ connection: await api.getConnection({}), receivedAt: now(), failure: null });
        } catch (e) {
          set({ failure: toApiError(e) });
          return;
        }
        // The core may still be connecting to the server it was started with, or verifying its
        // content: its answer could come before this page listened to events, so ask again (in the
        // background) until it is settled.
        const settled = (c: ConnectionState | null) => c?.serverUrl !== null && !c?.activity;
        void (async () => {
          for (let i = 0; i < 40 && !disposed; i++) {
            await new Promise((r) => setTimeout(r, 1_500));
            if (disposed || settled(get().connection) || get().pending !== null) return;
            try {
              set({ connection: await api.getConnection({}), receivedAt: now() });
            } catch {
              return;
            }
          }
        })();
      },
      connect: (url) => run('connect', () => api.connect({ url: url.trim() })),
      signIn: (username, password) =>
        run('signIn', () => api.signIn({ username: username.trim(), password })),
      changePassword: (currentPassword, newPassword) =>
        run('changePassword', () => api.changePassword({ currentPassword, newPassword })),
      signOut: () => run('signOut', () => api.signOut({})),
      dispose: () => {
        disposed = true;
        unsubscribe();
      },
    };
  });
  // The core also changes the connection by itself (reconnecting at start, a session ending).
  const unsubscribe = api.onEvent((event) => {
    if (event.type === 'connection') store.setState({ connection: event.state, receivedAt: now() });
  });
  return store;
}
