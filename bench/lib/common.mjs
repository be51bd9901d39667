// Shared helpers of the benchmark: sizes, processes, timing, CPU and memory counters, tools.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_CLI = join(ROOT, 'packages/server/dist/cli/server-cli.js');
export const PUBLISH_CLI = join(ROOT, 'packages/server/dist/cli/publish-cli.js');
export const KEY_CLI = join(ROOT, 'packages/desktop/dist/core/cli/key-cli.js');
export const AGENT_CLI = join(ROOT, 'packages/desktop/dist/core/agent/agent-cli.js');
export const RENDERER_DIR = join(ROOT, 'packages/desktop/dist/renderer');

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** "4GiB", "512MiB", "60MB/s", "118MB" → bytes (decimal MB/GB, binary MiB/GiB). */
export function parseBytes(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?(?:\/s)?\s*$/i.exec(String(text));
  if (!m) throw new Error(`not a size: "${text}"`);
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const table = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: KiB, ki: KiB, m: 1e6, mb: 1e6, mib: MiB, mi: MiB, g: 1e9, gb: 1e9, gib: GiB, gi: GiB, t: 1e12, tb: 1e12, tib: GiB * 1024 };
  if (!(unit in table)) throw new Error(`unknown unit in "${text}"`);
  return Math.round(n * table[unit]);
}

export function fmtBytes(n) {
  if (n >= GiB) return `${(n / GiB).toFixed(n % GiB === 0 ? 0 : 2)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
  if (n >= KiB) return `${(n / KiB).toFixed(0)} KiB`;
  return `${n} B`;
}

export const fmtRate = (bytesPerSecond) => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
export const fmtSeconds = (s) => (s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`);

export function log(msg) {
  process.stderr.write(`\x1b[36m[bench]\x1b[0m ${msg}\n`);
}

export function has(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

export function isRoot() {
  return process.getuid?.() === 0;
}

/** First line of a tool's version output, or null when the tool is missing. */
export function toolVersion(bin, args = ['--version']) {
  if (!has(bin)) return null;
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim())?.trim() ?? null;
}

/**
 * Makes sure the reference tools exist. As root with apt-get, missing Debian packages are
 * installed; otherwise the command is printed and the rows needing them are skipped.
 */
export function ensureTools(wanted) {
  const missing = wanted.filter((t) => !has(t.bin));
  if (missing.length && isRoot() && has('apt-get')) {
    const pkgs = [...new Set(missing.map((t) => t.pkg))];
    log(`installing reference tools: apt-get install -y ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
    } catch {
      log('apt-get failed; rows that need the missing tools are skipped.');
    }
  }
  const still = wanted.filter((t) => !has(t.bin));
  if (still.length) {
    log(`missing reference tools: ${still.map((t) => t.bin).join(', ')}. Install them with: sudo apt-get install ${[...new Set(still.map((t) => t.pkg))].join(' ')}`);
  }
  return Object.fromEntries(wanted.map((t) => [t.bin, has(t.bin)]));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion; rejects with its stderr on failure. Bounded by `timeoutMs`. */
export function run(cmd, args, opts = {}) {
  const { env, cwd, timeoutMs = 3_600_000, input, quiet = true } = opts;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      if (stdout.length < 4 * MiB) stdout += d;
    });
    child.stderr.on('data', (d) => {
      if (stderr.length < 4 * MiB) stderr += d;
      if (!quiet) process.stderr.write(d);
    });
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // 'close', not 'exit': only then has all of its output been read (curl's last lines).
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ seconds, stdout, stderr });
      else reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}… exited ${signal ?? code}: ${(stderr || stdout).trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

export const node = (script, args, opts) => run(process.execPath, [script, ...args], opts);

/**
 * `run`, plus the user + system CPU seconds of the command and everything it started (bash's
 * `times`, printed to stderr and taken off it): the process is gone before /proc could be read.
 */
export async function runWithCpu(cmd, args, opts) {
  const r = await run('bash', ['-c', '"$@" && times >&2', 'bench', cmd, ...args], opts);
  const lines = r.stderr.trimEnd().split('\n');
  const children = lines.pop() ?? '';
  lines.pop();
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (seconds.length !== 2) throw new Error(`could not read the CPU time of ${cmd}: "${children}"`);
  return { ...r, stderr: lines.join('\n'), cpu: seconds[0] + seconds[1] };
}

/** Drops the page cache where allowed (root), so runs start from the same state. */
export function dropCaches() {
  if (!isRoot()) return false;
  try {
    spawnSync('sync');
    execFileSync('sh', ['-c', 'echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CLK_TCK = 100;
/** User + system CPU seconds of a process (and, with `tree`, of its children still alive). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Peak resident set of a live process, in bytes (VmHWM). */
export function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Children of a process (nginx workers), from /proc. */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function waitFor(test, what, timeoutMs = 60_000, everyMs = 100) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const v = await test();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${last.message})` : ''}`);
}

/** Long-running child processes the bench started; all are stopped by `stopAll`, by pid. */
const children = new Set();

export function startProcess(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  child.name = name;
  child.output = '';
  const keep = (d) => {
    child.output += d;
    if (child.output.length > 256 * KiB) child.output = child.output.slice(-128 * KiB);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function stopProcess(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stopProcess(c)));
}

/** Of repeated runs, the one whose `by(run)` is the median (the lower middle one for an even count). */
export function medianRun(runs, by) {
  return [...runs].sort((a, b) => by(a) - by(b))[(runs.length - 1) >> 1];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
