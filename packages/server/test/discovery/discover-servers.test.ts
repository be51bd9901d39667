import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverFromOtherProcess, discoverServers } from './workstation.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/runner.js';
import { quietLog, tempDir } from '../helpers/mirror-fixtures.js';
import { multicastLoopback, type MulticastCapability } from './multicast-capability.js';

/** An HTTP server that is not a Plug'nConnect box, answering every path with `body`. */
async function impostor(body: string, type = 'application/json'): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': type }).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('finding the box on the LAN', () => {
  const tmp = tempDir('discovery');
  const name = `Discovery test box ${process.pid}`;
  let box: RunningServer;
  let httpPort: number;
  let udpPort: number;
  let multicast: MulticastCapability;

  beforeAll(async () => {
    multicast = await multicastLoopback();
    // Listening on every interface, as a real box does: DNS-SD advertises the LAN addresses.
    const config = loadConfig({
      env: { PNC_DISCOVERY: 'true', PNC_UDP_PORT: '0' },
      flags: { host: '0.0.0.0', port: 0, dataDir: tmp.path, name, dealerCode: 'D-777', syncOnStart: false },
    });
    box = await startServer(config, quietLog);
    httpPort = (box.app.server.address() as AddressInfo).port;
    udpPort = box.discovery!.udpPort!;
  });
  afterAll(async () => {
    await box.stop();
    tmp.cleanup();
  });

  it('is found by the UDP broadcast probe and confirmed over HTTP', async () => {
    const found = await discoverServers({ timeoutMs: 1500, ways: ['broadcast'], udpPort });
    const mine = found.filter((s) => s.name === name);
    expect(mine).toHaveLength(1); // answers from loopback and the LAN broadcast are one server
    expect(mine[0]!.via).toBe('broadcast');
    expect(new URL(mine[0]!.url).port).toBe(String(httpPort));
  });

  it('is found at an address typed by hand, in any of the usual spellings', async () => {
    for (const typed of [`127.0.0.1:${httpPort}`, `http://127.0.0.1:${httpPort}/`]) {
      const found = await discoverServers({ timeoutMs: 1000, ways: [], manual: [typed] });
      expect(found).toEqual([{ url: `http://127.0.0.1:${httpPort}`, name, via: 'manual' }]);
    }
  });

  it('is found by the fixed DNS name', async () => {
    // `plugnconnect` is set up in the dealership's DNS; here `localhost` stands in for it.
    const found = await discoverServers({
      timeoutMs: 1000,
      ways: ['dns-name'],
      dnsName: 'localhost',
      dnsPort: httpPort,
    });
    expect(found).toEqual([{ url: `http://localhost:${httpPort}`, name, via: 'dns-name' }]);
  });

  it("rejects HTTP servers that are not a Plug'nConnect box", async () => {
    const others = await Promise.all([
      impostor(JSON.stringify({ product: 'some-nas', name: 'NAS', version: '1' })),
      impostor('<html>router login</html>', 'text/html'),
    ]);
    try {
      const found = await discoverServers({
        timeoutMs: 1000,
        ways: [],
        manual: [...others.map((o) => o.url), '127.0.0.1:1'],
      });
      expect(found).toEqual([]);
    } finally {
      for (const o of others) o.server.close();
    }
  });

  it('lists one entry per server when several ways find it', async () => {
    const found = await discoverServers({
      timeoutMs: 1500,
      ways: ['broadcast'],
      udpPort,
      manual: [`127.0.0.1:${httpPort}`],
    });
    expect(found.filter((s) => s.name === name)).toEqual([
      { url: `http://127.0.0.1:${httpPort}`, name, via: 'manual' },
    ]);
  });

  // DNS-SD needs multicast between processes on this host; a sandbox without it cannot show it.
  it('is found by DNS-SD (_plugnconnect._tcp) when multicast works on this host', async (ctx) => {
    if (!multicast.works) {
      console.warn(
        `DNS-SD discovery not tested: multicast loopback does not work here (${multicast.evidence})`,
      );
      ctx.skip();
    }
    const found = await discoverFromOtherProcess({ timeoutMs: 3000, ways: ['dns-sd'] });
    const mine = found.filter((s) => s.name === name);
    expect(mine, `found: ${JSON.stringify(found)}; multicast: ${multicast.evidence}`).toHaveLength(1);
    expect(mine[0]!.via).toBe('dns-sd');
    expect(new URL(mine[0]!.url).port).toBe(String(httpPort));
  });

  it('answers nothing once the box has stopped', async () => {
    const dir = tempDir('discovery-stop');
    const config = loadConfig({
      flags: { host: '127.0.0.1', port: 0, dataDir: dir.path, name: `${name} 2`, udpPort: 0 },
    });
    const other = await startServer(config, quietLog);
    const port = other.discovery!.udpPort!;
    expect(
      (await discoverServers({ timeoutMs: 800, ways: ['broadcast'], udpPort: port })).map((s) => s.name),
    ).toEqual([`${name} 2`]);
    await other.stop();
    expect(await discoverServers({ timeoutMs: 800, ways: ['broadcast'], udpPort: port })).toEqual([]);
    dir.cleanup();
  });
});
