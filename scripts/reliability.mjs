#!/usr/bin/env node
// `npm run test:reliability`: runs the reliability cases of the server and of the workstation core
// (packages/*/test/reliability, long form: PNC_RELIABILITY=full) with vitest's JSON reporter and
// prints one table: id, area, what was tried, outcome (held / FAILED), duration.
// Test titles read "<ID> <what was tried>: <what must hold>"; the file names the area.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const short = process.argv.includes('--short');
const env = { ...process.env, ...(short ? {} : { PNC_RELIABILITY: 'full' }) };
const AREAS = {
  'content-attacks': 'Attacks on content',
  faults: 'Faults',
  'faults-access-clock': 'Faults / access / clock',
  'access-input': 'Access / bad input',
  load: 'Load',
  clock: 'Clock',
};
const SIDE = { server: 'box', desktop: 'workstation' };

const rows = [];
let failedRuns = 0;
for (const pkg of ['server', 'desktop']) {
  const out = join(root, 'packages', pkg, 'reports', 'reliability.json');
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  console.log(`\n▶ ${pkg}: vitest run test/reliability${short ? '' : ' (PNC_RELIABILITY=full)'}`);
  // The package config adds its own json reporter (reports/vitest.json): ours goes elsewhere.
  const r = spawnSync(
    'npx',
    ['vitest', 'run', '--root', join('packages', pkg), 'test/reliability', '--reporter=dot', '--reporter=json', `--outputFile.json=${out}`],
    { cwd: root, stdio: 'inherit', env },
  );
  if (r.status !== 0) failedRuns++;
  if (!existsSync(out)) {
    rows.push({ id: '—', area: pkg, tried: `the ${pkg} reliability run produced no report`, outcome: 'FAILED', ms: 0 });
    continue;
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  for (const file of report.testResults ?? []) {
    const area = `${AREAS[basename(file.name).replace(/\.test\.ts$/, '')] ?? basename(file.name)} (${SIDE[pkg]})`;
    for (const t of file.assertionResults ?? []) {
      const m = /^([A-Z]\d{2})\s+(.*)$/.exec(t.title);
      rows.push({
        id: m ? m[1] : '—',
        area,
        tried: m ? m[2] : t.title,
        outcome: t.status === 'passed' ? 'held' : t.status === 'failed' ? 'FAILED' : t.status,
        ms: t.duration ?? 0,
        failure: t.status === 'failed' ? String(t.failureMessages?.[0] ?? '').split('\n')[0] : null,
      });
    }
    if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') {
      rows.push({ id: '—', area, tried: `${basename(file.name)} did not run: ${String(file.message ?? '').split('\n')[0]}`, outcome: 'FAILED', ms: 0 });
    }
  }
}

rows.sort((a, b) => a.id.localeCompare(b.id));
const wrap = (s, w) => {
  const lines = [];
  let line = '';
  for (const word of s.split(' ')) {
    if ((line + ' ' + word).trim().length > w && line) {
      lines.push(line);
      line = word;
    } else line = (line + ' ' + word).trim();
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
};
const W = { id: 4, area: 30, tried: 78, outcome: 7, ms: 8 };
const sep = `+${'-'.repeat(W.id + 2)}+${'-'.repeat(W.area + 2)}+${'-'.repeat(W.tried + 2)}+${'-'.repeat(W.outcome + 2)}+${'-'.repeat(W.ms + 2)}+`;
const line = (c) => `| ${c[0].padEnd(W.id)} | ${c[1].padEnd(W.area)} | ${c[2].padEnd(W.tried)} | ${c[3].padEnd(W.outcome)} | ${c[4].padStart(W.ms)} |`;
console.log(`\nReliability (${short ? 'short' : 'full'} form)\n${sep}\n${line(['id', 'area', 'what was tried → what must hold', 'outcome', 'duration'])}\n${sep}`);
for (const r of rows) {
  const tried = wrap(r.tried, W.tried);
  const area = wrap(r.area, W.area);
  for (let i = 0; i < Math.max(tried.length, area.length); i++) {
    console.log(line([i === 0 ? r.id : '', area[i] ?? '', tried[i] ?? '', i === 0 ? r.outcome : '', i === 0 ? `${(r.ms / 1000).toFixed(1)} s` : '']));
  }
  if (r.failure) for (const f of wrap(`↳ ${r.failure}`, W.tried)) console.log(line(['', '', f, '', '']));
  console.log(sep);
}
const held = rows.filter((r) => r.outcome === 'held').length;
const failed = rows.filter((r) => r.outcome === 'FAILED').length;
console.log(`\n${held} held, ${failed} failed${rows.length - held - failed ? `, ${rows.length - held - failed} other` : ''}`);
process.exit(failed || failedRuns ? 1 : 0);
