// Row 4: the box's first sync from a loopback nginx origin against rclone copy of the same files,
// and a nightly sync with nothing new over many files.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fmtBytes, fmtSeconds, has, log, runWithCpu } from '../lib/common.mjs';
import { makeRepository, makeTree, packageMeta, removeTree, startNginx, syncBox, writeVehicles } from '../lib/fixture.mjs';

async function reference(originBlobs, dest) {
  if (has('rclone')) {
    return { tool: 'rclone copy', ...(await runWithCpu('rclone', ['copy', '--http-url', `${originBlobs}/`, ':http:', dest, '--transfers', '4'])) };
  }
  if (has('aria2c')) throw new Error('rclone is missing');
  throw new Error('needs rclone (apt-get install rclone)');
}

export async function mirrorRows(ctx) {
  const { opts, tmp } = ctx;
  if (!ctx.tools.nginx) return [{ id: '4', what: 'Mirroring', skipped: 'needs nginx (apt-get install nginx)' }];
  if (!has('rclone')) return [{ id: '4', what: 'Mirroring', skipped: 'needs rclone (apt-get install rclone)' }];
  const nginx = ctx.world?.nginx ?? (await startNginx(join(tmp, 'nginx-mirror'), { originRoot: tmp, store: tmp }));
  if (!ctx.world?.nginx) ctx.cleanupHooks.push(() => nginx.stop());
  const vehicles = join(tmp, 'mirror-vehicles.ndjson');
  writeVehicles(vehicles, 10);
  const rows = [];

  // First sync of a big package.
  const src = join(tmp, 'mirror-src');
  mkdirSync(src, { recursive: true });
  log(`row 4: publishing ${fmtBytes(opts.mirrorSize)} in ${opts.mirrorFiles} files…`);
  makeTree(src, opts.mirrorSize, opts.mirrorFiles, 'MAP', 'mirror');
  const repo = await makeRepository(join(tmp, 'mirror'), { packages: [{ folder: join(src, 'MAP'), meta: packageMeta('BENCH-MIRROR', 'MAP', 'OPENRLINK', '3.0') }], vehiclesFile: vehicles });
  removeTree(src);
  const url = `${nginx.originUrl}/mirror/repo`;
  spawnSync('sync');
  log('row 4: rclone copy…');
  const rc = await reference(`${url}/blobs/sha256`, join(tmp, 'mirror-rclone'));
  // rclone leaves its bytes in the page cache; ours are on disk when the sync ends. The same copy
  // followed by `sync` (every dirty page written out) is the comparison with the same durability.
  const flushStart = performance.now();
  spawnSync('sync');
  const rcFlush = (performance.now() - flushStart) / 1000;
  removeTree(join(tmp, 'mirror-rclone'));
  spawnSync('sync');
  log('row 4: pnc-server sync (first)…');
  const ours = await syncBox(join(tmp, 'mirror-box'), url, repo.trustedRoot);
  removeTree(join(tmp, 'mirror-box'));
  rows.push({
    id: '4a',
    what: `Mirroring: first sync of ${fmtBytes(opts.mirrorSize)} in ${opts.mirrorFiles} files from a loopback nginx origin`,
    ours: `${fmtSeconds(ours.seconds)}, ${ours.cpu.toFixed(1)} CPU s (verified, fsynced, published)`,
    ref: `${rc.tool} ${fmtSeconds(rc.seconds)}, ${rc.cpu.toFixed(1)} CPU s`,
    ratio: ours.seconds / rc.seconds,
    goal: '≤ 1.0',
    ok: ours.seconds / rc.seconds <= 1.0,
    figures: { ours: ours.seconds, reference: rc.seconds, oursCpu: ours.cpu, referenceCpu: rc.cpu },
  });
  rows.push({
    id: '4a',
    what: `Mirroring, same first sync against a durable copy: rclone copy, then sync (flush to disk)`,
    ours: fmtSeconds(ours.seconds),
    ref: `rclone copy + sync ${fmtSeconds(rc.seconds + rcFlush)} (sync ${fmtSeconds(rcFlush)})`,
    ratio: ours.seconds / (rc.seconds + rcFlush),
    goal: '(info) ≤ 1.0',
    ok: null,
    figures: { ours: ours.seconds, reference: rc.seconds + rcFlush, rcloneCopy: rc.seconds, flush: rcFlush },
  });
  removeTree(join(tmp, 'mirror'));

  // Nightly sync with nothing new.
  const nsrc = join(tmp, 'nightly-src');
  mkdirSync(nsrc, { recursive: true });
  log(`row 4: publishing ${opts.nightlyFiles} small files…`);
  makeTree(nsrc, opts.nightlyFiles * 2048, opts.nightlyFiles, 'MAP', 'nightly');
  const nrepo = await makeRepository(join(tmp, 'nightly'), { packages: [{ folder: join(nsrc, 'MAP'), meta: packageMeta('BENCH-NIGHTLY', 'MAP', 'OPENRLINK', '3.0') }], vehiclesFile: vehicles });
  removeTree(nsrc);
  const nurl = `${nginx.originUrl}/nightly/repo`;
  const box = join(tmp, 'nightly-box');
  log('row 4: first sync of the small files…');
  const first = await syncBox(box, nurl, nrepo.trustedRoot);
  log('row 4: nightly sync, nothing new…');
  const again = await syncBox(box, nurl, nrepo.trustedRoot);
  if (again.result.status !== 'unchanged') throw new Error(`the second sync reported ${again.result.status}`);
  const rdest = join(tmp, 'nightly-rclone');
  await reference(`${nurl}/blobs/sha256`, rdest);
  const rc2 = await reference(`${nurl}/blobs/sha256`, rdest);
  removeTree(rdest);
  removeTree(box);
  removeTree(join(tmp, 'nightly'));
  rows.push({
    id: '4b',
    what: `Mirroring: nightly sync with nothing new, ${opts.nightlyFiles} files (pnc-server sync, whole process)`,
    ours: fmtSeconds(again.seconds),
    ref: `${rc2.tool}, nothing new: ${fmtSeconds(rc2.seconds)}`,
    ratio: again.seconds / 2,
    goal: '≤ 2 s (ratio = ours ÷ 2 s)',
    ok: again.seconds <= 2,
    note: `4: the first sync of the ${opts.nightlyFiles} small files took ${fmtSeconds(first.seconds)}. Ours verifies TUF metadata and every hash, fsyncs each blob and publishes in one transaction; rclone copy (4 transfers, like our 4 parallel downloads) only copies.`,
    figures: { ours: again.seconds, reference: rc2.seconds, first: first.seconds },
  });
  return rows;
}
