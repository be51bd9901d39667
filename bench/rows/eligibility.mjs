// Row 5: eligibility answers per second and p99 latency (autocannon, a different registry VIN on
// every request, bearer token included) against a real `pnc-server start` whose registry holds
// 100,000 and 1,000,000 vehicles, mirrored by the server itself; and its peak RSS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { log, node, peakRss, PUBLISH_CLI, waitFor } from '../lib/common.mjs';
import { makeRepository, packageMeta, removeTree, startBox, startNginx, vinOf, writeDeterministic, writeVehicles } from '../lib/fixture.mjs';

const LOAD = new URL('../lib/load.mjs', import.meta.url).pathname;
const CONNECTIONS = 10;

const PACKAGES = [
  ['BENCH-RL2-SOFT', 'SOFT', 'RLINK2', '11.2.0', {}],
  ['BENCH-RL2-MAP', 'MAP', 'RLINK2', '5.0', { region: 'EUROPE' }],
  ['BENCH-EL-SOFT', 'SOFT', 'EASYLINK', '12.1.0', { rules: { brands: ['RENAULT', 'DACIA'] } }],
  ['BENCH-EL-MAP', 'MAP', 'EASYLINK', '6.0', { region: 'EUROPE', campaign: { code: 'OTS-BENCH-01', mandatory: true } }],
  ['BENCH-ORL-SOFT', 'SOFT', 'OPENRLINK', '3.0', { rules: { fromVersions: ['10.*', '11.*'] } }],
  ['BENCH-ORL-MAP', 'MAP', 'OPENRLINK', '4.0', { region: 'EUROPE_EAST' }],
];

async function load(url, vinsFile, seconds, token) {
  const r = await node(LOAD, [url, vinsFile, String(seconds), String(CONNECTIONS)], { env: token ? { PNC_TOKEN: token } : {} });
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  if (out.non2xx > 0 || out.errors > 0) throw new Error(`load test: ${out.non2xx} non-2xx answers, ${out.errors} errors`);
  return out;
}

export async function eligibilityRows(ctx) {
  const { opts, tmp } = ctx;
  const nginx = ctx.world?.nginx ?? (ctx.tools.nginx ? await startNginx(join(tmp, 'nginx-elig'), { originRoot: tmp, store: tmp }) : null);
  if (!nginx) return [{ id: '5', what: 'Eligibility', skipped: 'needs nginx as the origin (apt-get install nginx)' }];
  if (!ctx.world?.nginx) ctx.cleanupHooks.push(() => nginx.stop());
  const dir = join(tmp, 'elig');
  const rows = [];
  let repo = null;
  for (const [k, n] of opts.vehicles.entries()) {
    log(`row 5: registry of ${n} vehicles…`);
    const vehicles = join(tmp, `elig-${n}.ndjson`);
    writeVehicles(vehicles, n);
    if (!repo) {
      const packages = PACKAGES.map(([id, kind, family, version, extra]) => {
        const folder = join(tmp, 'elig-src', id);
        mkdirSync(folder, { recursive: true });
        writeDeterministic(join(folder, 'update.bin'), 4096, id);
        return { folder, meta: packageMeta(id, kind, family, version, extra) };
      });
      repo = await makeRepository(dir, { packages, vehiclesFile: vehicles });
      removeTree(join(tmp, 'elig-src'));
    } else {
      await node(PUBLISH_CLI, ['vehicles', '--workdir', dir, '--file', vehicles]);
      await node(PUBLISH_CLI, ['publish', '--workdir', dir]);
    }
    removeTree(vehicles);
    const vinsFile = join(tmp, 'elig-vins.txt');
    const picks = Array.from({ length: 20_000 }, (_, i) => vinOf(Math.floor((((i * 2654435761) % 4294967296) / 4294967296) * n)));
    writeFileSync(vinsFile, picks.join('\n'));
    const boxDir = join(tmp, `elig-box-${n}`);
    // The server mirrors the registry itself (as at a dealership), so its peak RSS includes the import.
    const t0 = performance.now();
    const box = await startBox(boxDir, { name: 'elig-box', args: ['--origin', `${nginx.originUrl}/elig/repo`, '--trusted-root', repo.trustedRoot] });
    try {
      await waitFor(async () => (await (await fetch(`${box.url}/api/v1/info`)).json()).content !== null, 'the registry sync', 1_800_000, 250);
      const syncSeconds = (performance.now() - t0) / 1000;
      const idleRss = peakRss(box.pid);
      log(`row 5: synced ${n} vehicles in ${syncSeconds.toFixed(1)} s; loading…`);
      // Warm-up, then the floor (an unauthenticated trivial route), then eligibility.
      await load(`${box.url}/api/v1/vehicles/{vin}/eligibility`, vinsFile, 1, box.token);
      const floor = await load(`${box.url}/api/v1/info`, '-', opts.duration, null);
      const el = await load(`${box.url}/api/v1/vehicles/{vin}/eligibility`, vinsFile, opts.duration, box.token);
      const rss = peakRss(box.pid);
      const label = n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n);
      const sfx = 'abcdef'[k] ?? String(k);
      rows.push({
        id: `5${sfx}`,
        what: `Eligibility answers, ${label} vehicles, ${CONNECTIONS} connections (req/s)`,
        ours: `${Math.round(el.rps)} req/s`,
        ref: `GET /api/v1/info on the same server: ${Math.round(floor.rps)} req/s`,
        ratio: el.rps / 3000,
        goal: '≥ 3,000 req/s (ratio = ours ÷ goal)',
        ok: el.rps >= 3000,
        figures: { eligibility: el, info: floor, syncSeconds },
      });
      rows.push({
        id: `5${sfx}`,
        what: `Eligibility p99 latency, ${label} vehicles`,
        ours: `${el.p99} ms (p50 ${el.p50} ms)`,
        ref: `/api/v1/info p99 ${floor.p99} ms`,
        ratio: el.p99 / 20,
        goal: '≤ 20 ms (ratio = ours ÷ goal)',
        ok: el.p99 <= 20,
      });
      rows.push({
        id: `5${sfx}`,
        what: `Server peak RSS, ${label} vehicles (mirrored in-process, then under load)`,
        ours: `${(rss / 1e6).toFixed(0)} MB`,
        ref: `after the sync, before load: ${(idleRss / 1e6).toFixed(0)} MB`,
        ratio: rss / 300e6,
        goal: '≤ 300 MB (ratio = ours ÷ goal)',
        ok: rss <= 300e6,
        note: `5${sfx}: the server synchronised the ${label}-vehicle registry from the origin in ${syncSeconds.toFixed(1)} s before the load.`,
      });
    } finally {
      await box.stop();
      removeTree(boxDir);
    }
  }
  rows.at(-1).note += ` autocannon runs on the same ${cpus().length} cores as the server.`;
  return rows;
}
