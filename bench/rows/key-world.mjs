// The world rows 1, 2, 3 and 6 share: a carmaker repository with the key packages, nginx serving
// it (and, for the references, the box's store under the same URLs), and a running box.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fmtBytes, log } from '../lib/common.mjs';
import { linkSubset, makeRepository, makeTree, packageMeta, removeTree, startBox, startNginx, syncBox, vinOf, writeVehicles } from '../lib/fixture.mjs';

export async function setupKeyWorld(ctx) {
  const { opts, tmp } = ctx;
  const dir = join(tmp, 'key');
  const src = join(tmp, 'key-src');
  mkdirSync(src, { recursive: true });
  log(`generating the key package: ${fmtBytes(opts.size)} in ${opts.files} files…`);
  const files = makeTree(src, opts.size, opts.files, 'MAP', 'key');
  const limited = linkSubset(src, files, opts.limitedSize, 'SOFT');
  const slow = linkSubset(src, files, opts.limitedSlowSize, 'EASYLINK_MAP');
  const vehiclesFile = join(tmp, 'key-vehicles.ndjson');
  writeVehicles(vehiclesFile, 10);
  log('publishing it with pnc-publish…');
  const repo = await makeRepository(dir, {
    packages: [
      { folder: join(src, 'MAP'), meta: packageMeta('BENCH-MAP', 'MAP', 'RLINK2', '9.0') },
      { folder: join(src, 'SOFT'), meta: packageMeta('BENCH-SOFT', 'SOFT', 'RLINK2', '12.0') },
      { folder: join(src, 'EASYLINK_MAP'), meta: packageMeta('BENCH-EASYLINK-MAP', 'MAP', 'EASYLINK', '9.0') },
    ],
    vehiclesFile,
  });
  removeTree(src);
  const boxDir = join(tmp, 'key-box');
  const nginx = ctx.tools.nginx ? await startNginx(join(tmp, 'nginx'), { originRoot: tmp, store: join(boxDir, 'store', 'sha256') }) : null;
  if (nginx) ctx.cleanupHooks.push(() => nginx.stop());
  let originUrl = nginx?.originUrl;
  if (!originUrl) {
    const { serveStatic } = await import('../../scripts/static-origin.mjs');
    const s = await serveStatic(tmp);
    ctx.cleanupHooks.push(() => s.close());
    originUrl = `http://127.0.0.1:${s.address().port}`;
  }
  log('mirroring it into a box (pnc-server sync)…');
  await syncBox(boxDir, `${originUrl}/key/repo`, repo.trustedRoot);
  const box = await startBox(boxDir, { name: 'key-box' });
  ctx.cleanupHooks.push(() => box.stop());
  const catalog = await (await fetch(`${box.url}/api/v1/catalog`, { headers: { authorization: `Bearer ${box.token}` } })).json();
  const pkg = (id) => {
    const p = catalog.catalog.packages.find((x) => x.id === id);
    return { id, files: p.files, bytes: p.files.reduce((n, f) => n + f.size, 0) };
  };
  return {
    repo,
    nginx,
    originUrl,
    box,
    boxDir,
    vinRlink: vinOf(0),
    vinEasylink: vinOf(1),
    packages: { map: pkg('BENCH-MAP'), soft: pkg('BENCH-SOFT'), slow: pkg('BENCH-EASYLINK-MAP') },
    sizes: { limited: limited.bytes, slow: slow.bytes },
  };
}
