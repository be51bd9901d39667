// Row 2: key creation under the field's limits. The link is a token-bucket TCP proxy in front of
// the box (server→workstation direction), the key a token bucket around the BlockTarget's writes
// (read-back is not throttled: keys read faster than they write). Same writeKey() as pnc-key.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fmtBytes, fmtSeconds, log, node, startProcess, stopProcess, waitFor } from '../lib/common.mjs';
import { keyEnv, volumeFor } from './key.mjs';

const KEY_DRIVER = new URL('../lib/key-driver.mjs', import.meta.url).pathname;
const PROXY = new URL('../lib/throttle-proxy.mjs', import.meta.url).pathname;
const mb = (r) => `${(r / 1e6).toFixed(r < 20e6 ? 1 : 0)} MB/s`;

export async function limitRows(ctx) {
  const { world, opts, tmp } = ctx;
  const boxPort = new URL(world.box.url).port;
  const setups = [
    { id: '2a', what: 'gigabit link + USB 3.0 key', link: opts.link, key: opts.usb3, pkg: world.packages.soft, vin: world.vinRlink, field: '12 min (USB 3.0 port + USB 3.0 key + 1 Gb/s)' },
    { id: '2b', what: 'gigabit link + key on a USB 2.0 port', link: opts.link, key: opts.usb2, pkg: world.packages.soft, vin: world.vinRlink, field: '—' },
    { id: '2c', what: '100 Mb/s link + USB 3.0 key', link: opts.linkSlow, key: opts.usb3, pkg: world.packages.slow, vin: world.vinEasylink, field: '33 min (USB 3.0 + 100 Mb/s); 20 min with a no-name key' },
    { id: '2d', what: '100 Mb/s link + key on a USB 2.0 port', link: opts.linkSlow, key: opts.usb2, pkg: world.packages.slow, vin: world.vinEasylink, field: '48 min (USB 2.0 port + 100 Mb/s)' },
  ];
  const rows = [];
  for (const s of setups) {
    const proxy = startProcess('proxy', process.execPath, [PROXY, boxPort, String(s.link)]);
    try {
      const port = await waitFor(() => /^(\d+)/m.exec(proxy.output)?.[1], 'the throttling proxy');
      const img = join(tmp, 'limited.img');
      log(`row ${s.id}: ${s.what}: ${fmtBytes(s.pkg.bytes)} at link ${mb(s.link)}, key ${mb(s.key)}…`);
      const r = JSON.parse(
        (
          await node(KEY_DRIVER, ['--mode', 'single', '--server', `http://127.0.0.1:${port}`, '--vin', s.vin, '--package', s.pkg.id, '--image', img, '--size', String(volumeFor(s.pkg.bytes)), '--key-rate', String(s.key)], {
            env: keyEnv(ctx, s.id),
          })
        ).stdout.trim(),
      );
      rmSync(img, { force: true });
      spawnSync('sync');
      const slower = Math.min(s.link, s.key);
      const floor = s.pkg.bytes / slower;
      const rate = s.pkg.bytes / r.seconds;
      const minutes = (bytes) => (bytes / rate / 60).toFixed(1);
      rows.push({
        id: s.id,
        what: `Key under limits: ${s.what} (link ${mb(s.link)}, key writes ${mb(s.key)}), ${fmtBytes(s.pkg.bytes)}`,
        ours: `${fmtSeconds(r.seconds)}`,
        ref: `${fmtSeconds(floor)} = bytes ÷ ${mb(slower)}`,
        ratio: r.seconds / floor,
        goal: '≤ 1.1',
        ok: r.seconds / floor <= 1.1,
        note: `${s.id}: at the measured ${mb(rate)}, an 8 GB map package takes ${minutes(8e9)} min and a 30 GB one ${minutes(30e9)} min (one pass, verified); field tools: ${s.field}.`,
        figures: { seconds: r.seconds, bytes: s.pkg.bytes, link: s.link, key: s.key, min8GB: Number(minutes(8e9)), min30GB: Number(minutes(30e9)) },
      });
    } finally {
      await stopProcess(proxy);
    }
  }
  return rows;
}
