import { Bonjour, type Service } from 'bonjour-service';
import { DNS_SD_SERVICE_TYPE } from '@pnc/shared';

/** Candidate URLs of a DNS-SD answer: the address it came from first, then its IPv4 addresses. */
function serviceUrls(s: Service): string[] {
  const hosts = [s.referer?.address, ...(s.addresses ?? [])].filter(
    (a): a is string => !!a && /^\d+\.\d+\.\d+\.\d+$/.test(a),
  );
  return [...new Set(hosts)].map((h) => `http://${h}:${s.port}`);
}

/** Browses `_plugnconnect._tcp` over multicast DNS until `signal` aborts. Blocked multicast finds nothing. */
export function browseDnsSd(signal: AbortSignal, onCandidate: (urls: string[]) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    // Multicast errors (no interface, port refused) only mean this way finds nothing.
    const bonjour = new Bonjour({}, () => undefined);
    const browser = bonjour.find({ type: DNS_SD_SERVICE_TYPE, protocol: 'tcp' }, (s) => {
      const urls = serviceUrls(s);
      if (urls.length) onCandidate(urls);
    });
    signal.addEventListener(
      'abort',
      () => {
        browser.stop();
        bonjour.destroy(() => resolve());
      },
      { once: true },
    );
  });
}
