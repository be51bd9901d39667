// Shared pieces of the reliability cases: the long/short scale, a real `pnc-server start` process
// and a fake carmaker endpoint that records what reaches it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** `PNC_RELIABILITY=full` is the long form run by `npm run test:reliability`. */
export const FULL = process.env['PNC_RELIABILITY'] === 'full';
export const SCALE = {
  loadSeconds: Number(process.env['PNC_LOAD_SECONDS'] ?? (FULL ? 60 : 8)),
  workstations: Number(process.env['PNC_LOAD_WORKSTATIONS'] ?? (FULL ? 50 : 20)),
  killRounds: Number(process.env['PNC_KILL_ROUNDS'] ?? (FULL ? 10 : 2)),
  fuzzRuns: FULL ? 300 : 60,
};

export const SERVER_CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'server-cli.ts');

export interface BoxProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<string>;
}

/** `pnc-server start` from the sources, on 127.0.0.1 with a free port; resolves once it listens. */
async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startBox(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<BoxProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVER_CLI, 'start', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PNC_DISCOVERY: '0', PNC_LOG_LEVEL: 'warn', ...env } },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string>((r) => child.on('exit', (code, signal) => r(signal ?? String(code))));
  const until = Date.now() + 60_000;
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const up = await fetch(`${url}/api/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, url, output: () => out, exited };
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`pnc-server did not start:\n${out}`);
    }
    await sleep(50);
  }
}

export async function killBox(box: BoxProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!box || box.child.exitCode !== null || box.child.signalCode !== null) return;
  box.child.kill(signal);
  await box.exited;
}

/** Signs in as the first-access admin, sets a password, creates a technician; returns both tokens. */
export async function setUpAccounts(url: string, dataDir: string): Promise<{ admin: string; technician: string; techPassword: string }> {
  const call = async (method: string, path: string, body?: unknown, token?: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const oneTime = /password: (\S+)/.exec(readFileSync(join(dataDir, 'first-access-password.txt'), 'utf8'))![1]!;
  const a = await call('POST', '/api/v1/auth/login', { username: 'admin', password: oneTime });
  await call('POST', '/api/v1/auth/password', { currentPassword: oneTime, newPassword: 'reliability-admin-pw-1' }, a['token'] as string);
  const admin = (await call('POST', '/api/v1/auth/login', { username: 'admin', password: 'reliability-admin-pw-1' }))['token'] as string;
  const created = await call('POST', '/api/v1/users', { username: 'tech', role: 'technician' }, admin);
  const tmp = created['temporaryPassword'] as string;
  const t = await call('POST', '/api/v1/auth/login', { username: 'tech', password: tmp });
  await call('POST', '/api/v1/auth/password', { currentPassword: tmp, newPassword: 'reliability-tech-pw-1' }, t['token'] as string);
  const technician = (await call('POST', '/api/v1/auth/login', { username: 'tech', password: 'reliability-tech-pw-1' }))['token'] as string;
  return { admin, technician, techPassword: 'reliability-tech-pw-1' };
}

/** The carmaker's confirmation endpoint: records every confirmation id it receives (with repeats). */
export interface Upstream {
  url: string;
  received: string[];
  /** Answer this status instead of 200 while set. */
  failWith: number | null;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const up: Upstream = { url: '', received: [], failWith: null, close: async () => undefined };
  const body = (req: IncomingMessage): Promise<string> =>
    new Promise((r) => {
      let s = '';
      req.on('data', (d: Buffer) => (s += d.toString()));
      req.on('end', () => r(s));
    });
  const server: Server = createServer((req, res) => {
    void body(req).then((s) => {
      if (up.failWith) {
        res.writeHead(up.failWith).end();
        return;
      }
      try {
        const b = JSON.parse(s) as { confirmations: Array<{ id: string }> };
        for (const c of b.confirmations) up.received.push(c.id);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/confirmations`;
  up.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return up;
}

/** Polls until `test` holds (bounded). */
export async function waitFor(test: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await test()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
