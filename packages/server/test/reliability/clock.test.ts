import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOrigin, type Origin } from '../helpers/origin-server.js';
import { assertServedComplete, demoRepo, makeBox, tempDir } from '../helpers/mirror-fixtures.js';

/** Clock faults on the box: a clock days off is named plainly; a clock set back is refused. */
describe('the box clock', () => {
  const tmp = tempDir('rel-clock');
  const workdir = join(tmp.path, 'publisher');
  let origin: Origin;
  let n = 0;
  beforeAll(async () => {
    await demoRepo(workdir, 256 * 1024);
    // The origin keeps the real time whatever the box's clock says.
    const real = Date.now();
    const started = performance.now();
    origin = await startOrigin({ root: () => join(workdir, 'repo'), date: () => new Date(real + (performance.now() - started)) });
  }, 60_000);
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await origin.close();
    tmp.cleanup();
  });

  const box = () => makeBox(join(tmp.path, `box-${++n}`), workdir);

  it('C01 box clock 30 days ahead: sync refused (METADATA_EXPIRED) and the message names the box clock and NTP', async () => {
    const b = box();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 30 * 86_400_000);
    const r = await b.sync(origin.url);
    vi.useRealTimers();
    expect(r.error?.code).toBe('METADATA_EXPIRED');
    expect(r.error?.message).toMatch(/box's clock is 30\.0 days ahead of the carmaker's server.*NTP/);
    await b.close();
  });

  it('C02 box clock 3 days behind: content served, clock skew measured and reported (> 5 min warning)', async () => {
    const b = box();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 3 * 86_400_000);
    const r = await b.sync(origin.url);
    vi.useRealTimers();
    expect(r.status).toBe('ok');
    expect(r.clockSkewSeconds).toBeLessThan(-2.9 * 86_400);
    await b.close();
  });

  it('C03 box clock set back below the latest known time: sync refused (METADATA_EXPIRED, CLOCK_BEHIND), previous catalog served', async () => {
    const b = box();
    expect((await b.sync(origin.url)).status).toBe('ok');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 2 * 86_400_000);
    const r = await b.sync(origin.url);
    vi.useRealTimers();
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('METADATA_EXPIRED');
    expect(r.error?.message).toMatch(/clock .* is 2\.0 days behind a time it already knew/);
    expect(await assertServedComplete(b.dataDir, b.db)).toBe(1);
    // Back on time, it synchronises again.
    expect((await b.sync(origin.url)).status).not.toBe('failed');
    await b.close();
  });
});
