import { close, fstat, open } from 'node:fs';
import { promisify } from 'node:util';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PncError } from '@pnc/shared';
import { writeFileBody } from './file-body.js';

// Plain descriptors, not FileHandles: the body closes its descriptor itself (file-body.ts), and a
// FileHandle would close the same number again when collected.
const openFd = promisify(open);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);

type Range = { start: number; end: number } | 'unsatisfiable' | null;

/** Parses one `bytes=` range (RFC 9110). Several ranges are answered with the whole file. */
export function parseRange(header: string | undefined, size: number): Range {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return null;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/**
 * Sends an immutable, content-addressed file with ETag = its hash, Range/If-Range, HEAD and
 * long-lived caching, streaming from disk (never buffering the whole file).
 */
export async function sendImmutableFile(
  req: FastifyRequest,
  reply: FastifyReply,
  path: string,
  etag: string,
  contentType = 'application/octet-stream',
): Promise<FastifyReply> {
  let fd: number;
  try {
    fd = await openFd(path, 'r');
  } catch {
    throw new PncError('NOT_FOUND', 'This file is not in the store.');
  }
  // The body takes the descriptor over; every other way out closes it here.
  let bodyOwnsFd = false;
  try {
    const size = (await fstatFd(fd)).size;
    const quoted = `"${etag}"`;
    void reply
      .header('etag', quoted)
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-type', contentType);
    if (req.headers['if-none-match'] === quoted) return reply.status(304).send();

    const ifRange = req.headers['if-range'];
    const rangeAllowed = ifRange === undefined || ifRange === quoted;
    const range = rangeAllowed ? parseRange(req.headers.range, size) : null;
    if (range === 'unsatisfiable') {
      void reply.header('content-range', `bytes */${size}`);
      throw new PncError('RANGE_NOT_SATISFIABLE', `The file has ${size} bytes.`, { size });
    }
    const start = range ? range.start : 0;
    const end = range ? range.end : size - 1;
    const length = size === 0 ? 0 : end - start + 1;
    void reply.header('content-length', length);
    if (range) void reply.status(206).header('content-range', `bytes ${start}-${end}/${size}`);
    if (req.method === 'HEAD' || length === 0) return reply.send();

    // The body bypasses Fastify's stream piping: pooled buffers written straight to the response
    // (see file-body.ts). Fastify still logs the request and runs onResponse on 'finish'.
    reply.hijack();
    const res = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) res.setHeader(name, value);
    }
    res.writeHead(reply.statusCode);
    bodyOwnsFd = true;
    writeFileBody(res, fd, start, length, (err) => {
      if (err) req.log.info({ err: err.message }, 'file body cut short');
    });
    return reply;
  } finally {
    if (!bodyOwnsFd) await closeFd(fd);
  }
}
