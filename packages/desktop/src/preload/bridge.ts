import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { ApiErrorBody, DesktopApi, DesktopEvent, DesktopMethod } from '@pnc/shared';
import { EVENT_CHANNEL, RPC_CHANNEL } from './channels.js';

/**
 * The contract's method names, checked against DesktopMethod by the compiler (a missing or extra
 * name fails to build). Spelled out rather than read from the contract so the sandboxed preload
 * does not carry zod and the schemas: the main process validates everything anyway.
 */
const METHODS = {
  getConnection: true,
  connect: true,
  signIn: true,
  changePassword: true,
  signOut: true,
  checkVehicle: true,
} as const satisfies Record<DesktopMethod, true>;

type Reply = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

/**
 * What a failed call rejects with. A plain object, not an Error: contextBridge copies only the
 * message of an Error and drops `code` and `details`, which the UI needs. The `name` lets
 * `isPncError` recognise it on the other side.
 */
export interface BridgedError extends ApiErrorBody {
  name: 'PncError';
}

export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

/** The object exposed as `window.pnc`: one function per contract method, plus `onEvent`. */
export function createPreloadApi(ipc: IpcRendererLike): DesktopApi {
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(METHODS)) {
    api[method] = async (input: unknown) => {
      const reply = (await ipc.invoke(RPC_CHANNEL, method, input)) as Reply;
      if (reply.ok) return reply.result;
      const error: BridgedError = { name: 'PncError', ...reply.error };
      throw error;
    };
  }
  api.onEvent = (listener: (event: DesktopEvent) => void) => {
    const forward = (_event: IpcRendererEvent, payload: DesktopEvent) => listener(payload);
    ipc.on(EVENT_CHANNEL, forward);
    return () => {
      ipc.removeListener(EVENT_CHANNEL, forward);
    };
  };
  return api as DesktopApi;
}
