import { lookup } from 'node:dns/promises';
import { DISCOVERY_DNS_NAME, DISCOVERY_UDP_PORT, type DiscoveredServer, type ServerInfo } from '@pnc/shared';
import { normalizeServerUrl } from '../server/server-client.js';
import { confirmServer } from './confirm-server.js';
import { browseDnsSd } from './dns-sd-browse.js';
import { udpProbe } from './udp-probe.js';

type Via = DiscoveredServer['via'];
export type DiscoveryWay = 'dns-sd' | 'broadcast' | 'dns-name';

export interface DiscoverOptions {
  /** Overall time budget; servers not confirmed by then are not listed. */
  timeoutMs: number;
  /** Addresses typed by the technician (`192.168.1.10`, `box.local:8080`, full URLs). */
  manual?: string[];
  /** The ways to search the LAN (default: all three). */
  ways?: DiscoveryWay[];
  /** The probe port servers answer on (default 48080). */
  udpPort?: number;
  /** The fixed DNS name and the HTTP port it is tried on (default `plugnconnect`, 8080). */
  dnsName?: string;
  dnsPort?: number;
}

/** When one server is found several ways, the list keeps the most telling one. */
const VIA_ORDER: Via[] = ['manual', 'dns-sd', 'broadcast', 'dns-name', 'saved'];
const rank = (s: DiscoveredServer) => VIA_ORDER.indexOf(s.via) * 2 + (/^http:\/\/127\./.test(s.url) ? 1 : 0);

/** Whether the name resolves; false on failure or when `signal` aborts first (DNS can hang for seconds). */
function resolves(name: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(false), { once: true });
    lookup(name).then(
      () => resolve(true),
      () => resolve(false),
    );
  });
}

/**
 * Finds Plug'nConnect servers on the LAN, every way at once: DNS-SD, a UDP broadcast probe, the
 * fixed DNS name and the addresses typed. Each candidate is confirmed with GET /api/v1/info before
 * it is listed; the same URL is listed once, and so is one server reached at several addresses
 * (same name, dealer code and port).
 */
export async function discoverServers(opts: DiscoverOptions): Promise<DiscoveredServer[]> {
  const ways = new Set<DiscoveryWay>(opts.ways ?? ['dns-sd', 'broadcast', 'dns-name']);
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const stopListening = new AbortController();
  const confirmed = new Map<string, { server: DiscoveredServer; info: ServerInfo }>();
  const tried = new Map<string, Promise<ServerInfo | null>>();
  const pending: Array<Promise<unknown>> = [];

  const confirm = async (url: string, via: Via): Promise<boolean> => {
    let p = tried.get(url);
    if (!p) tried.set(url, (p = confirmServer(url, deadline)));
    const info = await p;
    if (!info) return false;
    const seen = confirmed.get(url);
    if (!seen || VIA_ORDER.indexOf(via) < VIA_ORDER.indexOf(seen.server.via))
      confirmed.set(url, { server: { url, name: info.name, via }, info });
    return true;
  };
  /** The URLs of one answer are alternatives for one server: the first that confirms is kept. */
  const candidate = (via: Via) => (urls: string[]) => {
    pending.push(
      (async () => {
        for (const raw of urls) {
          let url: string;
          try {
            url = normalizeServerUrl(raw);
          } catch {
            continue;
          }
          if (await confirm(url, via)) return;
        }
      })(),
    );
  };

  for (const typed of opts.manual ?? []) candidate('manual')([typed]);
  const listeners: Array<Promise<void>> = [];
  if (ways.has('broadcast'))
    listeners.push(
      udpProbe(opts.udpPort ?? DISCOVERY_UDP_PORT, stopListening.signal, candidate('broadcast')),
    );
  if (ways.has('dns-sd')) listeners.push(browseDnsSd(stopListening.signal, candidate('dns-sd')));
  if (ways.has('dns-name')) {
    const name = opts.dnsName ?? DISCOVERY_DNS_NAME;
    pending.push(
      resolves(name, deadline).then(
        (ok) => ok && candidate('dns-name')([`http://${name}:${opts.dnsPort ?? 8080}`]),
      ),
    );
  }

  if (listeners.length) {
    // Answers arrive until the budget is nearly spent; the tail is left for the last confirmations.
    const listenMs = Math.max(0, opts.timeoutMs - Math.min(500, opts.timeoutMs / 4));
    await new Promise((r) => setTimeout(r, listenMs));
    stopListening.abort();
    await Promise.all(listeners);
  }
  // Confirmations share the deadline signal, so this wait ends with the overall budget.
  for (let n = 0; n < pending.length; n++) await pending[n];

  const byServer = new Map<string, DiscoveredServer>();
  for (const { server, info } of confirmed.values()) {
    const key = JSON.stringify([info.name, info.dealerCode, new URL(server.url).port]);
    const kept = byServer.get(key);
    if (!kept || rank(server) < rank(kept)) byServer.set(key, server);
  }
  return [...byServer.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
