import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrigin, type Fault, type Origin } from './origin-server.js';

export interface TestBlob {
  data: Buffer;
  ref: { sha256: string; size: number };
}

export type FaultRule = (path: string, attempt: number) => Fault | undefined;

/** Random blobs of these sizes, named by their sha256. */
export function randomBlobs(sizes: readonly number[]): TestBlob[] {
  return sizes.map((size) => {
    const data = randomBytes(size);
    return { data, ref: { sha256: createHash('sha256').update(data).digest('hex'), size } };
  });
}

/**
 * An origin serving `blobs` at `/blobs/sha256/<hash>` from `dir`, with faults the test sets
 * (and clears) through `fault.rule`.
 */
export async function startBlobOrigin(
  dir: string,
  blobs: readonly TestBlob[],
): Promise<{ origin: Origin; fault: { rule: FaultRule | undefined } }> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of blobs) writeFileSync(join(dir, 'blobs', 'sha256', b.ref.sha256), b.data);
  const fault: { rule: FaultRule | undefined } = { rule: undefined };
  const origin = await startOrigin({ root: () => dir, fault: (p, a) => fault.rule?.(p, a) });
  return { origin, fault };
}
