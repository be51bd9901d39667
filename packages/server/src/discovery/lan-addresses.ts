import { networkInterfaces } from 'node:os';

interface Ipv4Net {
  address: string;
  net: number;
  mask: number;
}

function toInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

function localNets(): Ipv4Net[] {
  const out: Ipv4Net[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      const a = i.family === 'IPv4' ? toInt(i.address) : null;
      const m = i.family === 'IPv4' ? toInt(i.netmask) : null;
      if (a !== null && m !== null) out.push({ address: i.address, net: (a & m) >>> 0, mask: m });
    }
  }
  return out;
}

/** Private, loopback, link-local and carrier-grade NAT ranges: where a dealership LAN lives. */
const PRIVATE_RANGES: Array<[string, number]> = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
];

function inRange(ip: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ip & mask) >>> 0 === (toInt(base)! & mask) >>> 0;
}

/**
 * Whether a probe's source may get an answer: only LAN addresses (private ranges or a subnet of
 * one of our interfaces). A spoofed public source — the victim of a reflection attack — gets nothing.
 */
export function isLanSource(address: string): boolean {
  const ip = toInt(address);
  if (ip === null) return false;
  if (PRIVATE_RANGES.some(([base, bits]) => inRange(ip, base, bits))) return true;
  return localNets().some((n) => (ip & n.mask) >>> 0 === n.net);
}

/** The local IPv4 address a LAN peer can reach us at: the one on its subnet, loopback for itself. */
export function localAddressFor(peer: string): string {
  const ip = toInt(peer);
  const nets = localNets();
  if (ip !== null) {
    if (inRange(ip, '127.0.0.0', 8)) return '127.0.0.1';
    const same = nets.find((n) => (ip & n.mask) >>> 0 === n.net);
    if (same) return same.address;
  }
  return nets.find((n) => !inRange(toInt(n.address)!, '127.0.0.0', 8))?.address ?? '127.0.0.1';
}
