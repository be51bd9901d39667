// The real chain for the end-to-end tests: demo content published by the carmaker tools, a static
// origin, a `pnc-server` process, a throttling TCP proxy standing for a slower LAN, and the local
// agent serving the built renderer. Everything lives in temp folders removed at the end.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import type { ServerInfo } from '@pnc/shared';
import { ensureDemoAccounts } from '../../../../scripts/demo-accounts.mjs';
import { fsckImage } from '../helpers/key-image.js';
import { cli, freePort, runNode, startNode, stopProcess, waitForJson } from '../helpers/processes.js';

export const exec = promisify(execFile);

/** Demo vehicles (see the publisher's demo): what each needs decides the key's size. */
export const VINS = {
  /** Dacia Duster 2, Easy-Link: soft and map. */
  duster: 'UU1HJD00167567890',
  /** Dacia Sandero 3, Easy-Link: the open mandatory campaign OTS-23-EL54. */
  sandero: 'UU1DJF00869456789',
  /** Renault Arkana, R-LINK2: soft and map, the largest key. */
  arkana: 'VF1RHN00868012345',
};

/** Big enough that the Arkana key (~300 MiB) is above FAT32's smallest volume, so a key can be "too small". */
const DEMO_SIZE = '700MiB';

export interface Proxy {
  url: string;
  /** Bytes per second from the server to the workstation; null for full speed. */
  setRate(bytesPerSecond: number | null): void;
  close(): Promise<void>;
}

