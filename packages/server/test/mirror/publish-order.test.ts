import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../../src/config/data-dir.js';
import { getCurrentContent } from '../../src/db/content.js';
import { openDatabase } from '../../src/db/database.js';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, tempDir } from '../helpers/mirror-fixtures.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'server-cli.ts');
const hasStrace = spawnSync('sh', ['-c', 'command -v strace'], { stdio: 'ignore' }).status === 0;

/**
 * What reached the disk, in the order the calls returned, from `strace -f -y` of a real
 * `pnc-server sync` process: the blobs are written and fsynced on its download threads, so only
 * the kernel sees every thread's calls. `fsync <path>` and `rename <from> <to>`.
 */
function diskEvents(straceLog: string): string[] {
  const events: string[] = [];
  const pending = new Map<string, string>();
  for (const line of straceLog.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, call] = m as unknown as [string, string, string];
    // A call another thread interrupted comes back as "<... fsync resumed>": it returned then.
    const resumed = /^<\.\.\. \w+ resumed>.*= 0/.test(call);
    const text = resumed ? pending.get(pid) : call.includes('<unfinished ...>') ? undefined : call;
    if (call.includes('<unfinished ...>')) pending.set(pid, call);
    if (!text || (!resumed && !/= 0$/.test(call))) continue;
    const fsync = /^f(?:data)?sync\(\d+<([^>]+)>/.exec(text);
    if (fsync) events.push(`fsync ${fsync[1]}`);
    const rename = /^rename(?:at2?)?\((?:AT_FDCWD, )?"([^"]+)", (?:AT_FDCWD, )?"([^"]+)"/.exec(text);
    if (rename) events.push(`rename ${rename[1]} ${rename[2]}`);
  }
  return events;
}

describe.skipIf(!hasStrace)('publication order (strace)', () => {
  const tmp = tempDir('publish-order');
  const workdir = join(tmp.path, 'publisher');
  let origin: Origin;

  beforeAll(async () => {
    await demoRepo(workdir, 3 * 1024 * 1024 + 4321);
    origin = await startOrigin({ root: () => join(workdir, 'repo') });
  });
  afterAll(async () => {
    await origin.close();
    tmp.cleanup();
  });

  it('publishes only after every blob was fsynced, renamed into the store and its folder fsynced', async () => {
    const dataDir = join(tmp.path, 'box');
    const log = join(tmp.path, 'strace.log');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        'strace',
        [
          '-f',
          '-qq',
          '-y',
          '-o',
          log,
          '-e',
          'trace=fsync,fdatasync,rename,renameat,renameat2',
          process.execPath,
          '--import',
          'tsx',
          CLI,
          'sync',
          '--origin',
          origin.url,
          '--data-dir',
          dataDir,
          '--trusted-root',
          join(workdir, 'repo', 'metadata', '1.root.json'),
          '--json',
        ],
        { env: { ...process.env, PNC_LOG_LEVEL: 'warn' }, stdio: 'ignore' },
      );
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
    const db = openDatabase(dataDirLayout(dataDir).database);
    try {
      expect(await assertServedComplete(dataDir, db)).toBe(getCurrentContent(db)!.snapshotVersion);
    } finally {
      db.close();
    }

    const events = diskEvents(readFileSync(log, 'utf8'));
    const { partial, store, served } = dataDirLayout(dataDir);
    // The publication starts with the served metadata (atomic writes: a rename into served/).
    const publish = events.findIndex(
      (e) => e.startsWith('rename ') && e.split(' ')[2]!.startsWith(`${served}/`),
    );
    expect(publish).toBeGreaterThan(0);
    const renamed = events.filter((e) => e.startsWith(`rename ${partial}/`)).map((e) => e.split(' ')[1]!);
    // The demo's blobs, its catalog and its vehicle registry.
    expect(renamed.length).toBeGreaterThan(4);
    const at = (e: string): number => events.findIndex((x) => x === e || x.startsWith(`${e} `));
    for (const p of renamed) {
      expect(at(`fsync ${p}`), `${p} fsynced before its rename`).toBeGreaterThanOrEqual(0);
      expect(at(`fsync ${p}`)).toBeLessThan(at(`rename ${p}`));
      expect(at(`rename ${p}`), `${p} in the store before the publication`).toBeLessThan(publish);
      const dir = join(store, p.slice(partial.length + 1, partial.length + 3));
      const dirSync = events.lastIndexOf(`fsync ${dir}`);
      expect(dirSync, `${dir} fsynced after the rename, before the publication`).toBeGreaterThan(
        at(`rename ${p}`),
      );
      expect(dirSync).toBeLessThan(publish);
    }
  }, 120_000);
});
