/**
 * The sync's blob downloads on worker threads. Each blob is read from its socket, hashed, written
 * and fsynced by one thread, start to end (no bytes cross threads); the main thread only hands
 * out blobs and counts progress. Why: on one thread a LAN-speed sync kept the box's event loop
 * ≈ 90 % busy (sha256, socket reads, the writes' hand-offs) — the same loop that answers the
 * workstations' API calls and blob requests during a nightly sync — and used one core of the box.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PncError } from '@pnc/shared/errors';
import type { Throttle } from '../mirror/bandwidth.js';
import type { DownloadWorkerData, FromWorker, ToWorker, WireError } from './download-protocol.js';
import type { BlobRef } from './downloader.js';

export interface DownloadWorkersOptions {
  dataDir: string;
  /** Downloads that may run at once; threads = min(this, the box's cores). */
  parallel: number;
  idleTimeoutMs?: number;
  throttle?: Throttle;
  retryDelayMs?: number;
  onBytes?: (n: number, how: 'resumed' | 'downloaded') => void;
}

/** How often the bandwidth cap's windows are looked at (the Throttle re-reads them every 10 s). */
const LIMIT_CHECK_MS = 5_000;

interface Job {
  resolve: (received: number) => void;
  reject: (e: unknown) => void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Set when the thread died: every later job on it fails with this. */
  dead: Error | null;
  closed: Promise<void>;
}

function fromWire(e: WireError): Error {
  if (e.pnc) return new PncError(e.code as never, e.message, e.details);
  return Object.assign(new Error(e.message), e.code ? { code: e.code } : {});
}

/**
 * The compiled worker next to this file. Run from the TypeScript sources (the tests), the thread
 * first registers tsx's loader through its ESM API (`--import tsx` in a Worker's execArgv does not
 * reach the entry, and the API's CommonJS build fails from a worker's eval code).
 */
function startWorker(workerData: DownloadWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./download-worker.js', import.meta.url), { workerData });
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest).exports['./esm/api'].import.default;
  const tsx = pathToFileURL(join(dirname(manifest), api)).href;
  const entry = new URL('./download-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`;
  return new Worker(boot, { eval: true, workerData });
}

interface TsxManifest {
  exports: { './esm/api': { import: { default: string } } };
}

export class DownloadWorkers {
  private readonly threads: Thread[];
  private nextId = 0;
  private readonly limitTimer: NodeJS.Timeout | null;
  private limited: boolean;

  constructor(private readonly o: DownloadWorkersOptions) {
    const count = Math.max(1, Math.min(o.parallel, availableParallelism()));
    this.limited = o.throttle?.currentLimit() != null;
    const data: DownloadWorkerData = {
      dataDir: o.dataDir,
      idleTimeoutMs: o.idleTimeoutMs,
      limited: this.limited,
    };
    this.threads = Array.from({ length: count }, () => this.start(data));
    this.limitTimer = o.throttle ? setInterval(() => this.checkLimit(), LIMIT_CHECK_MS).unref() : null;
  }

  get threadCount(): number {
    return this.threads.length;
  }

  private start(data: DownloadWorkerData): Thread {
    const worker = startWorker(data);
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    const t: Thread = { worker, jobs: new Map(), dead: null, closed };
    worker.on('message', (m: FromWorker) => this.onMessage(t, m, closedResolve));
    const fail = (e: Error): void => {
      t.dead ??= e;
      for (const j of t.jobs.values()) j.reject(e);
      t.jobs.clear();
      closedResolve();
    };
    worker.on('error', (e) => fail(new PncError('INTERNAL', `A download thread failed: ${e.message}`)));
    worker.on('exit', (code) =>
      fail(new PncError('INTERNAL', `A download thread stopped (exit code ${code}).`)),
    );
    return t;
  }

  private onMessage(t: Thread, m: FromWorker, closed: () => void): void {
    switch (m.type) {
      case 'bytes':
        this.o.onBytes?.(m.n, m.how);
        break;
      case 'take': {
        const reply = (): void => this.send(t, { type: 'took', id: m.id });
        if (this.o.throttle) this.o.throttle.take(m.n).then(reply, reply);
        else reply();
        break;
      }
      case 'done':
      case 'failed': {
        const job = t.jobs.get(m.id);
        t.jobs.delete(m.id);
        if (m.type === 'done') job?.resolve(m.received);
        else job?.reject(fromWire(m.error));
        break;
      }
      case 'closed':
        closed();
        break;
    }
  }

  private send(t: Thread, m: ToWorker): void {
    if (!t.dead) t.worker.postMessage(m);
  }

  private checkLimit(): void {
    const limited = this.o.throttle?.currentLimit() != null;
    if (limited === this.limited) return;
    this.limited = limited;
    for (const t of this.threads) this.send(t, { type: 'limited', value: limited });
  }

  private call(t: Thread, m: (id: number) => ToWorker, signal?: AbortSignal): Promise<number> {
    if (t.dead) return Promise.reject(t.dead);
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => this.send(t, { type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      t.jobs.set(id, {
        resolve: (n) => (done(), resolve(n)),
        reject: (e) => (done(), reject(e)),
      });
      this.send(t, m(id));
      if (signal?.aborted) onAbort();
    });
  }

  /**
   * Downloads one blob into the store on the least busy thread (as `downloadBlob` with background
   * commits does); resolves with the bytes received. `settle()` before relying on the blob.
   */
  download(ref: BlobRef, url: string, signal?: AbortSignal): Promise<number> {
    // A thread that died (a bug, or out of memory) takes no more blobs while others live.
    const live = this.threads.filter((x) => !x.dead);
    const t = (live.length ? live : this.threads).reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const retry = this.o.retryDelayMs;
    return this.call(
      t,
      (id) => ({ type: 'download', id, ref, url, ...(retry !== undefined ? { retryDelayMs: retry } : {}) }),
      signal,
    );
  }

  /** Every blob downloaded so far is in the store and on disk; throws the first failure. */
  async settle(): Promise<void> {
    await Promise.all(this.threads.map((t) => this.call(t, (id) => ({ type: 'settle', id }))));
  }

  /** Lets the threads finish their background fsyncs, then stops them. Never throws. */
  async close(): Promise<void> {
    if (this.limitTimer) clearInterval(this.limitTimer);
    for (const t of this.threads) this.send(t, { type: 'close' });
    await Promise.all(this.threads.map((t) => t.closed));
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
