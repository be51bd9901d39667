import type { ServerResponse } from 'node:http';
import type { DesktopApi, DesktopEvent } from '@pnc/shared';

/**
 * One server-sent-events stream: every DesktopEvent as a `data:` line, and a comment line at each
 * heartbeat so proxies and the browser keep an idle connection open and a dead one is noticed.
 * Returns the function that ends the stream (also called when the client goes away).
 */
export function streamEvents(api: DesktopApi, res: ServerResponse, heartbeatMs: number): () => void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-content-type-options': 'nosniff',
  });
  // Tells EventSource how soon to reconnect, and flushes the headers at once.
  res.write('retry: 2000\n\n');
  const unsubscribe = api.onEvent((event: DesktopEvent) => {
    res.write(`data: ${JSON.stringify(event)}\n\n`);
  });
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  res.on('close', end);
  return end;
}
