import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyRecord, PncError, type FailureReason } from '@pnc/shared';
import { writeFileAtomic } from '../util/atomic-file.js';

const LedgerFile = z.object({ version: z.literal(1), keys: z.array(KeyRecord) });

/**
 * Keys written on this workstation and their confirmations, in one file written atomically.
 * A confirmation is recorded here first (with its id) and sent after, so it survives a crash or
 * a server that is down, and re-sending it is harmless.
 */
export function createKeyLedger(stateDir: string, now: () => Date = () => new Date()) {
  const file = join(stateDir, 'keys.json');
  let keys: KeyRecord[] | null = null;

  async function load(): Promise<KeyRecord[]> {
    if (keys) return keys;
    try {
      keys = LedgerFile.parse(JSON.parse(await readFile(file, 'utf8'))).keys;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      keys = [];
    }
    return keys;
  }

  async function save(): Promise<void> {
    await writeFileAtomic(file, JSON.stringify({ version: 1, keys }, null, 1));
  }

  async function find(keyId: string): Promise<KeyRecord | undefined> {
    return (await load()).find((k) => k.keyId === keyId);
  }

  return {
    /** Awaiting confirmation first (oldest first: the car has been waiting longest), then history. */
    async list(): Promise<KeyRecord[]> {
      const all = await load();
      const waiting = all
        .filter((k) => k.status === 'awaiting-confirmation')
        .sort((a, b) => a.writtenAt.localeCompare(b.writtenAt));
      const done = all
        .filter((k) => k.status !== 'awaiting-confirmation')
        .sort((a, b) => b.writtenAt.localeCompare(a.writtenAt));
      return [...waiting, ...done];
    },
    async add(record: KeyRecord): Promise<void> {
      (await load()).push(record);
      await save();
    },
    find,
    async confirm(
      keyId: string,
      c: {
        outcome: 'SUCCESS' | 'FAILURE';
        failureReason?: FailureReason | undefined;
        note?: string | undefined;
      },
    ): Promise<KeyRecord | null> {
      const k = await find(keyId);
      if (!k) return null;
      if (!k.confirmation) {
        k.confirmation = {
          id: randomUUID(),
          outcome: c.outcome,
          ...(c.failureReason ? { failureReason: c.failureReason } : {}),
          ...(c.note ? { note: c.note } : {}),
          at: now().toISOString(),
          acknowledged: false,
        };
        k.status = c.outcome === 'SUCCESS' ? 'installed' : 'failed';
        await save();
      } else if (k.confirmation.outcome !== c.outcome) {
        throw new PncError(
          'CONFLICT',
          `This key was already confirmed as ${k.confirmation.outcome === 'SUCCESS' ? 'installed' : 'failed'}.`,
        );
      }
      return k;
    },
    async acknowledge(keyId: string): Promise<void> {
      const k = await find(keyId);
      if (k?.confirmation && !k.confirmation.acknowledged) {
        k.confirmation.acknowledged = true;
        await save();
      }
    },
    async unacknowledged(): Promise<KeyRecord[]> {
      return (await load()).filter((k) => k.confirmation && !k.confirmation.acknowledged);
    },
  };
}
export type KeyLedger = ReturnType<typeof createKeyLedger>;
