import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { DISCOVERY_PROBE, DiscoveryAnswer } from '@pnc/shared';

/** Padded so the server's answer (≤ 512 bytes) is never larger than the probe: no amplification. */
const PROBE = Buffer.alloc(512, 0x20);
PROBE.write(DISCOVERY_PROBE, 'ascii');

/** 255.255.255.255, each IPv4 interface's directed broadcast, and loopback for a server on this PC. */
export function probeTargets(): string[] {
  const out = new Set(['255.255.255.255', '127.0.0.1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.internal) continue;
      const a = i.address.split('.').map(Number);
      const m = i.netmask.split('.').map(Number);
      out.add(a.map((v, k) => (v | (~m[k]! & 255)) & 255).join('.'));
    }
  }
  return [...out];
}

/**
 * Broadcasts the discovery probe on `port` and reports each answer's candidate URLs (the address
 * that answered first, then the URL the server suggests) until `signal` aborts.
 */
export function udpProbe(
  port: number,
  signal: AbortSignal,
  onCandidate: (urls: string[]) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = createSocket({ type: 'udp4' });
    const finish = () => {
      signal.removeEventListener('abort', finish);
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed after an error
      }
    };
    signal.addEventListener('abort', finish, { once: true });
    socket.on('error', finish);
    socket.on('message', (msg, from) => {
      let answer: DiscoveryAnswer;
      try {
        const parsed = DiscoveryAnswer.safeParse(JSON.parse(msg.toString('utf8')));
        if (!parsed.success) return;
        answer = parsed.data;
      } catch {
        return;
      }
      onCandidate([`http://${from.address}:${answer.port}`, answer.url]);
    });
    socket.bind(0, () => {
      if (signal.aborted) return;
      socket.setBroadcast(true);
      // A target that cannot be reached (no route, broadcast refused) must not stop the others.
      for (const target of probeTargets()) socket.send(PROBE, port, target, () => undefined);
    });
  });
}
