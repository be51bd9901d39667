import type { DesktopApi } from '@pnc/shared';
import { createAgentClient } from './agent-client.js';
import { takeAgentToken } from './agent-token.js';
import { fromPreload } from './bridge-client.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    pnc?: DesktopApi;
  }
}

/**
 * The transport: the Electron preload when running in the app, else the local agent that
 * served this page. Null when the page was opened without the agent's token.
 */
export function pickDesktopApi(win: Window): DesktopApi | null {
  if (win.pnc) return fromPreload(win.pnc);
  const token = takeAgentToken({ location: win.location, storage: win.sessionStorage, history: win.history });
  if (token === null) return null;
  return createAgentClient({
    baseUrl: win.location.origin,
    token,
    fetch: win.fetch.bind(win),
    openEvents: (url, onData) => {
      const source = new EventSource(url);
      source.onmessage = (message: MessageEvent<string>) => onData(message.data);
      return () => source.close();
    },
  });
}
