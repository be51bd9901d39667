import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { DesktopApi } from '@pnc/shared';
import { createDispatcher, settle, type RpcReply } from '../core/rpc/dispatch.js';
import { EVENT_CHANNEL, RPC_CHANNEL } from '../preload/channels.js';

export interface DesktopIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  api: DesktopApi;
  /** Where pushed events go: the app's windows. */
  webContents: () => Iterable<Pick<WebContents, 'send' | 'isDestroyed'>>;
  /** Only our own page may call: a frame that navigated elsewhere (or an iframe) must not. */
  isTrustedSender: (frameUrl: string) => boolean;
  onUnexpectedError?: (method: string, error: unknown) => void;
}

/**
 * Serves the desktop API over Electron IPC: `invoke('pnc:rpc', method, input)` answers a reply
 * envelope, and every DesktopEvent is sent on 'pnc:event'. Returns the function that unwires it.
 */
export function wireDesktopIpc(options: DesktopIpcOptions): () => void {
  const dispatch = createDispatcher(
    options.api,
    options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {},
  );
  options.ipcMain.handle(
    RPC_CHANNEL,
    async (event: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<RpcReply> => {
      if (!options.isTrustedSender(event.senderFrame?.url ?? '')) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use the desktop API.' } };
      }
      return settle(dispatch, typeof method === 'string' ? method : String(method), input);
    },
  );
  const unsubscribe = options.api.onEvent((event) => {
    for (const contents of options.webContents()) {
      if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
    }
  });
  return () => {
    unsubscribe();
    options.ipcMain.removeHandler(RPC_CHANNEL);
  };
}
