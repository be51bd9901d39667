#!/usr/bin/env node
// `npm run demo`: carmaker origin → dealer server on :8080 → workstation app, all on this machine.
// Electron where its binary exists, otherwise the same UI in the browser through the local agent.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-origin.mjs';
import { ensureDemoAccounts } from './demo-accounts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, '.demo');
const origin = join(demo, 'origin');
const serverDir = join(root, 'packages/server/dist/cli');
const desktopDir = join(root, 'packages/desktop/dist');
const port = Number(process.env.PNC_PORT ?? 8080);
const children = [];

function log(msg) {
  console.log(`\x1b[36m[demo]\x1b[0m ${msg}`);
}

function run(cmd, args) {
  const r = spawnSync(process.execPath, [cmd, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

function start(name, args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const prefix = `\x1b[90m[${name}]\x1b[0m `;
  for (const s of [child.stdout, child.stderr]) {
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        process.stdout.write(prefix + line + '\n');
      }
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} stopped (${signal ?? code}); stopping the demo.`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url, test, what, timeoutMs = 180_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok && test(await res.json())) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let stopping = false;
let originServer;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  originServer?.close();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

function electronBinary() {
  try {
    const path = createRequire(join(root, 'packages/desktop/package.json'))('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

async function main() {
  const publish = join(serverDir, 'publish-cli.js');
  if (!existsSync(join(origin, 'repo', 'metadata', 'timestamp.json'))) {
    log('generating the carmaker repository with demo content (pnc-publish demo)…');
    run(publish, ['demo', '--workdir', origin]);
  } else {
    log('re-signing the demo repository so its timestamp is fresh (pnc-publish publish)…');
    run(publish, ['publish', '--workdir', origin]);
  }
  const trustedRoot = join(origin, 'repo', 'metadata', '1.root.json');
  originServer = await serveStatic(join(origin, 'repo'));
  const originUrl = `http://127.0.0.1:${originServer.address().port}`;
  log(`carmaker origin (a static bucket stand-in) at ${originUrl}`);

  start('server', [join(serverDir, 'server-cli.js'), 'start', '--port', String(port), '--data-dir', join(demo, 'server'), '--origin', originUrl, '--trusted-root', trustedRoot, '--name', "Plug'nConnect SRV (demo)", '--dealer-code', 'DEMO-001'], { PNC_LOG_LEVEL: 'warn' });
  const serverUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${serverUrl}/api/v1/info`, (i) => i.content !== null, 'the server to mirror the content');
  log(`server ready: ${serverUrl}/api/v1/info`);
  const creds = await ensureDemoAccounts(serverUrl, join(demo, 'server'), join(demo, 'credentials.json'));
  log(`accounts: technician "${creds.technician.username}" / "${creds.technician.password}", admin "${creds.admin.username}" / "${creds.admin.password}"`);

  const env = { PNC_TRUSTED_ROOT: trustedRoot, PNC_HOME: join(demo, 'workstation') };
  const electron = process.env.PNC_DEMO_BROWSER ? null : electronBinary();
  if (electron) {
    log('starting the workstation app (Electron)…');
    const child = spawn(electron, [desktopDir], { stdio: 'inherit', env: { ...process.env, ...env, PNC_SERVER_URL: serverUrl } });
    children.push(child);
  } else {
    log('Electron is not available here: starting the same app in the browser through the local agent…');
    const agent = start('agent', [join(desktopDir, 'core/agent/agent-cli.js'), '--server', serverUrl, '--port', process.env.PNC_AGENT_PORT ?? '0'], env);
    agent.stdout.on('data', (d) => {
      const m = /open (http\S+)/.exec(String(d));
      if (m) log(`\x1b[1mopen ${m[1]}\x1b[0m`);
    });
  }
  const vins = JSON.parse(readFileSync(join(origin, 'demo-vins.json'), 'utf8'));
  log('demo vehicles:');
  for (const v of Array.isArray(vins) ? vins : vins.vehicles ?? []) log(`  ${v.vin}  ${v.description ?? ''}`);
  log('write a key from a terminal:');
  log(`  export PNC_TRUSTED_ROOT=${trustedRoot} PNC_HOME=${env.PNC_HOME}`);
  log(`  PNC_PASSWORD=${creds.technician.password} node packages/desktop/dist/core/cli/key-cli.js login --server ${serverUrl} --user ${creds.technician.username}`);
  log(`  node packages/desktop/dist/core/cli/key-cli.js write --server ${serverUrl} --vin <VIN> --package <ID> --image key.img --size 8GiB`);
  log('Ctrl-C stops everything.');
}

main().catch((e) => {
  console.error(`[demo] ${e.message}`);
  void stop(1);
});
