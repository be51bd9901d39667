import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FanOut } from '../../src/core/keys/fan-out.js';

/** A source that, like the LAN download, reuses one buffer: a chunk is valid until the next pull. */
async function* reusing(count: number): AsyncGenerator<Buffer> {
  const buf = Buffer.alloc(4);
  for (let i = 0; i < count; i++) {
    buf.writeUInt32BE(i);
    yield buf;
  }
}

async function consume(it: AsyncIterable<Buffer>, delayMs: number): Promise<number[]> {
  const seen: number[] = [];
  for await (const chunk of it) {
    await sleep(delayMs); // a key busy writing the chunk it holds
    seen.push(chunk.readUInt32BE());
  }
  return seen;
}

describe('FanOut', () => {
  it('hands every chunk to each key and pulls the next only once all are done with it', async () => {
    const fan = new FanOut(3, () => reusing(20));
    const [fast, slow, slower] = await Promise.all([
      consume(fan.stream(0, 'f'), 0),
      consume(fan.stream(1, 'f'), 2),
      consume(fan.stream(2, 'f'), 5),
    ]);
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect(fast).toEqual(all);
    expect(slow).toEqual(all);
    expect(slower).toEqual(all);
  });

  it('goes on without a key that is dropped mid-file', async () => {
    const fan = new FanOut(2, () => reusing(10));
    const dropped = (async () => {
      const seen: number[] = [];
      for await (const chunk of fan.stream(1, 'f')) {
        seen.push(chunk.readUInt32BE());
        if (seen.length === 3) {
          fan.drop(1);
          break;
        }
      }
      return seen;
    })();
    const kept = await consume(fan.stream(0, 'f'), 1);
    expect(await dropped).toEqual([0, 1, 2]);
    expect(kept).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(fan.live).toBe(1);
  });
});
