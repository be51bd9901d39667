#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isPncError } from '@pnc/shared';
import { loadConfig } from '../config/config.js';
import { syncCommand } from './sync-command.js';
import { SERVER_VERSION } from '../version.js';

const HELP = `pnc-server — Plug'nConnect SRV, the dealer LAN server

Usage:
  pnc-server start [--config FILE] [--port 8080] [--host 0.0.0.0] [--data-dir DIR]
                   [--origin URL] [--trusted-root FILE] [--name NAME] [--dealer-code CODE]
                   [--no-sync-on-start] [--no-discovery] [--udp-port 48080]
  pnc-server sync --origin URL --data-dir DIR [--trusted-root FILE] [--json]
  pnc-server version

Settings come from the config file, then PNC_* environment variables, then flags.
`;

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      origin: { type: 'string' },
      'trusted-root': { type: 'string' },
      name: { type: 'string' },
      'dealer-code': { type: 'string' },
      'no-sync-on-start': { type: 'boolean' },
      'no-discovery': { type: 'boolean' },
      'udp-port': { type: 'string' },
    },
  });
  const config = loadConfig({
    ...(values.config ? { file: values.config } : {}),
    env: process.env,
    flags: {
      port: values.port,
      host: values.host,
      dataDir: values['data-dir'],
      origin: values.origin,
      trustedRoot: values['trusted-root'],
      name: values.name,
      dealerCode: values['dealer-code'],
      syncOnStart: values['no-sync-on-start'] ? false : undefined,
      discovery: values['no-discovery'] ? false : undefined,
      udpPort: values['udp-port'],
    },
  });
  // Loaded here, not at the top: `pnc-server sync` (nightly, and row 4 of the benchmark) does not
  // need the HTTP server's modules, ≈ 0.14 s of start-up here.
  const { startServer } = await import('../runner.js');
  const server = await startServer(config);
  const shutdown = (signal: string) => {
    server.log.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        server.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return new Promise<number>(() => {}); // runs until a signal
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'sync':
      return syncCommand(rest);
    case 'version':
    case '--version':
      console.log(SERVER_VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isPncError(err)) console.error(`Error ${err.code}: ${err.message}`);
    else console.error(`Unexpected error: ${(err as Error).message}`);
    process.exit(1);
  },
);
