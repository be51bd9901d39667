import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { DISCOVERY_PROBE, type DiscoveryAnswer } from '@pnc/shared';
import { isLanSource } from './lan-addresses.js';
import { ProbeLimiter } from './probe-limiter.js';

const PROBE = Buffer.from(DISCOVERY_PROBE, 'ascii');
/** Probes may be padded (our clients pad to this size); anything longer is not a probe. */
export const MAX_PROBE_BYTES = 512;
/** An answer never exceeds this: with padded probes, never more bytes out than in. */
export const MAX_ANSWER_BYTES = 512;

/** The exact probe, optionally followed by padding (spaces, NULs, line ends); nothing else. */
export function isProbe(msg: Buffer): boolean {
  if (msg.length < PROBE.length || msg.length > MAX_PROBE_BYTES) return false;
  if (!msg.subarray(0, PROBE.length).equals(PROBE)) return false;
  for (let i = PROBE.length; i < msg.length; i++) {
    const c = msg[i]!;
    if (c !== 0x20 && c !== 0x00 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/** Serialises an answer within MAX_ANSWER_BYTES, shortening free-text fields if they are long. */
export function encodeAnswer(a: DiscoveryAnswer): Buffer | null {
  const bounded: DiscoveryAnswer = {
    ...a,
    name: a.name.slice(0, 64),
    dealerCode: a.dealerCode.slice(0, 32),
    version: a.version.slice(0, 32),
  };
  const out = Buffer.from(JSON.stringify(bounded), 'utf8');
  return out.length <= MAX_ANSWER_BYTES ? out : null;
}

export interface UdpResponder {
  /** The UDP port actually bound. */
  port: number;
  stop(): Promise<void>;
}

/**
 * Answers `PNC-DISCOVER 1` broadcasts with one unicast datagram describing this box. Silent for
 * anything else, for sources outside the LAN, privileged source ports and over-eager sources.
 */
export async function startUdpResponder(opts: {
  port: number;
  answerFor: (peer: string) => DiscoveryAnswer;
  log: Logger;
  limiter?: ProbeLimiter;
}): Promise<UdpResponder> {
  const limiter = opts.limiter ?? new ProbeLimiter();
  const socket: Socket = createSocket({ type: 'udp4' });
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    // Privileged source ports are what reflection attacks aim at (DNS, NTP…); real clients use ephemeral ones.
    if (from.port < 1024 || !isProbe(msg) || !isLanSource(from.address) || !limiter.take(from.address))
      return;
    const answer = encodeAnswer(opts.answerFor(from.address));
    if (!answer) return;
    socket.send(answer, from.port, from.address, (err) => {
      if (err) opts.log.debug({ err, to: from.address }, 'discovery answer not sent');
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, '0.0.0.0', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => opts.log.warn({ err }, 'discovery probe responder error'));
  return {
    port: socket.address().port,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
