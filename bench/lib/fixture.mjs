// The benchmark's world, built with the product's own tools on loopback: carmaker repositories
// (pnc-publish), an nginx serving them (the origin, and the box's store for the references),
// dealer boxes (pnc-server sync / start) and accounts through the real API.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDemoAccounts } from '../../scripts/demo-accounts.mjs';
import { freePort, isRoot, log, MiB, node, PUBLISH_CLI, runWithCpu, SERVER_CLI, startProcess, stopProcess, waitFor } from './common.mjs';

/** Deterministic incompressible bytes (AES-CTR keystream), written in 1 MiB steps. */
export function writeDeterministic(path, size, name) {
  const key = createHash('sha256').update(`pnc-bench:${name}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(Math.min(4 * MiB, Math.max(size, 1)));
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0; ) {
      const n = Math.min(left, zeros.length);
      writeSync(fd, cipher.update(zeros.subarray(0, n)));
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A folder laid out as on a key: `count` files summing to exactly `total` bytes, sizes varying
 * ±50 % around the mean, at most 100 a folder. Returns [{ rel, abs, size }].
 */
export function makeTree(dir, total, count, prefix, label) {
  const weights = Array.from({ length: count }, (_, i) => 0.5 + ((i * 7919) % 101) / 100);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((total * w) / sum));
  sizes[0] += total - sizes.reduce((a, b) => a + b, 0);
  const files = [];
  sizes.forEach((size, i) => {
    const folder = `${prefix}/Zone ${String(Math.floor(i / 100) + 1).padStart(2, '0')}`;
    const rel = `${folder}/Tile ${String(i + 1).padStart(5, '0')}.dat`;
    const abs = join(dir, rel);
    mkdirSync(join(dir, folder), { recursive: true });
    writeDeterministic(abs, size, `${label}:${i}`);
    files.push({ rel, abs, size });
  });
  return files;
}

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
/** A valid 17-character VIN from a number (WMI VF1 = Renault, etc.). */
export function benchVin(i, wmi = 'VF1') {
  let s = '';
  let n = i;
  for (let k = 0; k < 8; k++) {
    s = VIN_CHARS[n % VIN_CHARS.length] + s;
    n = Math.floor(n / VIN_CHARS.length);
  }
  return `${wmi}BN${'R'}${'0'.repeat(3)}${s}`.slice(0, 17);
}

const BRANDS = [
  ['RENAULT', 'VF1', ['CLIO5', 'CAPTUR2', 'MEGANE4', 'ARKANA']],
  ['DACIA', 'UU1', ['SANDERO3', 'DUSTER2', 'JOGGER']],
  ['NISSAN', 'SJN', ['JUKE2', 'QASHQAI3']],
  ['ALPINE', 'VFA', ['A110']],
];
const UNITS = ['RLINK2', 'EASYLINK', 'OPENRLINK'];
const REGIONS = ['EUROPE', 'EUROPE_EAST', 'TURKEY'];

/** NDJSON vehicle registry of `n` varied records; returns the VINs' generator. */
export function writeVehicles(file, n) {
  const fd = openSync(file, 'w');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const [brand, wmi, models] = BRANDS[i % BRANDS.length];
    const rec = {
      vin: benchVin(i, wmi),
      brand,
      model: models[i % models.length],
      modelYear: 2016 + (i % 10),
      headUnit: UNITS[i % 3],
      softVersion: `${10 + (i % 3)}.${i % 4}.0`,
      mapVersion: `${(i % 5) + 1}.0`,
      mapRegion: REGIONS[i % 3],
      openCampaigns: i % 7 === 0 ? ['OTS-BENCH-01'] : [],
    };
    buf += JSON.stringify(rec) + '\n';
    if (buf.length > MiB) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

export function vinOf(i) {
  const [, wmi] = BRANDS[i % BRANDS.length];
  return benchVin(i, wmi);
}

const publish = (args) => node(PUBLISH_CLI, args, { timeoutMs: 3_600_000 });

/** A carmaker repository under `dir/repo`: init, packages, vehicles, publish. */
export async function makeRepository(dir, { packages, vehiclesFile }) {
  await publish(['init', '--workdir', dir, '--expiry-timestamp', '30', '--expiry-snapshot', '30']);
  for (const p of packages) {
    const metaFile = join(dir, `${p.meta.id}.meta.json`);
    writeFileSync(metaFile, JSON.stringify(p.meta));
    await publish(['add-package', '--workdir', dir, '--from', p.folder, '--meta', metaFile]);
  }
  if (vehiclesFile) await publish(['vehicles', '--workdir', dir, '--file', vehiclesFile]);
  await publish(['publish', '--workdir', dir]);
  return { dir, repo: join(dir, 'repo'), trustedRoot: join(dir, 'repo', 'metadata', '1.root.json') };
}

export function packageMeta(id, kind, family, version, extra = {}) {
  return { id, kind, family, version, title: { en: `Bench ${id}` }, region: '*', releasedAt: '2026-01-01T00:00:00Z', ...extra };
}

/** Hard links of the first files of `files` (≈ `bytes`) under another prefix: same blobs, no copy. */
export function linkSubset(dir, files, bytes, prefix) {
  let sum = 0;
  const out = [];
  for (const f of files) {
    if (sum >= bytes && out.length) break;
    const rel = f.rel.replace(/^[^/]+/, prefix);
    const abs = join(dir, rel);
    mkdirSync(join(abs, '..'), { recursive: true });
    linkSync(f.abs, abs);
    out.push({ ...f, rel, abs });
    sum += f.size;
  }
  return { files: out, bytes: sum };
}

/** nginx with two sites: the origin (`originRoot`, autoindex for rclone) and a box's store under the API's blob URLs. */
export async function startNginx(dir, { originRoot, store, workers = 'auto' }) {
  mkdirSync(dir, { recursive: true });
  const originPort = await freePort();
  const storePort = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `${isRoot() ? 'user root;' : ''}
worker_processes ${workers};
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${originPort};
    root ${originRoot};
    autoindex on;
  }
  server {
    listen 127.0.0.1:${storePort};
    location ~ "^/api/v1/blobs/sha256/(([0-9a-f]{2})[0-9a-f]{62})$" {
      alias ${store}/$2/$1;
    }
  }
}
`,
  );
  const child = startProcess('nginx', 'nginx', ['-c', conf, '-p', dir, '-e', `${dir}/error.log`]);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${originPort}/`)).status > 0, 'nginx');
  return { child, originUrl: `http://127.0.0.1:${originPort}`, storeUrl: `http://127.0.0.1:${storePort}`, stop: () => stopProcess(child, 'SIGQUIT') };
}

