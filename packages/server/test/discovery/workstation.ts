import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { DiscoveredServer } from '@pnc/shared';

/**
 * The workstation's discovery module (desktop core), from its sources. Loaded by path at run time:
 * it belongs to another package, outside this project's TypeScript rootDir.
 */
const DESKTOP_DISCOVERY = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'desktop',
  'src',
  'core',
  'discovery',
  'index.ts',
);

/** What `discoverServers` takes (desktop core). */
export interface WorkstationDiscoverOptions {
  timeoutMs: number;
  manual?: string[];
  ways?: Array<'dns-sd' | 'broadcast' | 'dns-name'>;
  udpPort?: number;
  dnsName?: string;
  dnsPort?: number;
}

type DiscoverServers = (opts: WorkstationDiscoverOptions) => Promise<DiscoveredServer[]>;

/** Runs the workstation's `discoverServers` in this process. */
export async function discoverServers(opts: WorkstationDiscoverOptions): Promise<DiscoveredServer[]> {
  const mod = (await import(DESKTOP_DISCOVERY)) as { discoverServers: DiscoverServers };
  return z.array(DiscoveredServer).parse(await mod.discoverServers(opts));
}

/**
 * Runs it in a process of its own, as a workstation on the same host would: its own sockets and
 * multicast membership (what DNS-SD between two machines needs).
 */
export function discoverFromOtherProcess(opts: WorkstationDiscoverOptions): Promise<DiscoveredServer[]> {
  const script = `import { discoverServers } from ${JSON.stringify(pathToFileURL(DESKTOP_DISCOVERY).href)};
process.stdout.write(JSON.stringify(await discoverServers(JSON.parse(process.argv[1]))));`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(opts)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`workstation discovery exited with ${code}: ${stderr}`));
      resolve(z.array(DiscoveredServer).parse(JSON.parse(stdout)));
    });
  });
}
