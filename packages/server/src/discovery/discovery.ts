import type { Logger } from 'pino';
import type { DiscoveryAnswer } from '@pnc/shared';
import { advertiseDnsSd, type DnsSdAdvert } from './dns-sd.js';
import { localAddressFor } from './lan-addresses.js';
import { startUdpResponder, type UdpResponder } from './udp-responder.js';

export interface DiscoveryOptions {
  name: string;
  dealerCode: string;
  version: string;
  /** The HTTP port the API listens on. */
  httpPort: number;
  /** The HTTP listen address; a specific one is what workstations must use. */
  httpHost: string;
  udpPort: number;
  log: Logger;
}

export interface Discovery {
  /** The UDP probe port bound, or null when the responder could not start. */
  udpPort: number | null;
  stop(): Promise<void>;
}

const ANY_HOST = new Set(['0.0.0.0', '::', '']);

/**
 * Makes the box findable on the LAN: DNS-SD advertisement and the UDP probe responder. Neither
 * is essential (a workstation can type the address), so failures are logged warnings, never fatal.
 */
export async function startDiscovery(opts: DiscoveryOptions): Promise<Discovery> {
  const answerFor = (peer: string): DiscoveryAnswer => {
    const host = ANY_HOST.has(opts.httpHost) ? localAddressFor(peer) : opts.httpHost;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return {
      product: 'plugnconnect-server',
      name: opts.name,
      dealerCode: opts.dealerCode,
      version: opts.version,
      port: opts.httpPort,
      url: `http://${hostPart}:${opts.httpPort}`,
    };
  };
  let udp: UdpResponder | null = null;
  try {
    udp = await startUdpResponder({ port: opts.udpPort, answerFor, log: opts.log });
    opts.log.info({ udpPort: udp.port }, 'answering discovery probes');
  } catch (err) {
    opts.log.warn(
      { err, udpPort: opts.udpPort },
      'UDP discovery probe responder not started; workstations can still find the box by DNS-SD, DNS name or address',
    );
  }
  let dnsSd: DnsSdAdvert | null = null;
  try {
    dnsSd = advertiseDnsSd({
      name: opts.name,
      dealerCode: opts.dealerCode,
      version: opts.version,
      port: opts.httpPort,
      log: opts.log,
    });
  } catch (err) {
    opts.log.warn({ err }, 'DNS-SD advertisement not started');
  }
  return {
    udpPort: udp?.port ?? null,
    async stop() {
      await Promise.all([dnsSd?.stop(), udp?.stop()]);
    },
  };
}
