#!/usr/bin/env node
// `npm test`: lint, typecheck, build, then every package's tests (unit, integration with real
// processes, end-to-end in Chromium); ends with one summary line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['shared', 'blob-socket', 'server', 'desktop'];
for (const p of packages) rmSync(join(root, 'packages', p, 'reports'), { recursive: true, force: true });

function turbo(args) {
  const r = spawnSync('npx', ['turbo', 'run', ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '1' } });
  return r.status === 0;
}

const steps = [
  ['lint + typecheck', ['lint', 'typecheck']],
  ['tests', ['test', '--concurrency=1', '--continue']],
  ['end-to-end', ['e2e', '--concurrency=1', '--continue']],
];
const failedSteps = [];
for (const [name, args] of steps) {
  if (!turbo(args)) failedSteps.push(name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const p of packages) {
  for (const file of ['vitest.json', 'e2e.json']) {
    const f = join(root, 'packages', p, 'reports', file);
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8'));
    if ('numPassedTests' in r) {
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    } else if (r.stats) {
      passed += r.stats.expected + (r.stats.flaky ?? 0);
      failed += r.stats.unexpected;
      skipped += r.stats.skipped;
    }
  }
}
if (failedSteps.length) console.log(`\nFailed steps: ${failedSteps.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failedSteps.length || failed ? 1 : 0);