/** `pnc-server sync` once; returns the wall time and the CLI's JSON result. */
export async function syncBox(dataDir, originUrl, trustedRoot, extra = []) {
  const r = await runWithCpu(process.execPath, [SERVER_CLI, 'sync', '--origin', originUrl, '--data-dir', dataDir, '--trusted-root', trustedRoot, '--json', ...extra], {
    env: { PNC_LOG_LEVEL: 'warn' },
  });
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  if (result.status === 'failed') throw new Error(`sync failed: ${result.error?.message}`);
  return { seconds: r.seconds, cpu: r.cpu, result };
}

/** A real `pnc-server start` on 127.0.0.1 (no discovery, no sync on start), with a technician token. */
export async function startBox(dataDir, { name = 'bench', logLevel = 'info', env = {}, args = [] } = {}) {
  const port = await freePort();
  const child = startProcess(name, process.execPath, [SERVER_CLI, 'start', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...(args.length ? args : ['--no-sync-on-start']), '--name', 'Bench box'], {
    env: { PNC_DISCOVERY: '0', PNC_LOG_LEVEL: logLevel, ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => child.exitCode === null && (await fetch(`${url}/api/v1/info`)).ok, `the server in ${dataDir}`, 120_000).catch((e) => {
    throw new Error(`${e.message}\n${child.output.slice(-2000)}`);
  });
  const creds = await ensureDemoAccounts(url, dataDir, join(dataDir, 'bench-credentials.json'));
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: creds.technician.username, password: creds.technician.password, workstation: 'bench' }),
  });
  if (!res.ok) throw new Error(`technician sign-in failed: ${res.status}`);
  const { token } = await res.json();
  return { child, url, token, creds, pid: child.pid, stop: () => stopProcess(child) };
}

export function removeTree(path) {
  rmSync(path, { recursive: true, force: true });
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export { log };
