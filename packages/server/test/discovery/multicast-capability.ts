import { createSocket } from 'node:dgram';

export interface MulticastCapability {
  works: boolean;
  evidence: string;
}

/**
 * Whether multicast sent on this host comes back to a socket joined to the group (what mDNS
 * between two processes on one machine needs). Reports the evidence either way.
 */
export async function multicastLoopback(
  group = '239.255.70.67',
  timeoutMs = 1000,
): Promise<MulticastCapability> {
  const rx = createSocket({ type: 'udp4', reuseAddr: true });
  const tx = createSocket({ type: 'udp4' });
  try {
    await new Promise<void>((resolve, reject) => {
      rx.once('error', reject);
      rx.bind(0, () => resolve());
    });
    const port = rx.address().port;
    try {
      rx.addMembership(group);
    } catch (e) {
      return { works: false, evidence: `addMembership(${group}) failed: ${(e as Error).message}` };
    }
    const received = new Promise<boolean>((resolve) => {
      rx.once('message', () => resolve(true));
      setTimeout(() => resolve(false), timeoutMs);
    });
    await new Promise<void>((resolve) => tx.bind(0, () => resolve()));
    tx.setMulticastLoopback(true);
    const sent = await new Promise<string | null>((resolve) =>
      tx.send('pnc-multicast-check', port, group, (err) => resolve(err ? err.message : null)),
    );
    if (sent) return { works: false, evidence: `send to ${group}:${port} failed: ${sent}` };
    return (await received)
      ? { works: true, evidence: `a datagram sent to ${group}:${port} came back through multicast loopback` }
      : { works: false, evidence: `nothing received on ${group}:${port} within ${timeoutMs} ms` };
  } finally {
    rx.close();
    tx.close();
  }
}
