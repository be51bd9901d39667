// Row 3: serving blobs to 1, 4 and 16 concurrent clients (curl processes, one keep-alive
// connection each), from our server and from nginx serving the same store under the same URLs.
import { rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { childPids, cpuSeconds, fmtBytes, fmtRate, GiB, log, medianRun, run } from '../lib/common.mjs';

/** The files client `c` of `n` downloads: its share of `total` bytes, starting at its own offset. */
function shareOf(files, c, n, total) {
  const out = [];
  let bytes = 0;
  for (let i = Math.floor((c * files.length) / n); bytes < total / n; i = (i + 1) % files.length) {
    out.push(files[i]);
    bytes += files[i].size;
  }
  return { out, bytes };
}

async function round(ctx, baseUrl, pids, clients, headers) {
  const files = ctx.world.packages.map.files;
  const cfgs = [];
  let expected = 0;
  let urls = 0;
  for (let c = 0; c < clients; c++) {
    const { out, bytes } = shareOf(files, c, clients, ctx.opts.serveBytes);
    expected += bytes;
    urls += out.length;
    const cfg = join(ctx.tmp, `serve-${c}.cfg`);
    const hdr = Object.entries(headers).map(([k, v]) => `header = "${k}: ${v}"\n`).join('');
    writeFileSync(cfg, hdr + out.map((f) => `url = "${baseUrl}/api/v1/blobs/sha256/${f.sha256}"\noutput = "/dev/null"\n`).join(''));
    cfgs.push(cfg);
  }
  const cpu0 = pids().reduce((n, p) => n + cpuSeconds(p), 0);
  const t0 = performance.now();
  const results = await Promise.all(cfgs.map((cfg) => run('curl', ['-s', '-K', cfg, '-w', '%{http_code} %{size_download} %{errormsg}\n'])));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = pids().reduce((n, p) => n + cpuSeconds(p), 0) - cpu0;
  for (const cfg of cfgs) rmSync(cfg);
  const lines = results.flatMap((r) => r.stdout.split('\n').filter(Boolean));
  const bytes = lines.reduce((n, l) => n + Number(l.split(' ')[1]), 0);
  if (bytes !== expected) {
    const bad = lines.filter((l) => !l.startsWith('200 ') || l.split(' ')[2]);
    throw new Error(
      `${baseUrl}: ${clients} clients received ${bytes} bytes in ${lines.length} of ${urls} transfers, expected ${expected} (${bad.length} bad transfer(s): ${bad.slice(0, 3).join('; ')})`,
    );
  }
  return { seconds, bytes, rate: bytes / seconds, cpuPerGiB: cpu / (bytes / GiB) };
}


/** " (median of 3: 1596, 1420, 1610 MB/s)", in run order; nothing for a single run. */
function spread(runs) {
  return runs.length > 1 ? ` (median of ${runs.length}: ${runs.map((r) => (r.rate / 1e6).toFixed(0)).join(', ')} MB/s)` : '';
}

export async function serveRows(ctx) {
  const { world } = ctx;
  if (!world.nginx) return [{ id: '3', what: 'Serving', skipped: 'needs nginx (apt-get install nginx)' }];
  const ngPids = () => [world.nginx.child.pid, ...childPids(world.nginx.child.pid)];
  const ourPids = () => [world.box.pid];
  const auth = { authorization: `Bearer ${world.box.token}` };
  // Warm both (the store into the page cache, connections, JIT) with one pass of 1 client.
  const warm = { ...ctx, opts: { ...ctx.opts, serveBytes: Math.min(ctx.opts.serveBytes, world.packages.map.bytes) } };
  await round(warm, world.nginx.storeUrl, ngPids, 1, {});
  await round(warm, world.box.url, ourPids, 4, auth);
  const rows = [];
  const rounds = ctx.opts.rounds ?? 1;
  for (const clients of [1, 4, 16]) {
    // nginx and ours alternate, `rounds` times: each figure is the run with the median rate.
    const runs = { ng: [], ours: [] };
    for (let r = 0; r < rounds; r++) {
      log(`row 3: ${clients} client(s), ${fmtBytes(ctx.opts.serveBytes)}${rounds > 1 ? ` (round ${r + 1}/${rounds})` : ''}…`);
      runs.ng.push(await round(ctx, world.nginx.storeUrl, ngPids, clients, {}));
      runs.ours.push(await round(ctx, world.box.url, ourPids, clients, auth));
    }
    const ng = medianRun(runs.ng, (x) => x.rate);
    const ours = medianRun(runs.ours, (x) => x.rate);
    const ratio = ours.rate / ng.rate;
    rows.push({
      id: `3${'abc'[[1, 4, 16].indexOf(clients)]}`,
      what: `Serving blobs, ${clients} concurrent client${clients > 1 ? 's' : ''} (aggregate throughput)`,
      ours: `${fmtRate(ours.rate)}, ${ours.cpuPerGiB.toFixed(2)} CPU s/GiB${spread(runs.ours)}`,
      ref: `nginx ${fmtRate(ng.rate)}, ${ng.cpuPerGiB.toFixed(2)} CPU s/GiB${spread(runs.ng)}`,
      ratio,
      goal: '≥ 0.9',
      ok: ratio >= 0.9,
      figures: { ours, nginx: ng, oursRates: runs.ours.map((x) => x.rate), nginxRates: runs.ng.map((x) => x.rate) },
    });
  }
  rows.at(-1).note = `3: ${fmtBytes(ctx.opts.serveBytes)} per run from the page cache, nginx and ours alternating ${rounds} time(s) per row, each figure the median run; curl clients on the same ${cpus().length}-core machine; CPU = user+system seconds of the server process(es) (nginx: master + workers, sendfile on; ours: one Node process).`;
  return rows;
}
