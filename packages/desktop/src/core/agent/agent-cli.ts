#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DesktopService } from '../service/desktop-service.js';
import { listenAgent } from './listener.js';

// What this file imports statically is all Node compiles before the address is printed: only
// node: modules. The HTTP framework, the shared schemas and the service are separate chunks of
// the bundle (scripts/bundle-agent.mjs), loaded after.

const HELP = `pnc-agent — the workstation app in a browser (local agent on 127.0.0.1)

Usage: pnc-agent [--server URL] [--port N] [--trusted-root FILE] [--state-dir DIR]

Prints the URL to open; it carries a per-run token, so only this user's browser can use it.
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string' },
      port: { type: 'string' },
      'trusted-root': { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  // As config/paths.ts decides, without loading it (nor the shared schemas it imports) when the
  // command line or the environment already says.
  const paths = () => import('../config/paths.js');
  const stateDir = values['state-dir'] ?? (process.env.PNC_HOME || (await paths()).workstationHome());
  const rootFile =
    [values['trusted-root'], process.env.PNC_TRUSTED_ROOT].find((c) => c && existsSync(c)) ??
    (await paths()).trustedRootFile(values['trusted-root']);
  const listener = await listenAgent({
    host: '127.0.0.1',
    port: values.port ? Number(values.port) : 0,
    rendererDir: fileURLToPath(new URL('../../renderer', import.meta.url)),
  });
  console.log(`Plug'nConnect is ready: open ${listener.url}`);
  // Loaded once the address is out: the browser opens the page meanwhile; its requests wait for the
  // server (a few tens of ms), its calls for the service.
  const service: Promise<DesktopService> = import('../service/desktop-service.js').then(
    ({ createDesktopService }) =>
      createDesktopService({
        stateDir,
        trustedRootFile: rootFile,
        ...(values.server ? { serverUrl: values.server } : {}),
      }),
  );
  const agent = Promise.all([import('./agent-server.js'), import('./deferred-api.js')]).then(
    ([{ startAgent }, { deferredApi }]) =>
      startAgent({ api: deferredApi(service), port: 0, rendererDir: listener.rendererDir, listener }),
  );
  for (const p of [service, agent])
    p.catch((err: unknown) => {
      console.error(`Unexpected error: ${(err as Error).message}`);
      process.exit(1);
    });
  const stop = () => {
    void Promise.all([agent.then((a) => a.close()), service.then((s) => s.close())]).finally(() =>
      process.exit(0),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch(async (err: unknown) => {
  const { isPncError } = await import('@pnc/shared');
  console.error(
    isPncError(err) ? `Error ${err.code}: ${err.message}` : `Unexpected error: ${(err as Error).message}`,
  );
  process.exit(1);
});
