// Row 1: key creation in one streaming pass (server → desktop core → FAT32 image / loop device),
// against curl reading the same bytes from nginx and dd writing as many bytes to the same target.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, truncateSync, writeFileSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fmtBytes, fmtRate, fmtSeconds, has, isRoot, KEY_CLI, log, medianRun, MiB, node, run } from '../lib/common.mjs';

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

/** GNU time (`/usr/bin/time`), to report a process's CPU user and system seconds. */
const TIME = has('/usr/bin/time') ? '/usr/bin/time' : null;

/** Wraps a command so that its CPU times land in `file` (when GNU time is there). */
function withCpu(cmd, args, file) {
  return TIME ? [TIME, ['-f', '%U %S', '-o', file, cmd, ...args]] : [cmd, args];
}

function cpuFrom(file) {
  try {
    const [user, sys] = readFileSync(file, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    rmSync(file, { force: true });
    return Number.isFinite(user) && Number.isFinite(sys) ? { user, sys } : null;
  } catch {
    return null;
  }
}

const fmtCpu = (cpu) => (cpu ? `CPU ${fmtSeconds(cpu.user)} user + ${fmtSeconds(cpu.sys)} sys` : 'CPU not measured');

/** dd of zeros, 4 MiB blocks, fsynced; `direct` adds oflag=direct (no page cache). */
async function ddTo(ctx, target, bytes, create, direct = false) {
  if (create) closeSync(openSync(target, 'w'));
  const count = Math.ceil(bytes / (4 * MiB));
  const cpuFile = join(ctx.tmp, `dd-cpu-${Date.now()}`);
  const dd = ['if=/dev/zero', `of=${target}`, 'bs=4M', `count=${count}`, 'conv=fsync', ...(direct ? ['oflag=direct'] : [])];
  const [cmd, args] = withCpu('dd', dd, cpuFile);
  const { seconds } = await run(cmd, args);
  return { seconds, cpu: cpuFrom(cpuFile) };
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
    const cpuFile = join(ctx.tmp, `key-cpu-${Date.now()}`);
    const [cmd, cmdArgs] = withCpu(process.execPath, args, cpuFile);
    const child = spawn(cmd, cmdArgs, { env: { ...process.env, ...keyEnv(ctx, 'key') }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    child.once('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      let result = null;
      try {
        result = JSON.parse(out.slice(out.indexOf('{')));
      } catch {
        // reported below
      }
      if (code !== 0 || !result?.ok) reject(new Error(`pnc-key write failed (${code}): ${(err || out).trim().slice(-500)}`));
      else resolve({ seconds, writeSeconds: verifyAt ?? seconds, cpu: cpuFrom(cpuFile) });
    });
  });
}

/** Of alternating runs, the one with the median time. */
const medianTime = (runs) => medianRun(runs, (r) => r.seconds);

/** " (median of 3: 9.1 s, 8.2 s, 12.0 s)", in run order; nothing for a single run. */
function spread(runs) {
  return runs.length > 1 ? ` (median of ${runs.length}: ${runs.map((r) => fmtSeconds(r.seconds)).join(', ')})` : '';
}

function keyRow(id, what, oursRuns, curl, ddRuns, bytes) {
  const ours = medianTime(oursRuns);
  const dd = medianTime(ddRuns).seconds;
  const ref = Math.max(curl, dd);
  const ratio = ours.seconds / ref;
  return {
    id,
    what,
    ours: `${fmtSeconds(ours.seconds)} (${fmtRate(bytes / ours.seconds)}) = write ${fmtSeconds(ours.writeSeconds)} + read-back ${fmtSeconds(ours.seconds - ours.writeSeconds)}${spread(oursRuns)}`,
    ref: `${fmtSeconds(ref)} = slower of curl ${fmtSeconds(curl)}, dd ${fmtSeconds(dd)}${spread(ddRuns)}`,
    ratio,
    goal: '≤ 1.15',
    ok: ratio <= 1.15,
    figures: {
      ours: ours.seconds,
      oursUntilReadBack: ours.writeSeconds,
      oursCpu: ours.cpu,
      curl,
      dd,
      bytes,
      oursRuns: oursRuns.map((r) => r.seconds),
      ddRuns: ddRuns.map((r) => r.seconds),
    },
  };
}

