/** Messages between the sync (main thread) and its download threads. Types only. */
import type { BlobRef } from './downloader.js';

export interface DownloadWorkerData {
  dataDir: string;
  idleTimeoutMs: number | undefined;
  /** Whether the bandwidth cap is in force when the thread starts (updates follow as `limited`). */
  limited: boolean;
}

export type ToWorker =
  | { type: 'download'; id: number; ref: BlobRef; url: string; retryDelayMs?: number }
  | { type: 'abort'; id: number }
  /** Every blob this thread verified is fsynced, renamed into the store, and its folder fsynced. */
  | { type: 'settle'; id: number }
  | { type: 'limited'; value: boolean }
  | { type: 'took'; id: number }
  /** Finish the background commits, then stop. */
  | { type: 'close' };

/** A failure carried across threads: a PncError (code) or a system error (errno code). */
export interface WireError {
  pnc: boolean;
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

export type FromWorker =
  | { type: 'done'; id: number; received: number }
  | { type: 'failed'; id: number; error: WireError }
  | { type: 'bytes'; n: number; how: 'resumed' | 'downloaded' }
  | { type: 'take'; id: number; n: number }
  | { type: 'closed' };
