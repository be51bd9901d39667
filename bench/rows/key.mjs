// Row 1: key creation in one streaming pass (server → desktop core → FAT32 image / loop device),
// against curl reading the same bytes from nginx and dd writing as many bytes to the same target.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, truncateSync, writeFileSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fmtBytes, fmtRate, fmtSeconds, has, isRoot, KEY_CLI, log, MiB, node, run } from '../lib/common.mjs';

const KEY_DRIVER = new URL('../lib/key-driver.mjs', import.meta.url).pathname;

export function volumeFor(bytes) {
  // Room for the FAT32 metadata and cluster slack, and never below a sane key size.
  return Math.max(512 * MiB, Math.ceil((bytes * 1.1 + 64 * MiB) / MiB) * MiB);
}

export function keyEnv(ctx, name) {
  return {
    PNC_TOKEN: ctx.world.box.token,
    PNC_TRUSTED_ROOT: ctx.world.repo.trustedRoot,
    PNC_HOME: join(ctx.tmp, `ws-${name}-${Date.now()}`),
  };
}

const settle = () => spawnSync('sync');

/** curl, one process, one connection, the files one after the other to /dev/null. */
export async function curlAll(ctx, baseUrl, files, headers = {}) {
  const cfg = join(ctx.tmp, `curl-${Date.now()}.cfg`);
  const hdr = Object.entries(headers).map(([k, v]) => `header = "${k}: ${v}"\n`).join('');
  writeFileSync(cfg, hdr + files.map((f) => `url = "${baseUrl}/api/v1/blobs/sha256/${f.sha256}"\noutput = "/dev/null"\n`).join(''));
  const r = await run('curl', ['-s', '-f', '-K', cfg, '-w', '%{size_download}\n']);
  rmSync(cfg);
  const bytes = r.stdout.split('\n').filter(Boolean).reduce((n, s) => n + Number(s), 0);
  return { seconds: r.seconds, bytes };
}

async function ddTo(target, bytes, create) {
  if (create) closeSync(openSync(target, 'w'));
  const count = Math.ceil(bytes / (4 * MiB));
  return (await run('dd', ['if=/dev/zero', `of=${target}`, 'bs=4M', `count=${count}`, 'conv=fsync'])).seconds;
}

export async function ourKey(ctx, pkg, target, volume, vin = ctx.world.vinRlink) {
  const args = ['write', '--server', ctx.world.box.url, '--vin', vin, '--package', pkg.id, '--json'];
  if (target.device) args.push('--device', target.device, '--yes');
  else args.push('--image', target.image, '--size', String(volume));
  const r = await node(KEY_CLI, args, { env: keyEnv(ctx, 'key') });
  const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  if (!out.ok) throw new Error(`pnc-key write failed: ${r.stdout}`);
  return r.seconds;
}

function keyRow(id, what, ours, curl, dd, bytes) {
  const ref = Math.max(curl, dd);
  const ratio = ours / ref;
  return {
    id,
    what,
    ours: `${fmtSeconds(ours)} (${fmtRate(bytes / ours)})`,
    ref: `${fmtSeconds(ref)} = slower of curl ${fmtSeconds(curl)}, dd ${fmtSeconds(dd)}`,
    ratio,
    goal: '≤ 1.15',
    ok: ratio <= 1.15,
    figures: { ours, curl, dd, bytes },
  };
}

export async function keyRows(ctx) {
  const { world, tmp } = ctx;
  const pkg = world.packages.map;
  const volume = volumeFor(pkg.bytes);
  const rows = [];
  const img = join(tmp, 'key.img');
  const desc = `${fmtBytes(pkg.bytes)} in ${pkg.files.length} files`;

  if (!world.nginx) {
    rows.push({ id: '1a', what: `Key creation, ${desc} → FAT32 image`, skipped: 'needs nginx (apt-get install nginx)' });
  }
  settle();
  log('row 1: curl from nginx…');
  const curl = world.nginx ? await curlAll(ctx, world.nginx.storeUrl, pkg.files) : null;
  if (curl && curl.bytes !== pkg.bytes) throw new Error(`curl read ${curl.bytes} bytes, expected ${pkg.bytes}`);
  log('row 1: dd to an image…');
  const ddImg = await ddTo(img, pkg.bytes, true);
  rmSync(img, { force: true });
  settle();
  log('row 1: pnc-key write --image…');
  const oursImg = await ourKey(ctx, pkg, { image: img }, volume);
  rmSync(img, { force: true });
  settle();
  if (curl) rows.push(keyRow('1a', `Key creation, ${desc} → FAT32 image file (pnc-key write, verified)`, oursImg, curl.seconds, ddImg, pkg.bytes));

  log('row 1: three phases with our parts…');
  const work = join(tmp, 'three');
  const three = JSON.parse(
    (
      await node(KEY_DRIVER, ['--mode', 'three', '--server', world.box.url, '--vin', world.vinRlink, '--package', pkg.id, '--image', img, '--size', String(volume), '--work', work], {
        env: keyEnv(ctx, 'three'),
      })
    ).stdout.trim(),
  );
  rmSync(img, { force: true });
  rmSync(work, { recursive: true, force: true });
  settle();
  rows.push({
    id: '1b',
    what: 'Same key the three-phase way (download to disk, copy, build the key), our parts',
    ours: `${fmtSeconds(oursImg)} single pass`,
    ref: `${fmtSeconds(three.seconds)} = ${fmtSeconds(three.download)} + ${fmtSeconds(three.copy)} + ${fmtSeconds(three.key)}`,
    ratio: oursImg / three.seconds,
    goal: '< 1 (the gain)',
    ok: oursImg < three.seconds,
    note: `1b: single pass takes ${((1 - oursImg / three.seconds) * 100).toFixed(0)} % less time than download → copy → key with the same parts.`,
    figures: { ours: oursImg, ...three },
  });

  if (!isRoot() || !has('losetup')) {
    rows.push({ id: '1c', what: `Key creation, ${desc} → loop device`, skipped: 'needs root and losetup' });
    return rows;
  }
  const backing = join(tmp, 'loop-backing.img');
  closeSync(openSync(backing, 'w'));
  truncateSync(backing, volume);
  const dev = execFileSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' }).trim();
  ctx.cleanupHooks.push(() => spawnSync('losetup', ['-d', dev]));
  try {
    log(`row 1: dd to ${dev}…`);
    const ddLoop = await ddTo(dev, pkg.bytes, false);
    settle();
    log(`row 1: pnc-key write --device ${dev}…`);
    const oursLoop = await ourKey(ctx, pkg, { device: dev }, volume);
    settle();
    if (curl) rows.push(keyRow('1c', `Key creation, same package → loop device ${dev} (pnc-key write --device)`, oursLoop, curl.seconds, ddLoop, pkg.bytes));
  } finally {
    spawnSync('losetup', ['-d', dev]);
    rmSync(backing, { force: true });
  }
  rows.at(-1).note = `1a/1c: ours includes process start, TUF verification of the catalog, the write, fsync and the full read-back; dd writes zeros with conv=fsync; curl is one connection to nginx reading the box's store.`;
  return rows;
}
