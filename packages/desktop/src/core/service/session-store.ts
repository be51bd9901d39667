import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

/** Encrypts secrets at rest where the platform can (Electron's safeStorage); plain otherwise. */
export interface SecretCodec {
  encode(plain: string): Buffer;
  decode(stored: Buffer): string;
}

export const plainCodec: SecretCodec = {
  encode: (s) => Buffer.from(s, 'utf8'),
  decode: (b) => b.toString('utf8'),
};

export interface StoredSession {
  serverUrl: string;
  username: string;
  token: string;
}

/** The workstation's sign-in, one per server, kept in a 0600 file written atomically. */
export function createSessionStore(stateDir: string, codec: SecretCodec = plainCodec) {
  const file = join(stateDir, 'session.bin');
  return {
    async load(): Promise<StoredSession | null> {
      try {
        return JSON.parse(codec.decode(await readFile(file))) as StoredSession;
      } catch {
        return null;
      }
    },
    async save(s: StoredSession): Promise<void> {
      await writeFileAtomic(file, codec.encode(JSON.stringify(s)));
    },
    async clear(): Promise<void> {
      await rm(file, { force: true });
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
