// A plain static HTTP server standing in for the carmaker's bucket (GCS/S3) in the demo.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

export function serveStatic(root, port = 0, host = '127.0.0.1') {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path);
    let st;
    try {
      st = statSync(file);
    } catch {
      st = null;
    }
    if (!st || !st.isFile() || !file.startsWith(root)) {
      res.writeHead(404).end('not found');
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Number(range[2]) : st.size - 1;
    if (range && start >= st.size) {
      res.writeHead(416, { 'content-range': `bytes */${st.size}` }).end();
      return;
    }
    res.writeHead(range ? 206 : 200, {
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${st.size}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file, { start, end, highWaterMark: 1 << 20 }).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

// Run directly: `node scripts/static-origin.mjs DIR [PORT]` prints the URL it serves on.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const server = await serveStatic(process.argv[2], Number(process.argv[3] ?? 0));
  console.log(`http://127.0.0.1:${server.address().port}`);
}
