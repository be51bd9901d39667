// A malicious (or merely broken) LAN server for the workstation: it speaks the LAN API the
// desktop core uses, serving a real publisher repository that tests alter at will, plus faults.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, normalize } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type LanFault =
  | { kind: 'status'; status: number }
  /** Headers and `afterBytes` of the body, then a reset. */
  | { kind: 'drop'; afterBytes: number }
  /** Full length announced, body ended early with a clean close. */
  | { kind: 'truncate'; afterBytes: number }
  | { kind: 'flip'; offset: number }
  /** Sends `afterBytes` then stays silent for `ms` (a stalled server). */
  | { kind: 'stall'; afterBytes: number; ms: number }
  | { kind: 'replace'; body: Buffer }
  /** Appends bytes past the real end, announcing the longer length. */
  | { kind: 'extra'; bytes: number };

export interface LanRequest {
  path: string;
  rangeStart: number;
  status: number;
  bytesSent: number;
}

export interface MaliciousServerOptions {
  /** The publisher's repo/ folder served as the box would (metadata, targets, blobs). */
  repo: () => string;
  fault?: (path: string, attempt: number) => LanFault | undefined;
  /** What GET /api/v1/vehicles/:vin answers (a lying server may change the head unit). */
  vehicle?: (vin: string) => Record<string, unknown> | null;
  /** Date the server claims in /api/v1/info. */
  serverTime?: () => Date;
}

export interface MaliciousServer {
  url: string;
  requests: LanRequest[];
  close(): Promise<void>;
}

/** The signed registry of the repo, by VIN (what an honest box answers). */
export function registryOf(repo: string): Map<string, Record<string, unknown>> {
  const ts = JSON.parse(readFileSync(join(repo, 'metadata', 'timestamp.json'), 'utf8')) as { signed: { meta: Record<string, { version: number }> } };
  const sv = ts.signed.meta['snapshot.json']!.version;
  const snap = JSON.parse(readFileSync(join(repo, 'metadata', `${sv}.snapshot.json`), 'utf8')) as { signed: { meta: Record<string, { version: number }> } };
  const tv = snap.signed.meta['targets.json']!.version;
  const t = JSON.parse(readFileSync(join(repo, 'metadata', `${tv}.targets.json`), 'utf8')) as {
    signed: { targets: Record<string, { hashes: { sha256: string } }> };
  };
  const h = t.signed.targets['vehicles.ndjson']!.hashes.sha256;
  const out = new Map<string, Record<string, unknown>>();
  for (const line of readFileSync(join(repo, 'targets', `${h}.vehicles.ndjson`), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const v = JSON.parse(line) as Record<string, unknown>;
    out.set(v['vin'] as string, v);
  }
  return out;
}

export async function startMaliciousServer(opts: MaliciousServerOptions): Promise<MaliciousServer> {
  const requests: LanRequest[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const attempt = (attempts.get(path) ?? 0) + 1;
    attempts.set(path, attempt);
    const log: LanRequest = { path, rangeStart: 0, status: 200, bytesSent: 0 };
    requests.push(log);
    if (path === '/api/v1/info') {
      const now = (opts.serverTime?.() ?? new Date()).toISOString();
      json(res, 200, {
        product: 'plugnconnect-server', name: 'Evil box', dealerCode: 'X', version: '6.6.6', apiVersion: 1, serverTime: now,
        content: { version: 1, generatedAt: now, publishedAt: now, ageSeconds: 0, packages: 1, expiresAt: now }, lastSync: null,
      });
      return;
    }
    const vm = /^\/api\/v1\/vehicles\/([^/]+)$/.exec(path);
    if (vm) {
      const vin = vm[1]!;
      const v = opts.vehicle ? opts.vehicle(vin) : (registryOf(opts.repo()).get(vin) ?? null);
      json(res, 200, v ? { source: 'registry', openCampaigns: [], ...v } : { vin, source: 'decoded', openCampaigns: [] });
      return;
    }
    let file: string | null = null;
    const repo = opts.repo();
    if (path.startsWith('/api/v1/tuf/metadata/')) file = join(repo, 'metadata', path.slice('/api/v1/tuf/metadata/'.length));
    else if (path.startsWith('/api/v1/tuf/targets/')) file = join(repo, 'targets', path.slice('/api/v1/tuf/targets/'.length));
    else if (path.startsWith('/api/v1/blobs/sha256/')) file = join(repo, 'blobs', 'sha256', path.slice('/api/v1/blobs/sha256/'.length));
    const fault = opts.fault?.(path, attempt);
    if (fault?.kind === 'status') {
      log.status = fault.status;
      json(res, fault.status, { code: 'INTERNAL', message: 'injected' });
      return;
    }
    const body = fault?.kind === 'replace' ? fault.body : null;
    const st = !body && file && normalize(file).startsWith(repo) ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!body && !st?.isFile()) {
      log.status = 404;
      json(res, 404, { code: 'NOT_FOUND', message: `No ${path}` });
      return;
    }
    const extra = fault?.kind === 'extra' ? fault.bytes : 0;
    const size = (body ? body.length : st!.size) + extra;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && Number(range[1]) < size) {
      start = Number(range[1]);
      log.status = 206;
      res.writeHead(206, { 'content-length': size - start, 'content-range': `bytes ${start}-${size - 1}/${size}`, etag: `"${path.split('/').pop()}"` });
    } else {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
    }
    log.rangeStart = start;
    const source: AsyncIterable<Buffer> | Buffer[] = body
      ? [body.subarray(start)]
      : (createReadStream(file!, { start: Math.min(start, st!.size), highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>);
    let offset = start;
    const chunks = async function* (): AsyncGenerator<Buffer> {
      for await (const c of source) yield c;
      if (extra) yield Buffer.alloc(extra, 0x41);
    };
    for await (let chunk of chunks()) {
      if (fault?.kind === 'flip' && fault.offset >= offset && fault.offset < offset + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[fault.offset - offset]! ^= 0xff;
      }
      if ((fault?.kind === 'drop' || fault?.kind === 'truncate' || fault?.kind === 'stall') && offset + chunk.length > start + fault.afterBytes) {
        const keep = Math.max(0, start + fault.afterBytes - offset);
        if (keep > 0) res.write(chunk.subarray(0, keep));
        log.bytesSent += keep;
        if (fault.kind === 'stall') {
          await sleep(fault.ms);
          res.destroy();
        } else if (fault.kind === 'drop') res.destroy();
        else res.socket?.end();
        return;
      }
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      log.bytesSent += chunk.length;
      offset += chunk.length;
      if (res.destroyed) return;
    }
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
