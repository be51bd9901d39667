import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { ServerInfo } from '@pnc/shared';
import { ensureDemoAccounts } from '../../../../scripts/demo-accounts.mjs';
import { ServerClient } from '../../src/core/server/server-client.js';
import { fetchVerifiedCatalog, type VerifiedCatalog } from '../../src/core/trust/verified-catalog.js';
import { cli, freePort, runNode, startNode, stopProcess, waitForJson } from './processes.js';

export interface Stack {
  dir: string;
  serverUrl: string;
  trustedRoot: string;
  client: ServerClient;
  verified: VerifiedCatalog;
  info: ServerInfo;
  /** Kills the server (SIGKILL by default) and starts it again on the same port and data. */
  restartServer(opts?: { downMs?: number; signal?: NodeJS.Signals }): Promise<void>;
  killServer(signal?: NodeJS.Signals): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real chain on loopback for core tests: demo content published, a static origin, a
 * `pnc-server` process that mirrored it, a signed-in technician and the verified catalog.
 */
export async function startStack(opts: { size?: string } = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'pnc-stack-'));
  const trustedRoot = join(dir, 'origin/repo/metadata/1.root.json');
  const pub = await runNode(cli.publish, [
    'demo',
    '--workdir',
    join(dir, 'origin'),
    '--size',
    opts.size ?? '6MiB',
  ]);
  if (pub.code !== 0) throw new Error(pub.stderr + pub.stdout);
  const origin = await startNode(cli.origin, [join(dir, 'origin/repo')], /(http:\/\/127\.0\.0\.1:\d+)/);
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  // The first start mirrors; restarts serve what is there, as a box rebooting would.
  const launch = async (syncOnStart: boolean) => {
    const args = ['start', '--host', '127.0.0.1', '--port', String(port), '--data-dir', join(dir, 'server')];
    args.push('--origin', origin.match[1]!, '--trusted-root', trustedRoot, '--udp-port', '0');
    if (!syncOnStart) args.push('--no-sync-on-start');
    server = (await startNode(cli.server, args, /listening/)).child;
  };
  const startServer = () => launch(false);
  await launch(true);
  const info = await waitForJson<ServerInfo>(`${serverUrl}/api/v1/info`, (i) => i.content !== null);
  const creds = await ensureDemoAccounts(serverUrl, join(dir, 'server'), join(dir, 'credentials.json'));
  const client = new ServerClient(serverUrl);
  const login = await client.login(creds.technician.username, creds.technician.password, 'test-bench');
  client.setToken(login.token);
  const verified = await fetchVerifiedCatalog({
    serverUrl,
    trustedRootFile: trustedRoot,
    stateDir: join(dir, 'ws'),
  });
  const killServer = async (signal: NodeJS.Signals = 'SIGKILL') => stopProcess(server, signal);
  return {
    dir,
    serverUrl,
    trustedRoot,
    client,
    verified,
    info,
    killServer,
    startServer,
    async restartServer({ downMs = 500, signal = 'SIGKILL' } = {}) {
      await killServer(signal);
      await new Promise((r) => setTimeout(r, downMs));
      await startServer();
    },
    async stop() {
      await stopProcess(server);
      await stopProcess(origin.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
