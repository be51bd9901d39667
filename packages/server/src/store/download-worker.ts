/**
 * A download thread: runs `downloadBlob` (socket reads, sha256, file writes, background fsyncs)
 * for the blobs the sync hands it, off the box's main thread. See download-workers.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isPncError } from '@pnc/shared/errors';
import { OriginHttp } from '../mirror/origin-http.js';
import { BlobCommits } from './blob-commits.js';
import type { DownloadWorkerData, FromWorker, ToWorker, WireError } from './download-protocol.js';
import { downloadBlob } from './downloader.js';

/** Received bytes are reported in batches: a message per socket read would busy the main thread. */
const REPORT_EVERY = 8 * 1024 * 1024;

const port = parentPort!;
const data = workerData as DownloadWorkerData;
const http = new OriginHttp(data.idleTimeoutMs);
const commits = new BlobCommits(data.dataDir);
const aborts = new Map<number, AbortController>();
const takes = new Map<number, () => void>();
let limited = data.limited;
let nextTake = 0;
let unreported = 0;

const post = (m: FromWorker): void => port.postMessage(m);

function report(): void {
  if (unreported > 0) post({ type: 'bytes', n: unreported, how: 'downloaded' });
  unreported = 0;
}

/** The sync's one token bucket lives on the main thread: ask it only while a cap is in force. */
const throttle = {
  take(n: number): Promise<void> {
    if (!limited) return Promise.resolve();
    const id = nextTake++;
    return new Promise<void>((resolve) => {
      takes.set(id, resolve);
      post({ type: 'take', id, n });
    });
  },
};

function toWire(e: unknown): WireError {
  if (isPncError(e))
    return { pnc: true, code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  const code = (e as { code?: unknown }).code;
  return {
    pnc: false,
    message: (e as Error)?.message ?? String(e),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

async function download(m: Extract<ToWorker, { type: 'download' }>): Promise<void> {
  const abort = new AbortController();
  aborts.set(m.id, abort);
  try {
    if (commits.failure !== null) throw commits.failure;
    const received = await downloadBlob(m.ref, {
      dataDir: data.dataDir,
      http,
      url: m.url,
      throttle,
      signal: abort.signal,
      commits,
      syncWrites: true,
      ...(m.retryDelayMs !== undefined ? { retryDelayMs: m.retryDelayMs } : {}),
      onBytes: (n, how) => {
        if (how === 'resumed') return post({ type: 'bytes', n, how });
        unreported += n;
        if (unreported >= REPORT_EVERY) report();
      },
    });
    report();
    post({ type: 'done', id: m.id, received });
  } catch (e) {
    report();
    post({ type: 'failed', id: m.id, error: toWire(e) });
  } finally {
    aborts.delete(m.id);
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'download':
      void download(m);
      break;
    case 'abort':
      aborts.get(m.id)?.abort();
      break;
    case 'took':
      takes.get(m.id)?.();
      takes.delete(m.id);
      break;
    case 'limited':
      limited = m.value;
      break;
    case 'settle':
      commits.settle().then(
        () => post({ type: 'done', id: m.id, received: 0 }),
        (e: unknown) => post({ type: 'failed', id: m.id, error: toWire(e) }),
      );
      break;
    case 'close':
      // Nothing is left to report a failure to: the sync already settled (or failed) its blobs.
      void commits
        .idle()
        .then(() => http.close())
        .catch(() => undefined)
        .then(() => post({ type: 'closed' }));
      break;
  }
});
