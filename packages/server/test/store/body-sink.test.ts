import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { receiveInto } from '../../src/store/body-sink.js';

const tmp = mkdtempSync(join(tmpdir(), 'pnc-body-sink-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('receiveInto', () => {
  it('fails with the error of a body that broke before it was listened to', async () => {
    const body = new Readable({ read() {} });
    body.on('error', () => {}); // as the downloader does while the file opens
    body.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await new Promise((r) => setImmediate(r));
    const fh = await open(join(tmp, 'early-error'), 'w');
    try {
      const st = { have: 0, hash: createHash('sha256'), received: 0 };
      await expect(receiveInto(body, fh, st, 10)).rejects.toThrow('socket hang up');
      expect(st.have).toBe(0);
    } finally {
      await fh.close();
    }
  });
});
