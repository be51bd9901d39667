// Row 3: serving blobs to 1, 4 and 16 concurrent clients (curl processes, one keep-alive
// connection each), from our server and from nginx serving the same store under the same URLs.
import { rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { childPids, cpuSeconds, fmtBytes, fmtRate, GiB, log, run } from '../lib/common.mjs';

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
  for (let c = 0; c < clients; c++) {
    const { out, bytes } = shareOf(files, c, clients, ctx.opts.serveBytes);
    expected += bytes;
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
    throw new Error(`${baseUrl}: ${clients} clients received ${bytes} bytes, expected ${expected} (${bad.length} bad transfer(s): ${bad.slice(0, 3).join('; ')})`);
  }
  return { seconds, bytes, rate: bytes / seconds, cpuPerGiB: cpu / (bytes / GiB) };
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
  for (const clients of [1, 4, 16]) {
    log(`row 3: ${clients} client(s), ${fmtBytes(ctx.opts.serveBytes)}…`);
    const ng = await round(ctx, world.nginx.storeUrl, ngPids, clients, {});
    const ours = await round(ctx, world.box.url, ourPids, clients, auth);
    const ratio = ours.rate / ng.rate;
    rows.push({
      id: `3${'abc'[[1, 4, 16].indexOf(clients)]}`,
      what: `Serving blobs, ${clients} concurrent client${clients > 1 ? 's' : ''} (aggregate throughput)`,
      ours: `${fmtRate(ours.rate)}, ${ours.cpuPerGiB.toFixed(2)} CPU s/GiB`,
      ref: `nginx ${fmtRate(ng.rate)}, ${ng.cpuPerGiB.toFixed(2)} CPU s/GiB`,
      ratio,
      goal: '≥ 0.9',
      ok: ratio >= 0.9,
      figures: { ours, nginx: ng },
    });
  }
  rows.at(-1).note = `3: ${fmtBytes(ctx.opts.serveBytes)} per round from the page cache, curl clients on the same ${cpus().length}-core machine; CPU = user+system seconds of the server process(es) (nginx: master + workers, sendfile on; ours: one Node process).`;
  return rows;
}