/** A TCP proxy that paces the server→workstation direction, like a slower LAN. */
export async function startProxy(targetPort: number): Promise<Proxy> {
  let rate: number | null = null;
  let nextFree = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    // A server that is down answers nothing: the workstation sees its connection closed.
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (rate === null) {
        if (!client.write(chunk)) {
          upstream.pause();
          client.once('drain', () => upstream.resume());
        }
        return;
      }
      upstream.pause();
      const now = performance.now();
      const start = Math.max(now, nextFree);
      nextFree = start + (chunk.length / rate) * 1000;
      setTimeout(() => {
        if (client.destroyed) return;
        client.write(chunk);
        upstream.resume();
      }, nextFree - now);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    setRate(bytesPerSecond) {
      rate = bytesPerSecond;
      nextFree = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Stack {
  dir: string;
  trustedRoot: string;
  /** The server itself (for API calls from the test). */
  serverUrl: string;
  /** What the workstation uses: the server through the pacing proxy. */
  lanUrl: string;
  proxy: Proxy;
  technician: { username: string; password: string };
  /** An admin created by the dealer's IT, at its first access (one-time password). */
  newAdmin(): Promise<{ username: string; password: string }>;
  killServer(): Promise<void>;
  startServer(): Promise<void>;
}

async function api<T>(url: string, method: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function startStack(): Promise<{ stack: Stack; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pnc-e2e-'));
  const trustedRoot = join(dir, 'origin/repo/metadata/1.root.json');
  const pub = await runNode(cli.publish, ['demo', '--workdir', join(dir, 'origin'), '--size', DEMO_SIZE]);
  if (pub.code !== 0) throw new Error(pub.stderr + pub.stdout);
  const origin = await startNode(cli.origin, [join(dir, 'origin/repo')], /(http:\/\/127\.0\.0\.1:\d+)/);
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const args = (sync: boolean) => [
    'start',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    join(dir, 'server'),
    '--origin',
    origin.match[1]!,
    '--trusted-root',
    trustedRoot,
    '--udp-port',
    '0',
    '--name',
    'Atelier Lyon Sud',
    '--dealer-code',
    'FR-69-0412',
    ...(sync ? [] : ['--no-sync-on-start']),
  ];
  let server: ChildProcess | undefined = (await startNode(cli.server, args(true), /listening/)).child;
  await waitForJson<ServerInfo>(`${serverUrl}/api/v1/info`, (i) => i.content !== null, 120_000);
  const creds = await ensureDemoAccounts(serverUrl, join(dir, 'server'), join(dir, 'credentials.json'));
  const proxy = await startProxy(port);
  let admins = 0;
  const stack: Stack = {
    dir,
    trustedRoot,
    serverUrl,
    lanUrl: proxy.url,
    proxy,
    technician: creds.technician,
    async newAdmin() {
      const { token } = await api<{ token: string }>(`${serverUrl}/api/v1/auth/login`, 'POST', creds.admin);
      const username = `chef${++admins === 1 ? '' : admins}`;
      const created = await api<{ temporaryPassword: string }>(
        `${serverUrl}/api/v1/users`,
        'POST',
        { username, role: 'admin' },
        token,
      );
      return { username, password: created.temporaryPassword };
    },
    async killServer() {
      await stopProcess(server, 'SIGKILL');
      server = undefined;
    },
    async startServer() {
      server = (await startNode(cli.server, args(false), /listening/)).child;
    },
  };
  return {
    stack,
    async stop() {
      await proxy.close();
      await stopProcess(server);
      await stopProcess(origin.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Agent {
  /** The address with its token, as the agent printed it. */
  url: string;
  home: string;
  /** What the agent printed (shown when a test fails). */
  output(): string;
  stop(): Promise<void>;
  /** Stops it and starts it again on the same workstation state (a restart of the app). */
  restart(): Promise<string>;
}

export async function startAgent(stack: Stack, opts: { connect: boolean; home?: string }): Promise<Agent> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'pnc-e2e-ws-'));
  mkdirSync(home, { recursive: true });
  let child: ChildProcess | undefined;
  let output = () => '';
  const start = async () => {
    const a = await startNode(
      cli.agent,
      ['--port', '0', ...(opts.connect ? ['--server', stack.lanUrl] : [])],
      /open (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/,
      { PNC_TRUSTED_ROOT: stack.trustedRoot, PNC_HOME: home },
    );
    child = a.child;
    output = a.output;
    return a.match[1]!;
  };
  const agent: Agent = {
    url: await start(),
    home,
    output: () => output(),
    async stop() {
      await stopProcess(child);
    },
    async restart() {
      await stopProcess(child);
      agent.url = await start();
      return agent.url;
    },
  };
  return agent;
}

/** Screenshots of every screen, numbered in the order taken, kept as test artifacts. */
export function shooter(page: Page, testInfo: TestInfo, prefix: string) {
  let n = 0;
  const dir = join(import.meta.dirname, '../../reports/screenshots');
  mkdirSync(dir, { recursive: true });
  return async (name: string) => {
    // Let transitions and fonts settle; the caret blinking is hidden.
    await page.evaluate(async () => {
      await document.fonts.ready;
      window.scrollTo(0, 0);
    });
    const path = join(dir, `${prefix}-${String(++n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path, fullPage: true, caret: 'hide', animations: 'disabled' });
    await testInfo.attach(`${prefix}-${name}`, { path, contentType: 'image/png' });
  };
}

type WorkerFixtures = { stack: Stack };
type TestFixtures = { agent: Agent; connectedAgent: Agent };

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stack: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { stack, stop } = await startStack();
      try {
        await use(stack);
      } finally {
        await stop();
      }
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  /** A fresh workstation that has never seen a server. */
  agent: async ({ stack }, use, testInfo) => {
    const agent = await startAgent(stack, { connect: false });
    try {
      await use(agent);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('agent-output', { body: agent.output() });
      await agent.stop();
      rmSync(agent.home, { recursive: true, force: true });
    }
  },
  /** A fresh workstation started with the dealership's server address (as installed). */
  connectedAgent: async ({ stack }, use, testInfo) => {
    stack.proxy.setRate(null);
    const agent = await startAgent(stack, { connect: true });
    try {
      await use(agent);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('agent-output', { body: agent.output() });
      await agent.stop();
      rmSync(agent.home, { recursive: true, force: true });
    }
  },
});

export { expect };

/** Signs in on the sign-in step. */
export async function signIn(page: Page, user: { username: string; password: string }, labels = { user: 'User name', password: 'Password', submit: 'Sign in' }) {
  await page.getByLabel(labels.user).fill(user.username);
  await page.getByLabel(labels.password, { exact: true }).fill(user.password);
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
}

/** A key image in the test's own temp folder. */
export function imagePath(stack: Stack, name: string): string {
  mkdirSync(join(stack.dir, 'keys'), { recursive: true });
  return join(stack.dir, 'keys', name);
}

/** fsck.fat's verdict on a key image (its FAT32 partition): a key the car can read. */
export function fsckClean(image: string): boolean {
  const r = fsckImage(image);
  if (!r.clean) console.error(r.output);
  return r.clean;
}

export function ledger(home: string): Array<{ keyId: string; status: string }> {
  try {
    return (JSON.parse(readFileSync(join(home, 'keys.json'), 'utf8')) as { keys: Array<{ keyId: string; status: string }> }).keys;
  } catch {
    return [];
  }
}
