import { appendFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The workstation's own log, as JSON lines in the state folder, rotated by size, so support can
 * ask a technician to export it (Settings → Export logs) after something went wrong.
 */
export function createLogFile(stateDir: string, maxBytes = 1024 * 1024, keep = 3) {
  const dir = join(stateDir, 'logs');
  const file = join(dir, 'workstation.log');
  const old = (i: number) => `${file}.${i}`;
  let chain: Promise<void> = Promise.resolve();

  async function rotate(): Promise<void> {
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size < maxBytes) return;
    for (let i = keep - 1; i >= 1; i--)
      await rename(i === 1 ? file : old(i - 1), old(i)).catch(() => undefined);
  }

  return {
    write(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown> = {}): void {
      const line = JSON.stringify({ at: new Date().toISOString(), level, event, ...fields }) + '\n';
      // Serialised so lines never interleave; a log failure must never break the app.
      chain = chain
        .then(async () => {
          await mkdir(dir, { recursive: true });
          await rotate();
          await appendFile(file, line);
        })
        .catch(() => undefined);
    },
    /** Oldest first, all rotated files included. */
    async exportText(): Promise<string> {
      await chain;
      const parts: string[] = [];
      for (const f of [...Array.from({ length: keep - 1 }, (_, i) => old(keep - 1 - i)), file]) {
        parts.push(await readFile(f, 'utf8').catch(() => ''));
      }
      return parts.join('');
    },
  };
}
export type LogFile = ReturnType<typeof createLogFile>;
