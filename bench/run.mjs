#!/usr/bin/env node
// `npm run bench`: measures Plug'nConnect against reference tools measured in the same run, on
// loopback, and prints one table. Writes bench/results/<date>.json with the machine description.
// See docs/benchmarks.md.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTools, fmtBytes, GiB, has, isRoot, log, MiB, parseBytes, ROOT, stopAll } from './lib/common.mjs';
import { machine } from './lib/machine.mjs';
import { printTable } from './lib/table.mjs';
import { keyRows } from './rows/key.mjs';
import { limitRows } from './rows/limits.mjs';
import { serveRows } from './rows/serve.mjs';
import { mirrorRows } from './rows/mirror.mjs';
import { eligibilityRows } from './rows/eligibility.mjs';
import { uiRows } from './rows/ui.mjs';
import { setupKeyWorld } from './rows/key-world.mjs';
import { removeTree } from './lib/fixture.mjs';

const HELP = `npm run bench [-- options]

  --quick                small sizes, a minute or two; every row is still printed
  --size 4GiB            key package size (row 1)            --files 300
  --rounds 3             rows 1 and 3: ours and the references alternate this many times; medians (1 with --quick)
  --limited-size 1GiB    package written under limits (row 2)
  --link 118MB/s         gigabit payload rate                 --link-slow 11.8MB/s (100 Mb/s)
  --usb3 60MB/s          a USB 3.0 key's write speed          --usb2 25MB/s (a key on a USB 2.0 port)
  --serve-bytes 8GiB     bytes downloaded at each concurrency (row 3)
  --mirror-size 2GiB     first sync (row 4)                   --mirror-files 300
  --nightly-files 10000  files of the no-change nightly sync
  --vehicles 100000,1000000   registries of the eligibility row (row 5)
  --duration 10          seconds of load per eligibility measurement
  --only 1,2,3,4,5,6     rows to run
  --tmp DIR              where the temporary data goes (default: the OS temp folder); deleted at the end
  --keep                 keep the temporary data
`;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    size: { type: 'string' },
    files: { type: 'string' },
    'limited-size': { type: 'string' },
    link: { type: 'string', default: '118MB/s' },
    'link-slow': { type: 'string', default: '11.8MB/s' },
    usb3: { type: 'string', default: '60MB/s' },
    usb2: { type: 'string', default: '25MB/s' },
    'serve-bytes': { type: 'string' },
    'mirror-size': { type: 'string' },
    'mirror-files': { type: 'string' },
    'nightly-files': { type: 'string' },
    vehicles: { type: 'string' },
    duration: { type: 'string' },
    only: { type: 'string' },
    tmp: { type: 'string' },
    rounds: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const q = values.quick;
const opts = {
  quick: q,
  size: parseBytes(values.size ?? (q ? '192MiB' : '4GiB')),
  files: Number(values.files ?? (q ? 40 : 300)),
  rounds: Math.max(1, Number(values.rounds ?? (q ? 1 : 3))),
  limitedSize: parseBytes(values['limited-size'] ?? (q ? '48MiB' : '1GiB')),
  link: parseBytes(values.link),
  linkSlow: parseBytes(values['link-slow']),
  usb3: parseBytes(values.usb3),
  usb2: parseBytes(values.usb2),
  serveBytes: parseBytes(values['serve-bytes'] ?? (q ? '512MiB' : '8GiB')),
  mirrorSize: parseBytes(values['mirror-size'] ?? (q ? '128MiB' : '2GiB')),
  mirrorFiles: Number(values['mirror-files'] ?? (q ? 40 : 300)),
  nightlyFiles: Number(values['nightly-files'] ?? (q ? 1000 : 10000)),
  vehicles: (values.vehicles ?? (q ? '10000,50000' : '100000,1000000')).split(',').map(Number),
  duration: Number(values.duration ?? (q ? 3 : 10)),
  only: new Set((values.only ?? '1,2,3,4,5,6').split(',').map((s) => s.trim())),
};
// Row 2 at 100 Mb/s takes bytes/11.8 MB/s: smaller there, the figure is a rate.
opts.limitedSlowSize = Math.min(opts.limitedSize, q ? 16 * MiB : 512 * MiB);

const base = values.tmp ?? join(tmpdir());
mkdirSync(base, { recursive: true });
const tmp = mkdtempSync(join(base, 'pnc-bench-'));
const rows = [];
const started = new Date();

let cleaning = false;
async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  await stopAll();
  for (const f of cleanupHooks.reverse()) {
    try {
      await f();
    } catch (e) {
      log(`cleanup: ${e.message}`);
    }
  }
  if (!values.keep) removeTree(tmp);
  else log(`temporary data kept in ${tmp}`);
}
const cleanupHooks = [];
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`${sig}: stopping and cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}

function skipRows(section, titles, why) {
  for (const what of titles) rows.push({ section, what, skipped: why });
}

async function section(name, titles, fn) {
  const t0 = performance.now();
  log(`── ${name}`);
  try {
    const got = await fn();
    rows.push(...got);
  } catch (e) {
    log(`${name} failed: ${e.stack ?? e.message}`);
    skipRows(name, titles, `failed: ${e.message.split('\n')[0].slice(0, 160)}`);
  }
  log(`   ${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function main() {
  log(`temporary data in ${tmp}${opts.quick ? ' (quick mode)' : ''}`);
  const tools = ensureTools([
    { bin: 'nginx', pkg: 'nginx' },
    { bin: 'curl', pkg: 'curl' },
    { bin: 'rclone', pkg: 'rclone' },
    { bin: 'chromium', pkg: 'chromium' },
  ]);
  const ctx = { opts, tmp, tools, cleanupHooks, root: ROOT };
  const needKeyWorld = ['1', '2', '3', '6'].some((r) => opts.only.has(r));
  if (needKeyWorld) {
    if (!tools.nginx) {
      log('nginx is missing: rows 1 and 3 have no reference.');
    }
    await section('setup', [], async () => {
      ctx.world = await setupKeyWorld(ctx);
      return [];
    });
  }
  if (opts.only.has('1')) await section('1. key creation', ['Key creation'], () => keyRows(ctx));
  if (opts.only.has('2')) await section('2. key creation under limits', ['Key creation under limits'], () => limitRows(ctx));
  if (opts.only.has('3')) await section('3. serving', ['Serving'], () => serveRows(ctx));
  if (opts.only.has('4')) await section('4. mirroring', ['Mirroring'], () => mirrorRows(ctx));
  if (opts.only.has('5')) await section('5. eligibility', ['Eligibility'], () => eligibilityRows(ctx));
  if (opts.only.has('6')) await section('6. workstation UI', ['Workstation UI'], () => uiRows(ctx));
  await stopAll();

  const m = machine(tmp);
  const table = printTable(rows, m, opts);
  process.stdout.write(table);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const file = join(dir, `${stamp}${opts.quick ? '-quick' : ''}.json`);
  const printable = { ...opts, only: [...opts.only] };
  writeFileSync(file, JSON.stringify({ date: started.toISOString(), quick: opts.quick, options: printable, machine: m, rows, table }, null, 2) + '\n');
  log(`results written to ${file}`);
  return rows.some((r) => r.ok === false) ? 0 : 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (e) => {
    log(`bench failed: ${e.stack ?? e.message}`);
    await cleanup();
    process.exit(1);
  });

export { fmtBytes, GiB, has, isRoot };
