import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { desktopApiContract, type ApiErrorBody, type DesktopApi, type DesktopEvent } from '@pnc/shared';
import { EVENT_CHANNEL, RPC_CHANNEL } from './channels.js';

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
  // Names only: the main process validates inputs and outputs against the contract.
  for (const method of Object.keys(desktopApiContract)) {
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
