import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogFile } from '../../src/core/util/log-file.js';

describe('workstation log file', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('keeps JSON lines in order, rotates by size, and exports oldest first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pnc-log-'));
    dirs.push(dir);
    const log = createLogFile(dir, 2048, 3);
    for (let i = 0; i < 200; i++) log.write('info', 'event', { i, pad: 'x'.repeat(40) });
    const text = await log.exportText();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; event: string });
    expect(lines.at(-1)!.i).toBe(199);
    // Rotation dropped the oldest lines but kept the rest in order.
    expect(lines.map((l) => l.i)).toEqual([...lines.map((l) => l.i)].sort((a, b) => a - b));
    expect(lines.length).toBeLessThan(200);
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual([
      'workstation.log',
      'workstation.log.1',
      'workstation.log.2',
    ]);
  });
});
