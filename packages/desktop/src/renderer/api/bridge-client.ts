import { desktopApiContract, type DesktopApi } from '@pnc/shared';
import { toPncError } from './errors.js';

/**
 * The desktop API exposed by the Electron preload (`window.pnc`). Its failures arrive as plain
 * objects (contextBridge drops an Error's own fields); this turns them back into PncErrors.
 */
export function fromPreload(bridge: DesktopApi): DesktopApi {
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(desktopApiContract)) {
    const call = bridge[method as keyof typeof desktopApiContract] as (input: unknown) => Promise<unknown>;
    api[method] = (input: unknown) => call(input).catch((e: unknown) => Promise.reject(toPncError(e)));
  }
  api.onEvent = bridge.onEvent;
  return api as DesktopApi;
}
