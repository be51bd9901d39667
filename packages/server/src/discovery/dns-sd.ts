import { Bonjour, type Service } from 'bonjour-service';
import type { Logger } from 'pino';
import { DNS_SD_SERVICE_TYPE, apiRoutes } from '@pnc/shared';

export interface DnsSdAdvert {
  stop(): Promise<void>;
}

/** DNS-SD instance names are one DNS label: at most 63 bytes of UTF-8. */
function instanceName(name: string): string {
  let out = name;
  while (Buffer.byteLength(out) > 63) out = out.slice(0, -1);
  return out;
}

/**
 * Advertises `_plugnconnect._tcp` on the HTTP port over multicast DNS. Where multicast is blocked
 * the advertisement is simply not heard; failures are warnings, the other ways to find the box remain.
 */
export function advertiseDnsSd(opts: {
  name: string;
  dealerCode: string;
  version: string;
  port: number;
  log: Logger;
}): DnsSdAdvert {
  const bonjour = new Bonjour({}, (err: Error) =>
    opts.log.warn(
      { err },
      'DNS-SD (multicast DNS) unavailable; workstations can still find the box by UDP probe, DNS name or address',
    ),
  );
  const service: Service = bonjour.publish({
    name: instanceName(opts.name),
    type: DNS_SD_SERVICE_TYPE,
    protocol: 'tcp',
    port: opts.port,
    txt: {
      name: opts.name,
      dealer: opts.dealerCode,
      version: opts.version,
      api: '1',
      path: apiRoutes.info.path,
    },
  });
  service.on('error', (err: unknown) => opts.log.warn({ err }, 'DNS-SD advertisement failed'));
  service.on('up', () =>
    opts.log.info(
      { type: `_${DNS_SD_SERVICE_TYPE}._tcp`, port: opts.port },
      'advertised on the LAN (DNS-SD)',
    ),
  );
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      // Goodbye packets first, so workstations drop the box at once; bounded in case the socket is gone.
      stopping ??= new Promise<void>((resolve) => {
        const done = setTimeout(resolve, 1000);
        bonjour.unpublishAll(() => bonjour.destroy(() => (clearTimeout(done), resolve())));
      });
      return stopping;
    },
  };
}
