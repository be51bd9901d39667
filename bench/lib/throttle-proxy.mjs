#!/usr/bin/env node
// A loopback TCP proxy that holds the server→client direction to RATE bytes/s (one token bucket
// shared by all connections, like one Ethernet link). Usage: throttle-proxy.mjs UPSTREAM_PORT RATE
// Prints the port it listens on. Stops with its parent, or after 2 hours.
import { connect, createServer } from 'node:net';

const upstreamPort = Number(process.argv[2]);
const rate = Number(process.argv[3]); // bytes per second
const BURST_MS = 20;
let next = performance.now();

const server = createServer((client) => {
  const upstream = connect(upstreamPort, '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream);
  let waiting = false;
  upstream.on('data', (chunk) => {
    const now = performance.now();
    next = Math.max(next, now - BURST_MS) + (chunk.length / rate) * 1000;
    const ok = client.write(chunk);
    const delay = next - now - BURST_MS;
    if (delay > 0 || !ok) {
      upstream.pause();
      if (waiting) return;
      waiting = true;
      const resume = () => {
        waiting = false;
        upstream.resume();
      };
      const afterDrain = () => (delay > 0 ? setTimeout(resume, Math.max(0, next - performance.now() - BURST_MS)) : resume());
      if (!ok) client.once('drain', afterDrain);
      else setTimeout(resume, delay);
    }
  });
  upstream.on('end', () => client.end());
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', close);
  client.on('error', close);
  client.on('close', () => upstream.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(0), 1000).unref();
setTimeout(() => process.exit(0), 2 * 3600_000).unref();
