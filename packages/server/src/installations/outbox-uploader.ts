import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { duePending, markFailed, markSent } from '../db/installations.js';

export interface OutboxOptions {
  db: Db;
  /** The carmaker's endpoint receiving confirmations (POST, JSON). */
  url: string;
  dealerCode: string;
  log: Logger;
  batchSize?: number;
  intervalMs?: number;
  now?: () => Date;
}

const MAX_BACKOFF_MS = 60 * 60_000;

/**
 * Uploads confirmations in batches with exponential backoff. Rows are only marked sent after a
 * 2xx, so nothing acknowledged is ever dropped; a 413 halves the batch. The carmaker endpoint
 * gets each confirmation's id and deduplicates the rare re-send after a crash between its 2xx
 * and our commit.
 */
export function createOutboxUploader(opts: OutboxOptions) {
  const now = opts.now ?? (() => new Date());
  const maxBatch = opts.batchSize ?? 50;
  let batch = maxBatch;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;
  let stopped = false;

  const backoff = (attempts: number) =>
    new Date(
      now().getTime() +
        Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** Math.min(attempts - 1, 20)) * (0.8 + Math.random() * 0.4),
    ).toISOString();

  async function flushOnce(): Promise<number> {
    let sent = 0;
    for (;;) {
      const due = duePending(opts.db, now().toISOString(), batch);
      if (due.length === 0 || stopped) return sent;
      const ids = due.map((d) => d.record.id);
      let status = 0;
      let error = '';
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': ids.join(',').slice(0, 200) },
          body: JSON.stringify({ dealerCode: opts.dealerCode, confirmations: due.map((d) => d.record) }),
          signal: AbortSignal.timeout(60_000),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        error = (e as Error).message;
      }
      if (status >= 200 && status < 300) {
        markSent(opts.db, ids, now().toISOString());
        sent += ids.length;
        batch = Math.min(maxBatch, batch * 2);
        continue;
      }
      if (status === 413 && batch > 1) {
        batch = Math.max(1, Math.floor(batch / 2));
        opts.log.warn({ batch }, 'carmaker endpoint refused the batch as too large; halving it');
        continue;
      }
      markFailed(opts.db, ids, error || `HTTP ${status}`, backoff);
      opts.log.warn({ status, error, count: ids.length }, 'confirmations not uploaded; will retry');
      return sent;
    }
  }

  const flush = (): Promise<number> => {
    running ??= flushOnce().finally(() => (running = null));
    return running;
  };

  return {
    flush,
    start() {
      const tick = () => {
        timer = setTimeout(() => {
          flush()
            .catch((err: unknown) => opts.log.error({ err }, 'outbox flush failed'))
            .finally(() => {
              if (!stopped) tick();
            });
        }, opts.intervalMs ?? 10_000);
      };
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
export type OutboxUploader = ReturnType<typeof createOutboxUploader>;
