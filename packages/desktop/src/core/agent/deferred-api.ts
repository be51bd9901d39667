import { desktopApiContract, type DesktopApi, type DesktopEvent, type DesktopMethod } from '@pnc/shared';

/**
 * A DesktopApi whose calls wait for the real one: the agent listens (and the browser loads the
 * page) while the service and its dependencies are still loading.
 */
export function deferredApi(service: Promise<DesktopApi>): DesktopApi {
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(desktopApiContract) as DesktopMethod[]) {
    api[method] = async (input: unknown) => {
      const s = await service;
      return (s[method] as (input: unknown) => Promise<unknown>).call(s, input);
    };
  }
  api.onEvent = (listener: (event: DesktopEvent) => void) => {
    let off: (() => void) | null = null;
    let stopped = false;
    service.then(
      (s) => {
        if (!stopped) off = s.onEvent(listener);
      },
      () => undefined,
    );
    return () => {
      stopped = true;
      off?.();
    };
  };
  return api as unknown as DesktopApi;
}
