import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DISCOVERY_UDP_PORT, PncError } from '@pnc/shared';

/** Everything the box can be told; file < environment < flags. */
export const ServerConfig = z.object({
  host: z.string().default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  dataDir: z.string().default('/var/lib/plugnconnect'),
  /** Base URL of the carmaker's signed repository (HTTPS bucket in production). */
  origin: z.string().url().optional(),
  /** The carmaker root the box was provisioned with; copied into the data dir on first sync. */
  trustedRoot: z.string().optional(),
  name: z.string().default(`Plug'nConnect SRV ${hostname()}`),
  dealerCode: z.string().default('UNSET'),
  syncCron: z.string().default('0 2 * * *'),
  timezone: z.string().optional(),
  syncOnStart: z.coerce.boolean().default(true),
  /** The carmaker's endpoint for installation confirmations; without it they wait in the outbox. */
  outboxUrl: z.string().url().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Advertise the box on the LAN (DNS-SD and the UDP probe responder). */
  discovery: z.coerce.boolean().default(true),
  /** UDP port of the discovery probe responder (0 picks a free port, for tests). */
  udpPort: z.coerce.number().int().min(0).max(65535).default(DISCOVERY_UDP_PORT),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

const ENV_KEYS: Record<string, keyof ServerConfig> = {
  PNC_HOST: 'host',
  PNC_PORT: 'port',
  PNC_DATA_DIR: 'dataDir',
  PNC_ORIGIN: 'origin',
  PNC_TRUSTED_ROOT: 'trustedRoot',
  PNC_NAME: 'name',
  PNC_DEALER_CODE: 'dealerCode',
  PNC_SYNC_CRON: 'syncCron',
  PNC_TIMEZONE: 'timezone',
  PNC_SYNC_ON_START: 'syncOnStart',
  PNC_OUTBOX_URL: 'outboxUrl',
  PNC_LOG_LEVEL: 'logLevel',
  PNC_DISCOVERY: 'discovery',
  PNC_UDP_PORT: 'udpPort',
};

/** Environment switches where "0" and "false" mean off (z.coerce.boolean would read them as on). */
const BOOLEAN_KEYS = new Set<keyof ServerConfig>(['syncOnStart', 'discovery']);

export function loadConfig(opts: {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<Record<keyof ServerConfig, unknown>>;
}): ServerConfig {
  let fromFile: Record<string, unknown> = {};
  if (opts.file) {
    try {
      fromFile = JSON.parse(readFileSync(opts.file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new PncError(
        'VALIDATION_FAILED',
        `Cannot read the configuration file ${opts.file}: ${(e as Error).message}`,
      );
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [k, field] of Object.entries(ENV_KEYS)) {
    const v = opts.env?.[k];
    if (v !== undefined && v !== '')
      fromEnv[field] = BOOLEAN_KEYS.has(field) ? v !== '0' && v !== 'false' : v;
  }
  const flags = Object.fromEntries(Object.entries(opts.flags ?? {}).filter(([, v]) => v !== undefined));
  const merged = { ...fromFile, ...fromEnv, ...flags };
  const r = ServerConfig.safeParse(merged);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new PncError('VALIDATION_FAILED', `Invalid configuration: ${i.path.join('.')}: ${i.message}`);
  }
  return { ...r.data, dataDir: resolve(r.data.dataDir) };
}
