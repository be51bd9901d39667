#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isPncError } from '@pnc/shared';
import { trustedRootFile, workstationHome } from '../config/paths.js';
import type { DesktopService } from '../service/desktop-service.js';
import { startAgent } from './agent-server.js';
import { deferredApi } from './deferred-api.js';

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
  const stateDir = values['state-dir'] ?? workstationHome();
  const rootFile = trustedRootFile(values['trusted-root']);
  let resolveService!: (service: Promise<DesktopService>) => void;
  const service = new Promise<DesktopService>((resolve) => (resolveService = resolve));
  const agent = await startAgent({
    api: deferredApi(service),
    host: '127.0.0.1',
    port: values.port ? Number(values.port) : 0,
    rendererDir: fileURLToPath(new URL('../../renderer', import.meta.url)),
  });
  console.log(`Plug'nConnect is ready: open ${agent.url}`);
  // Loaded once the address is out: the browser fetches the page meanwhile, and calls wait for it.
  resolveService(
    import('../service/desktop-service.js').then(({ createDesktopService }) =>
      createDesktopService({
        stateDir,
        trustedRootFile: rootFile,
        ...(values.server ? { serverUrl: values.server } : {}),
      }),
    ),
  );
  service.catch((err: unknown) => {
    console.error(`Unexpected error: ${(err as Error).message}`);
    process.exit(1);
  });
  const stop = () => {
    void Promise.all([agent.close(), service.then((s) => s.close())]).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(
    isPncError(err) ? `Error ${err.code}: ${err.message}` : `Unexpected error: ${(err as Error).message}`,
  );
  process.exit(1);
});
