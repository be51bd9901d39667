#!/usr/bin/env node
// Load generator for the eligibility row, in its own process: autocannon against one route with
// a different VIN on every request. Usage: load.mjs URL_TEMPLATE VINS_FILE SECONDS CONNECTIONS
// (URL_TEMPLATE holds "{vin}"; the bearer token comes from PNC_TOKEN). Prints autocannon's result.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [template, vinsFile, seconds, connections] = process.argv.slice(2);
const vins = vinsFile === '-' ? ['-'] : readFileSync(vinsFile, 'utf8').split('\n').filter(Boolean);
const u = new URL(template.replace('{vin}', 'VIN'));
let i = 0;
const result = await autocannon({
  url: u.origin,
  connections: Number(connections),
  duration: Number(seconds),
  headers: process.env.PNC_TOKEN ? { authorization: `Bearer ${process.env.PNC_TOKEN}` } : {},
  requests: [
    {
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: decodeURIComponent(u.pathname).replace('VIN', vins[i++ % vins.length]) }),
    },
  ],
});
console.log(
  JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
  }),
);
