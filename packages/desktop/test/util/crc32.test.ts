import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/core/util/crc32.js';

describe('crc32', () => {
  it('is available here and gives zlib’s CRC-32, also when fed in pieces', () => {
    expect(crc32).not.toBeNull();
    const data = randomBytes(3 * 1024 * 1024 + 5);
    let running = 0;
    for (let off = 0; off < data.length; off += 65_537)
      running = crc32!(data.subarray(off, off + 65_537), running);
    expect(running).toBe(zlib.crc32(data));
    expect(crc32!(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
