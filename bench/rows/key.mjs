// Row 1: key creation in one streaming pass (server → desktop core → FAT32 image / loop device),
// against curl reading the same bytes from nginx and dd writing as many bytes to the same target.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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

/** `pnc-key write --json`; returns the wall time and when the read-back began (from its NDJSON progress). */
export function ourKey(ctx, pkg, target, volume, vin = ctx.world.vinRlink) {
  const args = [KEY_CLI, 'write', '--server', ctx.world.box.url, '--vin', vin, '--package', pkg.id, '--json'];
  if (target.device) args.push('--device', target.device, '--yes');
  else args.push('--image', target.image, '--size', String(volume));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let verifyAt = null;
    let out = '';
    let err = '';
    let line = '';
    const child = spawn(process.execPath, args, { env: { ...process.env, ...keyEnv(ctx, 'key') }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      line += d;
      let i;
      while ((i = line.indexOf('\n')) >= 0) {
        const l = line.slice(0, i);
        line = line.slice(i + 1);
        if (verifyAt === null && l.includes('"phase":"verifying"')) verifyAt = (performance.now() - t0) / 1000;
        else if (!l.startsWith('{')) err += l + '\n';
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_600_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      let result = null;
      try {
        result = JSON.parse(out.slice(out.indexOf('{')));
      } catch {
        // reported below
      }
      if (code !== 0 || !result?.ok) reject(new Error(`pnc-key write failed (${code}): ${(err || out).trim().slice(-500)}`));
      else resolve({ seconds, writeSeconds: verifyAt ?? seconds });
    });
  });
}

function keyRow(id, what, ours, curl, dd, bytes) {
  const ref = Math.max(curl, dd);
  const ratio = ours.seconds / ref;
  return {
    id,
    what,
    ours: `${fmtSeconds(ours.seconds)} (${fmtRate(bytes / ours.seconds)}) = write ${fmtSeconds(ours.writeSeconds)} + read-back ${fmtSeconds(ours.seconds - ours.writeSeconds)}`,
    ref: `${fmtSeconds(ref)} = slower of curl ${fmtSeconds(curl)}, dd ${fmtSeconds(dd)}`,
    ratio,
    goal: '≤ 1.15',
    ok: ratio <= 1.15,
    figures: { ours: ours.seconds, oursUntilReadBack: ours.writeSeconds, curl, dd, bytes },
  };
}

/** The streaming pass alone (start → end of writing, before the read-back), same references. */
function passRow(id, what, ours, curl, dd) {
  const ref = Math.max(curl, dd);
  return { id, what, ours: `${fmtSeconds(ours.writeSeconds)}`, ref: `${fmtSeconds(ref)}`, ratio: ours.writeSeconds / ref, goal: '(info) ≤ 1.15', ok: null };
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
  if (curl) {
    rows.push(keyRow('1a', `Key creation, ${desc} → FAT32 image file (pnc-key write, read back and verified)`, oursImg, curl.seconds, ddImg, pkg.bytes));
    rows.push(passRow('1a′', '  … of which the streaming pass (server → hash → key, fsynced), before the read-back', oursImg, curl.seconds, ddImg));
  }

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
    ours: `${fmtSeconds(oursImg.seconds)} single pass`,
    ref: `${fmtSeconds(three.seconds)} = ${fmtSeconds(three.download)} + ${fmtSeconds(three.copy)} + ${fmtSeconds(three.key)}`,
    ratio: oursImg.seconds / three.seconds,
    goal: '< 1 (the gain)',
    ok: oursImg.seconds < three.seconds,
    note: `1b: the single pass takes ${Math.abs((1 - oursImg.seconds / three.seconds) * 100).toFixed(0)} % ${oursImg.seconds <= three.seconds ? 'less' : 'more'} time than download → copy → key with the same parts (both read the key back from the device).`,
    figures: { ours: oursImg.seconds, ...three },
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
    if (curl) {
      rows.push(keyRow('1c', `Key creation, same package → loop device ${dev} (pnc-key write --device, read back)`, oursLoop, curl.seconds, ddLoop, pkg.bytes));
      rows.push(passRow('1c′', '  … of which the streaming pass, before the read-back', oursLoop, curl.seconds, ddLoop));
    }
  } finally {
    spawnSync('losetup', ['-d', dev]);
    rmSync(backing, { force: true });
  }
  rows.at(-1).note = `1a/1c: ours includes process start, TUF verification of the catalog, the write, fsync and the full read-back from the key (its page cache dropped first, as pnc-key does); dd writes zeros with conv=fsync; curl is one connection to nginx reading the box's store.`;
  return rows;
}
