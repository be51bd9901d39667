import type { DesktopApi, DesktopEvent } from '@pnc/shared';

/**
 * A DesktopApi whose calls wait for the real one: the agent listens (and the browser loads the
 * page) while the service and its dependencies are still loading. It names no method itself, so
 * the agent serves the page without loading the contract's schemas: the dispatcher checks a
 * method against the contract before calling it here.
 */
export function deferredApi(service: Promise<DesktopApi>): DesktopApi {
  const onEvent = (listener: (event: DesktopEvent) => void) => {
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
  const methods = new Map<string, (input: unknown) => Promise<unknown>>();
  return new Proxy({} as DesktopApi, {
    get(_target, name) {
      if (name === 'onEvent') return onEvent;
      // Not a thenable, whatever awaits it.
      if (typeof name !== 'string' || name === 'then') return undefined;
      let method = methods.get(name);
      if (!method) {
        method = async (input: unknown) => {
          const s = await service;
          const real = (s as unknown as Record<string, unknown>)[name];
          if (typeof real !== 'function') throw new TypeError(`The desktop service has no method "${name}"`);
          return (real as (input: unknown) => Promise<unknown>).call(s, input);
        };
        methods.set(name, method);
      }
      return method;
    },
  });
}
