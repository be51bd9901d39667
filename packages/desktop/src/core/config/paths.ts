import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PncError } from '@pnc/shared';

/** Where the workstation keeps its state: settings, trusted metadata, keys awaiting confirmation. */
export function workstationHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PNC_HOME) return env.PNC_HOME;
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'PlugnConnect');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'plugnconnect');
}

/** The carmaker root shipped with the app (resources/trusted-root.json), or the one configured. */
export function trustedRootFile(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    explicit,
    env.PNC_TRUSTED_ROOT,
    fileURLToPath(new URL('../../../resources/trusted-root.json', import.meta.url)),
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new PncError(
      'METADATA_INVALID',
      'No carmaker root of trust is configured: install the app with its trusted-root.json, or pass --trusted-root / PNC_TRUSTED_ROOT.',
      { tried: candidates },
    );
  }
  return found;
}
