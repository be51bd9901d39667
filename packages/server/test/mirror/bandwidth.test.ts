import { describe, expect, it } from 'vitest';
import { bandwidthLimitAt, parseBandwidthSpec, Throttle } from '../../src/mirror/bandwidth.js';

describe('bandwidth windows', () => {
  const config = parseBandwidthSpec('mon-sat 08:00-19:00 2MiB; fri-sat 22:00-06:00 512KiB', 'Europe/Paris');

  it('applies the cap inside a window, in the configured time zone', () => {
    // Wednesday 10:00 in Paris (UTC+1 in winter).
    expect(bandwidthLimitAt(config, new Date('2026-01-07T09:00:00Z'))).toBe(2 * 1024 * 1024);
    // Wednesday 20:00 in Paris: outside every window.
    expect(bandwidthLimitAt(config, new Date('2026-01-07T19:00:00Z'))).toBeNull();
    // Sunday 10:00: not a listed day.
    expect(bandwidthLimitAt(config, new Date('2026-01-11T09:00:00Z'))).toBeNull();
  });

  it('handles windows across midnight', () => {
    // Saturday 02:00 Paris belongs to Friday's 22:00-06:00 window.
    expect(bandwidthLimitAt(config, new Date('2026-01-10T01:00:00Z'))).toBe(512 * 1024);
    // Monday 02:00 Paris: Sunday is not in the window's days.
    expect(bandwidthLimitAt(config, new Date('2026-01-12T01:00:00Z'))).toBeNull();
  });

  it('refuses malformed specs with the part named', () => {
    expect(() => parseBandwidthSpec('weekdays 8-19 2MiB')).toThrow(/"weekdays 8-19 2MiB" is not a bandwidth window/);
    expect(() => parseBandwidthSpec('mon-fri 08:00-25:00 2MiB')).toThrow(/"25:00" is not a time/);
    expect(() => parseBandwidthSpec('mon-fri 08:00-19:00 fast')).toThrow(/"fast" is not a rate/);
  });

  it('throttles to the cap', async () => {
    const t = new Throttle({ windows: [], defaultBytesPerSecond: 1_000_000 });
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) await t.take(100_000);
    // 1 MB at 1 MB/s, minus the initial half-second burst allowance at most.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  });
});
