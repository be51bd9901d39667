import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiErrorBody, DesktopApi, DesktopInput, JobState } from '@pnc/shared';
import { toApiError } from '../api/errors.js';

export interface JobsStoreState {
  /** The write this screen follows (the last one started), as the core last reported it. */
  job: JobState | null;
  /** When `job.bytesDone` last grew (ms): no growth for a while means the server went quiet. */
  progressAt: number;
  starting: boolean;
  cancelling: boolean;
  /** A write refused before it began (a key refused, the session ended…). */
  failure: ApiErrorBody | null;
  start(input: DesktopInput<'startWrite'>): Promise<boolean>;
  cancel(): Promise<void>;
  /** Finds a write still running (the page was reloaded while writing). */
  load(): Promise<void>;
  /** Forgets the finished write (a new vehicle). */
  reset(): void;
  dispose(): void;
}

const FINISHED: ReadonlySet<JobState['phase']> = new Set(['done', 'failed', 'cancelled']);
export const isFinished = (job: JobState | null) => job !== null && FINISHED.has(job.phase);

/** Keys of a job that were written and verified, and those that were not. */
export function keyOutcomes(job: JobState): { good: JobState['keys']; bad: JobState['keys'] } {
  return {
    good: job.keys.filter((k) => k.phase === 'done' && k.keyId !== null),
    bad: job.keys.filter((k) => k.phase === 'failed' || (FINISHED.has(job.phase) && k.phase !== 'done')),
  };
}

export function createJobsStore(api: DesktopApi, now: () => number = Date.now): StoreApi<JobsStoreState> {
  // The last state of each job seen in events: a write refused at once (a key too small) may
  // report its end before startWrite has even answered.
  const seen = new Map<string, JobState>();
  const store = createStore<JobsStoreState>()((set, get) => ({
    job: null,
    progressAt: 0,
    starting: false,
    cancelling: false,
    failure: null,
    async start(input) {
      if (get().starting || (get().job !== null && !isFinished(get().job))) return false;
      set({ starting: true, failure: null });
      try {
        const job = await api.startWrite(input);
        // An event may have brought a later state of this job already.
        set({ job: seen.get(job.jobId) ?? job, progressAt: now() });
        return true;
      } catch (e) {
        set({ failure: toApiError(e) });
        return false;
      } finally {
        set({ starting: false });
      }
    },
    async cancel() {
      const { job, cancelling } = get();
      if (!job || cancelling || isFinished(job)) return;
      set({ cancelling: true });
      try {
        await api.cancelWrite({ jobId: job.jobId });
      } catch (e) {
        set({ failure: toApiError(e) });
      } finally {
        set({ cancelling: false });
      }
    },
    async load() {
      try {
        const running = (await api.listJobs({})).filter((j) => !isFinished(j));
        const latest = running.sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
        if (latest && get().job === null) set({ job: latest, progressAt: now() });
      } catch {
        // Nothing to re-attach to.
      }
    },
    reset() {
      if (isFinished(get().job) || get().job === null) set({ job: null, failure: null });
    },
    dispose: () => unsubscribe(),
  }));
  const unsubscribe = api.onEvent((event) => {
    if (event.type !== 'job') return;
    seen.set(event.job.jobId, event.job);
    if (seen.size > 20) seen.delete(seen.keys().next().value!);
    const { job } = store.getState();
    // Only the write this workstation's screen started (or re-attached to) is followed.
    if (job === null || job.jobId !== event.job.jobId) return;
    store.setState({
      job: event.job,
      ...(event.job.bytesDone !== job.bytesDone || event.job.phase !== job.phase ? { progressAt: now() } : {}),
    });
  });
  return store;
}

/** Writing is most of the time; the read-back after it is quicker. */
const WRITE_SHARE = 0.8;

/** How far the whole job is, writing and read-back together: the bar never goes backwards. */
export function jobProgress(job: JobState): number {
  const total = job.bytesTotal || 1;
  switch (job.phase) {
    case 'preparing':
      return 0;
    case 'writing':
      return (WRITE_SHARE * job.bytesDone) / total;
    case 'verifying':
    case 'finalizing':
      return WRITE_SHARE + ((1 - WRITE_SHARE) * job.bytesDone) / total;
    case 'done':
      return 1;
    default:
      return (WRITE_SHARE * job.bytesDone) / total;
  }
}
