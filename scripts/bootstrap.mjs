#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when the lockfile changed since the
// last install and, with --system, the Debian tools the tests use (as root, through apt-get).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'node_modules', '.pnc-install-stamp');

function lockHash() {
  const h = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json', ...['shared', 'blob-socket', 'server', 'desktop'].map((p) => `packages/${p}/package.json`)]) {
    const file = join(root, f);
    if (existsSync(file)) h.update(readFileSync(file));
  }
  return h.digest('hex');
}

function ensureNpm() {
  const want = lockHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === want) return;
  console.log('[bootstrap] installing npm dependencies…');
  // A fresh clone gets exactly the lockfile (npm ci); an existing install is updated in place,
  // so a changed dependency does not wipe node_modules under running tools.
  const fresh = !existsSync(join(root, 'node_modules')) && existsSync(join(root, 'package-lock.json'));
  const args = [fresh ? 'ci' : 'install', '--no-audit', '--no-fund'];
  // The Electron binary cannot be downloaded everywhere; the app uses it only where it exists.
  // JOBS=max: native modules (better-sqlite3, drivelist) compile on every core.
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: process.env.ELECTRON_SKIP_BINARY_DOWNLOAD ?? '1', JOBS: process.env.JOBS ?? 'max' };
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error('[bootstrap] npm install failed; see the output above.');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stampFile, want);
}

const SYSTEM_TOOLS = [
  { bin: 'fsck.fat', pkg: 'dosfstools' },
  { bin: 'mcopy', pkg: 'mtools' },
  { bin: 'chromium', pkg: 'chromium' },
  { bin: 'losetup', pkg: 'mount' },
  // The box's publication order is checked on the real process's system calls (its threads').
  { bin: 'strace', pkg: 'strace' },
];

function has(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function ensureSystem() {
  const missing = SYSTEM_TOOLS.filter((t) => !has(t.bin)).map((t) => t.pkg);
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !has('apt-get')) {
    console.error(`[bootstrap] missing system packages: ${missing.join(' ')}. Install them (Debian: sudo apt-get install ${missing.join(' ')}) and run again.`);
    process.exit(1);
  }
  console.log(`[bootstrap] installing Debian packages: ${missing.join(' ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

ensureNpm();
if (process.argv.includes('--system')) ensureSystem();
