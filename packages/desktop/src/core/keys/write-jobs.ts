import { randomUUID } from 'node:crypto';
import {
  isPncError,
  PncError,
  type JobState,
  type KeyRecord,
  type KeyTarget,
  type VehicleInfo,
} from '@pnc/shared';
import type { BlockTarget } from '../fat32/index.js';
import type { ServerClient } from '../server/server-client.js';
import type { VerifiedCatalog } from '../trust/verified-catalog.js';
import { APP } from '../version.js';
import type { KeyLedger } from './key-ledger.js';
import { writeKey, type WriteProgress } from './write-key.js';

export interface JobContext {
  client: ServerClient;
  serverName: string;
  verified: VerifiedCatalog;
  vehicle: VehicleInfo;
  /** Runs the drive guards and opens the key; answers its size in bytes too. */
  open: (
    target: KeyTarget,
  ) => Promise<{ volumeBytes: number; openTarget: () => Promise<BlockTarget>; label: string }>;
}

/** Progress events at most this often: enough for a smooth bar, not a flood over IPC. */
const EMIT_EVERY_MS = 200;

/**
 * Runs key writes in the background, one job per key, reporting progress and recording each
 * finished key in the ledger as awaiting confirmation. A failed or cancelled key never enters it.
 */
export function createWriteJobs(ledger: KeyLedger, emit: (job: JobState) => void, onKeysChanged: () => void) {
  const jobs = new Map<string, { state: JobState; controller: AbortController; lastEmit: number }>();

  function update(id: string, patch: Partial<JobState>, force = false) {
    const j = jobs.get(id)!;
    j.state = { ...j.state, ...patch };
    const t = performance.now();
    if (force || t - j.lastEmit >= EMIT_EVERY_MS) {
      j.lastEmit = t;
      emit(j.state);
    }
  }

  async function run(id: string, ctx: JobContext): Promise<void> {
    const j = jobs.get(id)!;
    const { target, packageIds } = j.state;
    try {
      const opened = await ctx.open(target);
      const result = await writeKey({
        client: ctx.client,
        serverName: ctx.serverName,
        verified: ctx.verified,
        vehicle: ctx.vehicle,
        packageIds,
        volumeBytes: opened.volumeBytes,
        openTarget: opened.openTarget,
        app: APP,
        signal: j.controller.signal,
        onProgress: (p: WriteProgress) =>
          update(
            id,
            {
              phase: p.phase,
              bytesDone: p.bytesDone,
              bytesTotal: p.bytesTotal,
              bytesPerSecond: p.bytesPerSecond,
              etaSeconds: p.etaSeconds,
            },
            p.phase !== j.state.phase,
          ),
      });
      const record: KeyRecord = {
        keyId: result.keyId,
        vin: ctx.vehicle.vin,
        headUnit: ctx.vehicle.headUnit ?? null,
        packages: packageIds.map((pid) => {
          const p = ctx.verified.catalog.packages.find((x) => x.id === pid)!;
          return { id: p.id, kind: p.kind, version: p.version, title: p.title };
        }),
        target: opened.label,
        writtenAt: new Date().toISOString(),
        status: 'awaiting-confirmation',
        confirmation: null,
      };
      await ledger.add(record);
      update(id, { phase: 'done', keyId: result.keyId, etaSeconds: 0 }, true);
      onKeysChanged();
    } catch (e) {
      const cancelled = j.controller.signal.aborted;
      const err = isPncError(e) ? e : new PncError('WRITE_FAILED', (e as Error).message);
      update(
        id,
        {
          phase: cancelled ? 'cancelled' : 'failed',
          error: cancelled
            ? { code: 'WRITE_CANCELLED', message: 'Cancelled: this key is incomplete and must not be used.' }
            : { code: err.code, message: err.message },
          etaSeconds: null,
        },
        true,
      );
    }
  }

  return {
    start(req: { vin: string; packageIds: string[]; target: KeyTarget }, ctx: JobContext): JobState {
      const busy = [...jobs.values()].find(
        (j) =>
          !['done', 'failed', 'cancelled'].includes(j.state.phase) && sameTarget(j.state.target, req.target),
      );
      if (busy)
        throw new PncError('CONFLICT', 'This key is already being written.', { jobId: busy.state.jobId });
      const jobId = randomUUID();
      const state: JobState = {
        jobId,
        vin: req.vin,
        packageIds: req.packageIds,
        target: req.target,
        phase: 'preparing',
        bytesDone: 0,
        bytesTotal: 0,
        bytesPerSecond: 0,
        etaSeconds: null,
        error: null,
        keyId: null,
        startedAt: new Date().toISOString(),
      };
      jobs.set(jobId, { state, controller: new AbortController(), lastEmit: 0 });
      emit(state);
      void run(jobId, ctx);
      return state;
    },
    cancel(jobId: string): JobState {
      const j = jobs.get(jobId);
      if (!j) throw new PncError('NOT_FOUND', 'No such write job.');
      j.controller.abort();
      return j.state;
    },
    list(): JobState[] {
      return [...jobs.values()].map((j) => j.state);
    },
    /** Cancels everything still running (app closing). */
    async close(): Promise<void> {
      for (const j of jobs.values()) j.controller.abort();
    },
  };
}

function sameTarget(a: KeyTarget, b: KeyTarget): boolean {
  return (
    a.kind === b.kind &&
    (a.kind === 'device'
      ? a.device === (b as typeof a).device
      : a.path === (b as Extract<KeyTarget, { kind: 'image' }>).path)
  );
}
