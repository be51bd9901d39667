import { planFat32Volume, writeFat32Volume, openImageTarget } from '/work/main/packages/desktop/src/core/fat32/index.js';
import { open } from 'node:fs/promises';
const GIB = 1024 ** 3;
const size = 0xffffffff;
const pat = Buffer.alloc(1024 * 1024 + 7, 7);
async function* chunks() { for (let off = 0; off < size; ) { const n = Math.min(pat.length, size - off); yield pat.subarray(0, n); off += n; } }
let t = performance.now();
const plan = planFat32Volume({ volumeBytes: 8 * GIB, files: [{ path: 'big.bin', size }] });
const target = await openImageTarget('/tmp/smoke/big.img', plan.volumeBytes);
const realSync = target.sync.bind(target);
(target as any).sync = async () => { console.log('before sync', ((performance.now() - t) / 1000).toFixed(1)); await realSync(); };
await writeFat32Volume(plan, target, () => chunks());
await target.close();
console.log('total', ((performance.now() - t) / 1000).toFixed(1));
// raw sequential baseline
t = performance.now();
const fh = await open('/tmp/smoke/raw.img', 'w');
const b = Buffer.alloc(4 * 1024 * 1024, 1);
for (let i = 0; i < 1024; i++) await fh.write(b, 0, b.length, i * b.length);
console.log('raw before sync', ((performance.now() - t) / 1000).toFixed(1));
await fh.sync(); await fh.close();
console.log('raw total', ((performance.now() - t) / 1000).toFixed(1));
