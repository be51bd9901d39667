import { readFileSync } from 'node:fs';

/** The app's name and version, from the desktop package.json (one source of truth). */
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
export const APP = { name: "Plug'nConnect", version: pkg.version } as const;