/** dd with oflag=direct on the same target, beside ours: CPU, not only time (the goal keeps plain dd). */
function ddDirectRow(id, oursRuns, plainRuns, directRuns) {
  const ours = medianTime(oursRuns);
  const plain = medianTime(plainRuns);
  const direct = medianTime(directRuns);
  return {
    id,
    what: '  … CPU of ours, and dd with oflag=direct (no page cache) to the same target, for comparison',
    ours: `${fmtSeconds(ours.seconds)}, ${fmtCpu(ours.cpu)}`,
    ref: `dd oflag=direct ${fmtSeconds(direct.seconds)} (${fmtCpu(direct.cpu)})${spread(directRuns)}; plain dd ${fmtSeconds(plain.seconds)} (${fmtCpu(plain.cpu)})`,
    ratio: ours.seconds / direct.seconds,
    goal: '(info)',
    ok: null,
    figures: { ours: ours.seconds, oursCpu: ours.cpu, dd: plain.seconds, ddCpu: plain.cpu, ddDirect: direct.seconds, ddDirectCpu: direct.cpu, ddDirectRuns: directRuns.map((r) => r.seconds) },
  };
}

/** The streaming pass alone (start → end of writing, before the read-back), same references. */
function passRow(id, what, oursRuns, curl, ddRuns) {
  const ours = medianTime(oursRuns);
  const ref = Math.max(curl, medianTime(ddRuns).seconds);
  return { id, what, ours: `${fmtSeconds(ours.writeSeconds)}`, ref: `${fmtSeconds(ref)}`, ratio: ours.writeSeconds / ref, goal: '(info) ≤ 1.15', ok: null };
}

/**
 * dd, dd with oflag=direct and ours onto one target, alternating for `rounds` rounds: this VM's
 * disk swings by up to 2× from one run to the next, and alternating gives both the same luck.
 */
async function alternate(ctx, rounds, label, steps) {
  const runs = { dd: [], ddDirect: [], ours: [] };
  for (let r = 0; r < rounds; r++) {
    const round = rounds > 1 ? ` (round ${r + 1}/${rounds})` : '';
    for (const [key, what, fn] of steps) {
      log(`row 1: ${what} ${label}${round}…`);
      runs[key].push(await fn());
      settle();
    }
  }
  return runs;
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
  const image = await alternate(ctx, ctx.opts.rounds ?? 1, 'to an image', [
    ['dd', 'dd', () => ddTo(ctx, img, pkg.bytes, true).finally(() => rmSync(img, { force: true }))],
    ['ddDirect', 'dd oflag=direct', () => ddTo(ctx, img, pkg.bytes, true, true).finally(() => rmSync(img, { force: true }))],
    ['ours', 'pnc-key write', () => ourKey(ctx, pkg, { image: img }, volume).finally(() => rmSync(img, { force: true }))],
  ]);
  const oursImg = medianTime(image.ours);
  if (curl) {
    rows.push(keyRow('1a', `Key creation, ${desc} → FAT32 image file (pnc-key write, read back and verified)`, image.ours, curl.seconds, image.dd, pkg.bytes));
    rows.push(passRow('1a′', '  … of which the streaming pass (server → hash → key, fsynced), before the read-back', image.ours, curl.seconds, image.dd));
    rows.push(ddDirectRow('1a″', image.ours, image.dd, image.ddDirect));
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
    const loop = await alternate(ctx, ctx.opts.rounds ?? 1, `to ${dev}`, [
      ['dd', 'dd', () => ddTo(ctx, dev, pkg.bytes, false)],
      ['ddDirect', 'dd oflag=direct', () => ddTo(ctx, dev, pkg.bytes, false, true)],
      ['ours', 'pnc-key write --device', () => ourKey(ctx, pkg, { device: dev }, volume)],
    ]);
    if (curl) {
      rows.push(keyRow('1c', `Key creation, same package → loop device ${dev} (pnc-key write --device, read back)`, loop.ours, curl.seconds, loop.dd, pkg.bytes));
      rows.push(passRow('1c′', '  … of which the streaming pass, before the read-back', loop.ours, curl.seconds, loop.dd));
      rows.push(ddDirectRow('1c″', loop.ours, loop.dd, loop.ddDirect));
    }
  } finally {
    spawnSync('losetup', ['-d', dev]);
    rmSync(backing, { force: true });
  }
  rows.at(-1).note = `1a/1c: ours includes process start, TUF verification of the catalog, the write, fsync and the full read-back from the key (with O_DIRECT where the key takes it, else after dropping its page cache, as pnc-key does); dd writes zeros with conv=fsync (the goal's reference); dd, dd oflag=direct and ours alternate --rounds times per target and each figure is the median run; 1a″/1c″ add dd with oflag=direct and the CPU seconds (GNU time) for comparison; curl is one connection to nginx reading the box's store.`;
  return rows;
}
