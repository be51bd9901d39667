#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isPncError } from '@pnc/shared';
import { trustedRootFile, workstationHome } from '../config/paths.js';
import { createDesktopService } from '../service/desktop-service.js';
import { startAgent } from './agent-server.js';

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
  const api = createDesktopService({
    stateDir: values['state-dir'] ?? workstationHome(),
    trustedRootFile: trustedRootFile(values['trusted-root']),
    ...(values.server ? { serverUrl: values.server } : {}),
  });
  const agent = await startAgent({
    api,
    host: '127.0.0.1',
    port: values.port ? Number(values.port) : 0,
    rendererDir: fileURLToPath(new URL('../../renderer', import.meta.url)),
  });
  console.log(`Plug'nConnect is ready: open ${agent.url}`);
  const stop = () => {
    void Promise.all([agent.close(), api.close()]).finally(() => process.exit(0));
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
