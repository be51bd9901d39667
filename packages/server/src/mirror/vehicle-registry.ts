import { createReadStream } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PncError, VehicleRecord } from '@pnc/shared';
import { beginVehicleStaging, DuplicateVehicleError, stageVehicleBatch } from '../db/content.js';
import type { Db } from '../db/database.js';
import { IO_CHUNK } from '../store/hashing.js';

/** Records per staging transaction: large enough to amortise the commit, small enough to yield often. */
const BATCH = 5000;

function invalid(line: number, why: string): PncError {
  return new PncError('METADATA_INVALID', `The signed vehicle registry is invalid on line ${line} (${why}).`, {
    line,
  });
}

/** The lines of a file, one at a time, with their 1-based number; never the whole file in memory. */
async function* lines(path: string): AsyncGenerator<{ n: number; text: string }> {
  let n = 0;
  let carry: Buffer | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark: IO_CHUNK }) as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      yield { n: ++n, text: buf.toString('utf8', start, nl) };
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
  }
  if (carry) yield { n: ++n, text: carry.toString('utf8') };
}

/**
 * Validates the verified vehicles.ndjson line by line into the staging registry that the
 * publication swaps in (an empty one when the catalog has no registry). Memory stays flat whatever
 * the registry's size; the event loop gets a turn between batches. Errors name the line.
 */
export async function stageVehicles(db: Db, path: string | null): Promise<number> {
  beginVehicleStaging(db);
  if (!path) return 0;
  let batch: VehicleRecord[] = [];
  let batchLines: number[] = [];
  let count = 0;
  const flush = (): void => {
    try {
      stageVehicleBatch(db, batch);
    } catch (e) {
      if (e instanceof DuplicateVehicleError) throw invalid(batchLines[e.index]!, `VIN ${e.vin} appears twice`);
      throw e;
    }
    count += batch.length;
    batch = [];
    batchLines = [];
  };
  for await (const { n, text } of lines(path)) {
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalid(n, 'not JSON');
    }
    const r = VehicleRecord.safeParse(json);
    if (!r.success) throw invalid(n, r.error.issues[0]?.message ?? 'not a vehicle record');
    batch.push(r.data);
    batchLines.push(n);
    if (batch.length >= BATCH) {
      flush();
      await yieldToEventLoop();
    }
  }
  if (batch.length) flush();
  return count;
}
