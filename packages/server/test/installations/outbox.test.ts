import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { outboxBacklog } from '../../src/db/installations.js';
import { recordConfirmation } from '../../src/installations/confirmations.js';
import { createOutboxUploader } from '../../src/installations/outbox-uploader.js';
import { quietLog, tempDir } from '../helpers/mirror-fixtures.js';

type Mode = 'fail' | 'ok' | { maxBatch: number };

/** The carmaker's confirmation endpoint, for real over HTTP, in whatever mood the test sets. */
async function carmakerEndpoint() {
  const received: string[] = [];
  const batches: number[] = [];
  let mode: Mode = 'fail';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const { confirmations } = JSON.parse(body) as { confirmations: Array<{ id: string }> };
      batches.push(confirmations.length);
      if (mode === 'fail') return res.writeHead(503).end();
      if (typeof mode === 'object' && confirmations.length > mode.maxBatch) return res.writeHead(413).end();
      received.push(...confirmations.map((c) => c.id));
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/confirmations`,
    received,
    batches,
    set: (m: Mode) => (mode = m),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function confirm(db: Db, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    ids.push(id);
    recordConfirmation(
      db,
      {
        id,
        vin: 'VF1RFB00X68234567',
        packageIds: ['P'],
        outcome: 'SUCCESS',
        installedAt: new Date().toISOString(),
      },
      'tech',
      null,
    );
  }
  return ids;
}

describe('outbox to the carmaker', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('keeps everything while the endpoint fails, then delivers each confirmation once, halving batches on 413', async () => {
    const tmp = tempDir('outbox');
    cleanups.push(tmp.cleanup);
    const db = openDatabase(join(tmp.path, 'pnc.sqlite'));
    cleanups.push(() => db.close());
    const endpoint = await carmakerEndpoint();
    cleanups.push(endpoint.close);
    let clock = Date.now();
    const outbox = createOutboxUploader({
      db,
      url: endpoint.url,
      dealerCode: 'T-1',
      log: quietLog,
      batchSize: 16,
      now: () => new Date(clock),
    });
    cleanups.push(() => outbox.stop());
    const ids = confirm(db, 40);
    clock = Date.now() + 1000;

    expect(await outbox.flush()).toBe(0);
    expect(outboxBacklog(db)).toMatchObject({ pending: 40, sent: 0 });
    expect(outboxBacklog(db).lastError).toContain('503');

    // The uploader stops at the first failure (no hammering); the rest go on the next tick,
    // then everything waits for its backoff: nothing is retried before its next attempt time.
    for (let i = 0; i < 2; i++) expect(await outbox.flush()).toBe(0); // batches 2 and 3 of 16/16/8
    const before = endpoint.batches.length;
    expect(await outbox.flush()).toBe(0);
    expect(endpoint.batches.length).toBe(before);

    endpoint.set({ maxBatch: 5 });
    clock += 60 * 60_000;
    expect(await outbox.flush()).toBe(40);
    expect(new Set(endpoint.received).size).toBe(40);
    expect(endpoint.received.length).toBe(40);
    expect(endpoint.received.sort()).toEqual([...ids].sort());
    expect(endpoint.batches).toContain(8); // 16 → 413 → 8 → 413 → 4 accepted
    expect(outboxBacklog(db)).toMatchObject({ pending: 0, sent: 40 });

    // Nothing is sent twice.
    clock += 60 * 60_000;
    endpoint.set('ok');
    expect(await outbox.flush()).toBe(0);
    expect(endpoint.received.length).toBe(40);
  });

  it('survives a reopen of the database: the backlog is still there', async () => {
    const tmp = tempDir('outbox2');
    cleanups.push(tmp.cleanup);
    const file = join(tmp.path, 'pnc.sqlite');
    const db1 = openDatabase(file);
    confirm(db1, 3);
    db1.close();
    const db2 = openDatabase(file);
    cleanups.push(() => db2.close());
    expect(outboxBacklog(db2).pending).toBe(3);
  });
});
