import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  evaluateEligibility,
  isPncError,
  parseVin,
  PncError,
  type ConnectionState,
  type DesktopApi,
  type DesktopEvent,
} from '@pnc/shared';
import { normalizeServerUrl, ServerClient } from '../server/server-client.js';
import { fetchVerifiedCatalog, type VerifiedCatalog } from '../trust/verified-catalog.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export interface DesktopServiceOptions {
  stateDir: string;
  trustedRootFile: string;
  /** Server to connect to at start (e.g. given by the demo), else the last one used. */
  serverUrl?: string;
}

interface Settings {
  lastServerUrl?: string;
}

/**
 * The workstation's DesktopApi in plain Node: Electron's main process and the local agent both
 * serve this same object. It keeps the connection and the catalog it verified itself.
 */
export function createDesktopService(opts: DesktopServiceOptions): DesktopApi & { close(): Promise<void>; ready: Promise<void> } {
  const events = new EventEmitter();
  const settingsFile = join(opts.stateDir, 'settings.json');
  let client: ServerClient | null = null;
  let verified: VerifiedCatalog | null = null;
  let state: ConnectionState = { serverUrl: null, server: null, contentVerified: false, error: null };
  // tuf-js keeps its trusted metadata in one folder: one refresh at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  const setState = (next: ConnectionState) => {
    state = next;
    events.emit('event', { type: 'connection', state } satisfies DesktopEvent);
  };

  async function connect(url: string): Promise<ConnectionState> {
    let normalized: string;
    try {
      normalized = normalizeServerUrl(url);
    } catch {
      throw new PncError('VALIDATION_FAILED', `"${url}" is not a server address; type e.g. 192.168.1.20 or plugnconnect:8080.`);
    }
    return serialized(async () => {
      const c = new ServerClient(normalized);
      try {
        const server = await c.info();
        const v = await fetchVerifiedCatalog({ serverUrl: c.baseUrl, trustedRootFile: opts.trustedRootFile, stateDir: opts.stateDir });
        client = c;
        verified = v;
        setState({ serverUrl: c.baseUrl, server, contentVerified: true, error: null });
        await writeFileAtomic(settingsFile, JSON.stringify({ lastServerUrl: c.baseUrl } satisfies Settings, null, 2));
      } catch (e) {
        const err = isPncError(e) ? e : new PncError('INTERNAL', (e as Error).message);
        client = null;
        verified = null;
        setState({ serverUrl: normalized, server: null, contentVerified: false, error: { code: err.code, message: err.message } });
      }
      return state;
    });
  }

  async function initialServer(): Promise<string | undefined> {
    if (opts.serverUrl) return opts.serverUrl;
    try {
      return (JSON.parse(await readFile(settingsFile, 'utf8')) as Settings).lastServerUrl;
    } catch {
      return undefined;
    }
  }

  const ready = initialServer().then(async (url) => {
    if (url) await connect(url);
  });

  return {
    ready,
    async getConnection() {
      return state;
    },
    async connect({ url }) {
      return connect(url);
    },
    async checkVehicle({ vin }) {
      const valid = parseVin(vin);
      if (!client || !verified) throw new PncError('SERVER_UNREACHABLE', 'Connect to a Plug\'nConnect server first.');
      const vehicle = await client.vehicle(valid);
      // Decided on the catalog this workstation verified, not on the server's word.
      return evaluateEligibility(vehicle, verified.catalog);
    },
    onEvent(listener: (e: DesktopEvent) => void) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    async close() {
      events.removeAllListeners();
      await queue;
    },
  };
}
