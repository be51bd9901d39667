import { createRequire } from 'node:module';
import zlib from 'node:zlib';

/** CRC-32 (IEEE, as zlib and ZIP): `crc32(next, crc32(first))` is the CRC of both. */
export type Crc32 = (data: Uint8Array, previous?: number) => number;

/**
 * The fastest CRC-32 this runtime has: @node-rs/crc32 (SIMD, ≈ 0.08 s/GiB here), else
 * node:zlib's (Node ≥ 20.15, ≈ 0.22 s/GiB), else null. Both give the same values. The native
 * module is optional: a platform without its binary just gets zlib's.
 */
function load(): Crc32 | null {
  try {
    const native = createRequire(import.meta.url)('@node-rs/crc32') as { crc32: Crc32 };
    if (native.crc32(Buffer.from('123456789')) === 0xcbf43926) return native.crc32;
  } catch {
    // no binary for this platform
  }
  const fromZlib = (zlib as { crc32?: Crc32 }).crc32;
  return typeof fromZlib === 'function' ? fromZlib : null;
}

export const crc32: Crc32 | null = load();
