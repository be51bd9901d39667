import { DesktopEvent, desktopApiContract, PncError, type DesktopApi } from '@pnc/shared';
import { toPncError } from './errors.js';

/**
 * Opens a server-sent-events stream and hands each message's data to `onData`; returns the
 * function that closes it. The browser's EventSource in the app (it also reconnects by itself).
 */
export type OpenEventStream = (url: string, onData: (data: string) => void) => () => void;

export interface AgentClientOptions {
  /** The agent's origin, e.g. `http://127.0.0.1:5123`. */
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
  openEvents: OpenEventStream;
}

/** The desktop API spoken over the local agent's HTTP endpoints (browser mode). */
export function createAgentClient(options: AgentClientOptions): DesktopApi {
  const { baseUrl, token } = options;
  const listeners = new Set<(event: DesktopEvent) => void>();
  let closeStream: (() => void) | null = null;

  const call = async (method: string, input: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await options.fetch(`${baseUrl}/rpc/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input === undefined ? {} : input),
      });
    } catch {
      throw new PncError(
        'INTERNAL',
        "The local Plug'nConnect agent does not answer: it may have been stopped.",
      );
    }
    const reply = (await response.json().catch(() => null)) as {
      ok: boolean;
      result?: unknown;
      error?: unknown;
    } | null;
    if (reply?.ok === true) return reply.result;
    throw toPncError(reply?.error);
  };

  const api: Record<string, unknown> = {};
  for (const method of Object.keys(desktopApiContract)) api[method] = (input: unknown) => call(method, input);

  // One stream for all listeners, open only while someone listens.
  api.onEvent = (listener: (event: DesktopEvent) => void) => {
    listeners.add(listener);
    closeStream ??= options.openEvents(`${baseUrl}/events?token=${encodeURIComponent(token)}`, (data) => {
      let parsed: ReturnType<typeof DesktopEvent.safeParse>;
      try {
        parsed = DesktopEvent.safeParse(JSON.parse(data));
      } catch {
        return;
      }
      if (parsed.success) for (const l of listeners) l(parsed.data);
    });
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && closeStream !== null) {
        closeStream();
        closeStream = null;
      }
    };
  };
  return api as DesktopApi;
}
