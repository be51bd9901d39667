#!/usr/bin/env node
// `npm run package`: builds the workstation installers with electron-builder (Windows NSIS, Linux
// AppImage + deb). Needs the carmaker's root of trust to ship (PNC_TRUSTED_ROOT) and an Electron
// distribution: the downloaded binary where it exists, or a local folder (PNC_ELECTRON_DIST).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const desktop = join(root, 'packages/desktop');

const trustedRoot = process.env.PNC_TRUSTED_ROOT;
if (!trustedRoot || !existsSync(trustedRoot)) {
  console.error('Set PNC_TRUSTED_ROOT to the carmaker root.json the app must ship with (it verifies everything the LAN server serves).');
  process.exit(2);
}
mkdirSync(join(desktop, 'resources'), { recursive: true });
copyFileSync(trustedRoot, join(desktop, 'resources/trusted-root.json'));

let electronDist = process.env.PNC_ELECTRON_DIST;
if (!electronDist) {
  try {
    const bin = createRequire(join(desktop, 'package.json'))('electron');
    if (typeof bin === 'string' && existsSync(bin)) electronDist = join(createRequire(join(desktop, 'package.json')).resolve('electron'), '..', 'dist');
  } catch {
    // no binary installed
  }
}
if (!electronDist || !existsSync(electronDist)) {
  console.error('No Electron distribution here (its binary could not be downloaded). Point PNC_ELECTRON_DIST at an unpacked Electron folder and run again.');
  process.exit(2);
}
const args = ['electron-builder', '--config', '../../electron-builder.yml', '--projectDir', '.', `-c.electronDist=${electronDist}`, ...process.argv.slice(2)];
const r = spawnSync('npx', args, { cwd: desktop, stdio: 'inherit' });
process.exit(r.status ?? 1);
