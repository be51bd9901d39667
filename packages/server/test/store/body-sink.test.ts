import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { receiveInto, type SinkFile, type SinkState } from '../../src/store/body-sink.js';
import { alignedBuffers, BLOCK, directIoStats, openDirect } from '../../src/store/direct-io.js';
import { IO_CHUNK } from '../../src/store/hashing.js';

const tmp = mkdtempSync(join(tmpdir(), 'pnc-sink-'));
const directFs = [0xef53, 0x58465342].includes(statfsSync(tmp).type);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A body delivering `data` in uneven chunks (odd sizes, as sockets do), optionally failing after `failAfter` bytes. */
function body(data: Buffer, failAfter?: number): Readable {
  const sizes = [1, 7, 4095, 65536, 13, 100_003, 4096, 777];
  let off = 0;
  let i = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && off >= failAfter) {
        this.destroy(Object.assign(new Error('the origin closed the connection'), { code: 'ECONNRESET' }));
        return;
      }
      if (off >= data.length) {
        this.push(null);
        return;
      }
      let end = Math.min(data.length, off + sizes[i++ % sizes.length]!);
      if (failAfter !== undefined) end = Math.min(end, failAfter);
      this.push(data.subarray(off, end));
      off = end;
    },
  });
}

async function sinkFile(path: string, have: number, direct: boolean): Promise<SinkFile> {
  const buffered = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | (have === 0 && !direct ? constants.O_TRUNC : 0),
  );
  if (!direct) return { buffered };
  const fh = (await openDirect(path, have === 0))!;
  return { buffered, direct: { fh, buf: alignedBuffers(IO_CHUNK, 1)![0]! } };
}

async function close(f: SinkFile): Promise<void> {
  await f.direct?.fh.close();
  await f.buffered.close();
}

/** Receives `data` from `have` on into a file already holding data[0, have); returns the state. */
async function receive(
  data: Buffer,
  have: number,
  direct: boolean,
  opts: { failAfter?: number; limit?: number } = {},
) {
  const path = join(tmp, `blob-${++n}`);
  writeFileSync(path, data.subarray(0, have));
  const st: SinkState = { have, hash: createHash('sha256').update(data.subarray(0, have)), received: 0 };
  const f = await sinkFile(path, have, direct);
  const stats = { ...directIoStats };
  let error: unknown = null;
  try {
    await receiveInto(body(data.subarray(have), opts.failAfter), f, st, opts.limit ?? data.length);
  } catch (e) {
    error = e;
  } finally {
    await close(f);
  }
  return {
    path,
    st,
    error,
    direct: directIoStats.directBytes - stats.directBytes,
    buffered: directIoStats.bufferedBytes - stats.bufferedBytes,
  };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('receiveInto', () => {
  const sizes = [1, BLOCK - 1, BLOCK, BLOCK + 1, IO_CHUNK - 1, IO_CHUNK, IO_CHUNK + 1, 3 * IO_CHUNK + 12_345];

  for (const size of sizes) {
    it.runIf(directFs)(
      `writes ${size} bytes through O_DIRECT, only the unaligned tail buffered`,
      async () => {
        const data = randomBytes(size);
        const r = await receive(data, 0, true);
        expect(r.error).toBeNull();
        expect(r.st.have).toBe(size);
        expect(readFileSync(r.path).equals(data)).toBe(true);
        expect(r.st.hash.digest('hex')).toBe(sha(data));
        expect(r.buffered).toBe(size % BLOCK);
        expect(r.direct).toBe(size - (size % BLOCK));
      },
    );
  }

  it('writes through the page cache alone without a direct fd', async () => {
    const data = randomBytes(IO_CHUNK + 4097);
    const r = await receive(data, 0, false);
    expect(readFileSync(r.path).equals(data)).toBe(true);
    expect(r.st.hash.digest('hex')).toBe(sha(data));
    expect(r.direct).toBe(0);
    expect(r.buffered).toBe(data.length);
  });

  it.runIf(directFs)(
    'resumes from a position inside a block: the rest of that block buffered, then direct',
    async () => {
      const data = randomBytes(2 * IO_CHUNK + 999);
      const have = 3 * BLOCK + 1234;
      const r = await receive(data, have, true);
      expect(r.error).toBeNull();
      expect(readFileSync(r.path).equals(data)).toBe(true);
      expect(r.st.hash.digest('hex')).toBe(sha(data));
      expect(r.st.received).toBe(data.length - have);
      expect(r.buffered).toBe(BLOCK - 1234 + (data.length % BLOCK));
    },
  );

  for (const direct of directFs ? [true, false] : [false]) {
    it(`${direct ? 'direct' : 'buffered'}: a body failing midway leaves what it delivered written and hashed, and a resume from there completes`, async () => {
      const data = randomBytes(IO_CHUNK + 3 * BLOCK + 11);
      const cut = IO_CHUNK / 2 + 123; // not a block boundary
      const r = await receive(data, 0, direct, { failAfter: cut });
      expect(r.error).toMatchObject({ code: 'ECONNRESET' });
      expect(r.st.have).toBe(cut);
      expect(readFileSync(r.path).equals(data.subarray(0, cut))).toBe(true);
      const again = await receive(data, r.st.have, direct);
      expect(readFileSync(again.path).equals(data)).toBe(true);
      expect(again.st.hash.digest('hex')).toBe(sha(data));
    });
  }

  it('fails at once on a body torn down before it was handed over (node:http emits no late error)', async () => {
    const path = join(tmp, `blob-${++n}`);
    for (const err of [Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), undefined]) {
      const b = new Readable({ read() {} });
      b.on('error', () => {}).destroy(err);
      await new Promise((r) => setImmediate(r));
      b.removeAllListeners('error');
      const f = await sinkFile(path, 0, false);
      const st: SinkState = { have: 0, hash: createHash('sha256'), received: 0 };
      await expect(receiveInto(b, f, st, 100)).rejects.toMatchObject({ code: 'ECONNRESET' });
      await close(f);
    }
  });

  it.runIf(directFs)('never writes past the limit (the signed length)', async () => {
    const data = randomBytes(IO_CHUNK + 5000);
    const r = await receive(data, 0, true, { limit: BLOCK * 3 + 7 });
    expect(r.st.have).toBe(BLOCK * 3 + 7);
    expect(readFileSync(r.path).equals(data.subarray(0, BLOCK * 3 + 7))).toBe(true);
  });
});
