import { randomUUID } from 'node:crypto';
import {
  isPncError,
  PncError,
  type JobState,
  type KeyRecord,
  type KeyTarget,
  type VehicleInfo,
} from '@pnc/shared';
import type { ServerClient } from '../server/server-client.js';
import { trustedVehicle, type VerifiedCatalog } from '../trust/verified-catalog.js';
import { APP } from '../version.js';
import type { KeyLedger } from './key-ledger.js';
import { writeKeys, type BlobSource, type KeyOutput, type WriteProgress } from './write-key.js';

export interface JobContext {
  client: ServerClient;
  serverName: string;
  verified: VerifiedCatalog;
  vehicle: VehicleInfo;
  /** Runs the drive guards and opens a key. */
  open: (target: KeyTarget) => Promise<KeyOutput>;
  blobs?: BlobSource;
}

/** Progress events at most this often: enough for a smooth bar, not a flood over IPC. */
const EMIT_EVERY_MS = 200;
const FINISHED = new Set(['done', 'failed', 'cancelled']);

const targetKey = (t: KeyTarget) => (t.kind === 'device' ? `device:${t.device}` : `image:${t.path}`);

/**
 * Runs key writes in the background (one download per job, one or several keys), reporting
 * progress and recording each verified key in the ledger as awaiting confirmation. A failed or
 * cancelled key never enters it.
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

  const keysFrom = (p: WriteProgress): JobState['keys'] =>
    p.keys.map((k) => ({
      label: k.label,
      phase: k.phase,
      bytesDone: k.bytesDone,
      error: k.error ?? null,
      keyId: null,
    }));

  async function run(id: string, ctx: JobContext): Promise<void> {
    const j = jobs.get(id)!;
    const { targets, packageIds } = j.state;
    try {
      // Guards first for every key: a refused drive is reported before any byte is downloaded.
      const keys = await Promise.all(targets.map((t) => ctx.open(t)));
      const outcomes = await writeKeys({
        client: ctx.client,
        serverName: ctx.serverName,
        verified: ctx.verified,
        vehicle: ctx.vehicle,
        packageIds,
        keys,
        app: APP,
        signal: j.controller.signal,
        ...(ctx.blobs ? { blobs: ctx.blobs } : {}),
        onProgress: (p) =>
          update(
            id,
            {
              phase: p.phase,
              bytesDone: p.bytesDone,
              bytesTotal: p.bytesTotal,
              bytesPerSecond: p.bytesPerSecond,
              etaSeconds: p.etaSeconds,
              keys: keysFrom(p),
            },
            p.phase !== j.state.phase,
          ),
      });
      for (const o of outcomes) {
        if (!o.ok) continue;
        await ledger.add({
          keyId: o.result.keyId,
          vin: ctx.vehicle.vin,
          headUnit: trustedVehicle(ctx.verified, ctx.vehicle).headUnit ?? null,
          packages: packageIds.map((pid) => {
            const p = ctx.verified.catalog.packages.find((x) => x.id === pid)!;
            return { id: p.id, kind: p.kind, version: p.version, title: p.title };
          }),
          target: o.label,
          writtenAt: new Date().toISOString(),
          status: 'awaiting-confirmation',
          confirmation: null,
        } satisfies KeyRecord);
      }
      const keys2: JobState['keys'] = outcomes.map((o) =>
        o.ok
          ? { label: o.label, phase: 'done', bytesDone: o.result.bytes, error: null, keyId: o.result.keyId }
          : {
              label: o.label,
              phase: 'failed',
              bytesDone: 0,
              error: {
                code: o.error.code,
                message: o.error.message,
                ...(o.error.details ? { details: o.error.details } : {}),
              },
              keyId: null,
            },
      );
      const anyOk = outcomes.some((o) => o.ok);
      const firstError = outcomes.find((o) => !o.ok);
      const cancelled = j.controller.signal.aborted;
      update(
        id,
        {
          phase: anyOk ? 'done' : cancelled ? 'cancelled' : 'failed',
          keys: keys2,
          etaSeconds: anyOk ? 0 : null,
          error:
            anyOk || !firstError || firstError.ok
              ? null
              : { code: firstError.error.code, message: firstError.error.message },
        },
        true,
      );
      if (anyOk) onKeysChanged();
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
    start(req: { vin: string; packageIds: string[]; targets: KeyTarget[] }, ctx: JobContext): JobState {
      const wanted = new Set(req.targets.map(targetKey));
      if (wanted.size !== req.targets.length)
        throw new PncError('VALIDATION_FAILED', 'The same key is listed twice.');
      const busy = [...jobs.values()].find(
        (j) => !FINISHED.has(j.state.phase) && j.state.targets.some((t) => wanted.has(targetKey(t))),
      );
      if (busy)
        throw new PncError('CONFLICT', 'This key is already being written.', { jobId: busy.state.jobId });
      const jobId = randomUUID();
      const state: JobState = {
        jobId,
        vin: req.vin,
        packageIds: req.packageIds,
        targets: req.targets,
        phase: 'preparing',
        bytesDone: 0,
        bytesTotal: 0,
        bytesPerSecond: 0,
        etaSeconds: null,
        keys: req.targets.map((t) => ({
          label: t.kind === 'device' ? t.device : t.path,
          phase: 'preparing',
          bytesDone: 0,
          error: null,
          keyId: null,
        })),
        error: null,
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
