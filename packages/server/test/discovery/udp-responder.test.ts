import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCOVERY_PROBE, DiscoveryAnswer } from '@pnc/shared';
import { isLanSource } from '../../src/discovery/lan-addresses.js';
import { ProbeLimiter } from '../../src/discovery/probe-limiter.js';
import {
  encodeAnswer,
  isProbe,
  MAX_ANSWER_BYTES,
  startUdpResponder,
  type UdpResponder,
} from '../../src/discovery/udp-responder.js';
import { quietLog } from '../helpers/mirror-fixtures.js';

const ANSWER: DiscoveryAnswer = {
  product: 'plugnconnect-server',
  name: 'Workshop box',
  dealerCode: 'D-042',
  version: '1.2.3',
  port: 8080,
  url: 'http://127.0.0.1:8080',
};

/** Sends `payload` to the responder and collects what comes back within `ms`. */
async function exchange(port: number, payloads: Buffer[], ms = 300): Promise<Buffer[]> {
  const socket: Socket = createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  for (const p of payloads) socket.send(p, port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, ms));
  await new Promise<void>((r) => socket.close(() => r()));
  return got;
}

describe('UDP discovery probe responder', () => {
  let responder: UdpResponder;
  const peers: string[] = [];
  beforeAll(async () => {
    responder = await startUdpResponder({
      port: 0,
      log: quietLog,
      answerFor: (peer) => (peers.push(peer), ANSWER),
    });
  });
  afterAll(() => responder.stop());

  it('answers the probe on 127.0.0.1 with one unicast JSON datagram', async () => {
    const [answer, ...rest] = await exchange(responder.port, [Buffer.from(DISCOVERY_PROBE)]);
    expect(rest).toHaveLength(0);
    expect(DiscoveryAnswer.parse(JSON.parse(answer!.toString()))).toEqual(ANSWER);
    expect(peers.at(-1)).toBe('127.0.0.1');
  });

  it('ignores anything that is not exactly the probe', async () => {
    const junk = ['PNC-DISCOVER 2', 'pnc-discover 1', 'PNC-DISCOVER 1 please', 'GET / HTTP/1.1', ''].map(
      (s) => Buffer.from(s),
    );
    junk.push(Buffer.alloc(2048, 0x20).fill(DISCOVERY_PROBE, 0, DISCOVERY_PROBE.length));
    expect(await exchange(responder.port, junk)).toHaveLength(0);
  });

  it('rate-limits each source address', async () => {
    const limited = await startUdpResponder({
      port: 0,
      log: quietLog,
      answerFor: () => ANSWER,
      limiter: new ProbeLimiter({ burst: 3, perSecond: 1 }),
    });
    const probes = Array.from({ length: 10 }, () => Buffer.from(DISCOVERY_PROBE));
    expect(await exchange(limited.port, probes)).toHaveLength(3);
    await limited.stop();
  });
});

describe('probe rules', () => {
  it('accepts the probe padded with spaces, NULs or line ends', () => {
    expect(isProbe(Buffer.from(`${DISCOVERY_PROBE}\r\n`))).toBe(true);
    const padded = Buffer.alloc(512, 0x20);
    padded.write(DISCOVERY_PROBE);
    expect(isProbe(padded)).toBe(true);
    expect(isProbe(Buffer.concat([Buffer.from(DISCOVERY_PROBE), Buffer.alloc(10)]))).toBe(true);
  });

  it('never answers more than a padded probe, however long the box name', () => {
    const huge = encodeAnswer({
      ...ANSWER,
      name: 'é'.repeat(5000),
      dealerCode: 'x'.repeat(500),
      version: 'v'.repeat(500),
    })!;
    expect(huge.length).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    expect(DiscoveryAnswer.parse(JSON.parse(huge.toString())).name).toHaveLength(64);
  });

  it('answers LAN sources only', () => {
    for (const a of ['10.1.2.3', '172.20.0.9', '192.168.1.50', '127.0.0.1', '169.254.10.10'])
      expect(isLanSource(a), a).toBe(true);
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', 'not-an-ip']) expect(isLanSource(a), a).toBe(false);
  });

  it('refills per-source budgets over time and caps the total', () => {
    let now = 0;
    const limiter = new ProbeLimiter({ burst: 2, perSecond: 1 }, { burst: 3, perSecond: 1 }, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([true, true, false]);
    expect(limiter.take('b')).toBe(true);
    expect(limiter.take('c')).toBe(false); // the overall ceiling
    now = 2000;
    expect(limiter.take('a')).toBe(true);
  });
});
