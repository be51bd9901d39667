#!/usr/bin/env node
// Writes a key with the desktop core's own parts, for the rows the CLI cannot express:
//   single  — writeKey() exactly as `pnc-key write` calls it, with the key's writes throttled
//             (--key-rate B/s, a token bucket around the BlockTarget; reads are not throttled);
//   three   — the field's three phases with our parts: download every blob to disk (core
//             downloader, fsync), copy them into a folder laid out as on the key, then build
//             the key from that folder (FAT32 writer + read-back verification).
// Prints one JSON line with the timings. Env: PNC_TOKEN, PNC_TRUSTED_ROOT, PNC_HOME.
import { createReadStream, mkdirSync } from 'node:fs';
import { copyFile, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './common.mjs';

const core = (p) => import(join(ROOT, 'packages/desktop/dist/core', p));
const { writeKey, keyFiles, selectPackages, verifyKeyFiles } = await core('keys/write-key.js');
const { openImageTarget, openDeviceTarget, planFat32Volume, writeFat32Volume } = await core('fat32/index.js');
const { ServerClient } = await core('server/server-client.js');
const { fetchVerifiedCatalog } = await core('trust/verified-catalog.js');
const { downloadBlob } = await core('download/blob-download.js');
// Read-back from the key itself, as pnc-key does (older cores had no page-cache drop).
const dropPageCache = await core('drives/page-cache.js').then((m) => m.dropPageCache, () => async () => false);

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'single' },
    server: { type: 'string' },
    vin: { type: 'string' },
    package: { type: 'string', multiple: true },
    image: { type: 'string' },
    device: { type: 'string' },
    size: { type: 'string' },
    'key-rate': { type: 'string' },
    work: { type: 'string' },
  },
});

/** Holds writes to `rate` bytes/s on average (token bucket, 8 MiB burst, like a key's cache). */
function throttled(target, rate) {
  if (!rate) return target;
  const burst = 8 * 1024 * 1024;
  let next = performance.now();
  return {
    get size() {
      return target.size;
    },
    get zeroed() {
      return target.zeroed;
    },
    // Direct I/O as the key has it (aligned buffers for the writer, read-back from the device).
    get direct() {
      return target.direct;
    },
    async write(buf, position) {
      const now = performance.now();
      next = Math.max(next, now - (burst / rate) * 1000) + (buf.length / rate) * 1000;
      if (next > now) await new Promise((r) => setTimeout(r, next - now));
      return target.write(buf, position);
    },
    read: (buf, position) => target.read(buf, position),
    sync: () => target.sync(),
    close: () => target.close(),
  };
}

const client = new ServerClient(values.server, { token: process.env.PNC_TOKEN });
const openTarget = () => (values.device ? openDeviceTarget(values.device) : openImageTarget(values.image, Number(values.size)));
const t0 = performance.now();
const info = await client.info();
const verified = await fetchVerifiedCatalog({ serverUrl: client.baseUrl, trustedRootFile: process.env.PNC_TRUSTED_ROOT, stateDir: process.env.PNC_HOME });
const vehicle = await client.vehicle(values.vin);
const APP = { name: "Plug'nConnect bench", version: '0' };

if (values.mode === 'single') {
  const rate = values['key-rate'] ? Number(values['key-rate']) : 0;
  const target = await openTarget();
  const size = target.size;
  await target.close();
  const r = await writeKey({
    client,
    serverName: info.name,
    verified,
    vehicle,
    packageIds: values.package,
    // The key to write (writeKey's `key`; older cores took volumeBytes/openTarget directly).
    key: { label: values.image ?? values.device, volumeBytes: size, openTarget: async () => throttled(await openTarget(), rate), dropCache: () => dropPageCache(values.image ?? values.device) },
    volumeBytes: size,
    openTarget: async () => throttled(await openTarget(), rate),
    app: APP,
  });
  console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, bytes: r.bytes, files: r.files }));
} else {
  const files = keyFiles(selectPackages(verified, vehicle, values.package));
  const cache = join(values.work, 'cache');
  const staging = join(values.work, 'staging');
  mkdirSync(cache, { recursive: true });
  // Phase 1: download to disk (the workstation cache), each file fsynced.
  const p1 = performance.now();
  for (const f of files) {
    const path = join(cache, f.sha256);
    // Each chunk is written before the next is asked for (the download reuses its buffer).
    const fh = await open(path, 'w');
    for await (const chunk of downloadBlob(client, { size: f.size, sha256: f.sha256 })) await fh.write(chunk);
    await fh.sync();
    await fh.close();
  }
  // Phase 2: copy into a folder laid out as on the key.
  const p2 = performance.now();
  for (const f of files) {
    const dest = join(staging, f.path);
    mkdirSync(dirname(dest), { recursive: true });
    await copyFile(join(cache, f.sha256), dest);
  }
  const sync = await open(staging, 'r');
  await sync.sync();
  await sync.close();
  // Phase 3: build the key from that folder, then read it back.
  const p3 = performance.now();
  const target = await openTarget();
  const plan = planFat32Volume({ volumeBytes: target.size, label: 'PNC_KEY', files: files.map((f) => ({ path: f.path, size: f.size })) });
  await writeFat32Volume(plan, target, (file) => createReadStream(join(staging, file.path), { highWaterMark: 1 << 20 }));
  await target.sync();
  await dropPageCache(values.image ?? values.device);
  await verifyKeyFiles(target, files);
  await target.close();
  const end = performance.now();
  console.log(
    JSON.stringify({
      seconds: (end - t0) / 1000,
      download: (p2 - p1) / 1000,
      copy: (p3 - p2) / 1000,
      key: (end - p3) / 1000,
      bytes: files.reduce((n, f) => n + f.size, 0),
    }),
  );
}
process.exit(0);
