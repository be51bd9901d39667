import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/processes.js';

const desktop = join(repoRoot, 'packages/desktop');
const config = readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8');

/** The entries of a top-level YAML list (`key:` then `  - item` lines); enough for this file. */
function listAt(key: string): string[] {
  const lines = config.split('\n');
  const start = lines.findIndex((l) => l === `${key}:`);
  const items: string[] = [];
  for (const l of lines.slice(start + 1)) {
    const m = /^ {2}- "?([^"]+)"?$/.exec(l);
    if (!m) break;
    items.push(m[1]!);
  }
  return items;
}

describe('electron-builder.yml matches what the build produces', () => {
  const pkg = JSON.parse(readFileSync(join(desktop, 'package.json'), 'utf8')) as { main: string };

  it('includes the entry point, the bundled preload, the core and the renderer', () => {
    const files = listAt('files');
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/main/**', 'dist/preload/**', 'dist/core/**', 'dist/renderer/**']));
    for (const built of [pkg.main, 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'dist/core/cli/key-cli.js', 'dist/core/agent/agent-cli.js']) {
      expect(existsSync(join(desktop, built)), `${built} is built`).toBe(true);
      expect(files.some((f) => built === f || built.startsWith(f.replace('/**', '/'))), `${built} is packaged`).toBe(true);
    }
  });

  it('names the preload the main process loads', () => {
    const main = readFileSync(join(desktop, 'src/main/main.ts'), 'utf8');
    expect(main).toContain('preload.cjs');
  });

  it('unpacks the native modules from the archive and targets NSIS, AppImage and deb', () => {
    expect(listAt('asarUnpack').join(' ')).toMatch(/drivelist.*usb/);
    expect(config).toMatch(/target: nsis/);
    expect(config).toMatch(/- AppImage\n\s+- deb/);
    expect(config).toMatch(/provider: generic/);
  });
});
