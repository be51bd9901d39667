import { setTimeout as sleep } from 'node:timers/promises';
import { PncError } from '@pnc/shared';

/** A weekly window with its own cap, e.g. Monday–Saturday 08:00–19:00 at 2 MiB/s. */
export interface BandwidthWindow {
  /** Days it applies: `mon-fri`, `sat,sun`, `*`. */
  days: string;
  /** `HH:MM`; a window with `from` after `to` runs past midnight. */
  from: string;
  to: string;
  /** null = unlimited inside the window. */
  bytesPerSecond: number | null;
}

export interface BandwidthConfig {
  windows: BandwidthWindow[];
  /** Cap outside every window; absent or null = unlimited. */
  defaultBytesPerSecond?: number | null;
  timezone?: string;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function daySet(spec: string): Set<number> {
  if (spec.trim() === '*') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const out = new Set<number>();
  for (const part of spec.toLowerCase().split(',')) {
    const [a, b] = part.trim().split('-');
    const from = DAYS.indexOf(a ?? '');
    const to = b === undefined ? from : DAYS.indexOf(b);
    if (from < 0 || to < 0)
      throw new PncError('VALIDATION_FAILED', `"${spec}" is not a list of days (mon-fri, sat,sun, *).`);
    for (let d = from; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === to) break;
    }
  }
  return out;
}

function minutes(hhmm: string): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new PncError('VALIDATION_FAILED', `"${hhmm}" is not a time (HH:MM).`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Day of week and minute of day in a time zone. */
function localTime(now: Date, timezone: string | undefined): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return {
    day: DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)),
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

/** The cap in force at `now` (bytes/s), or null when unlimited. The first matching window wins. */
export function bandwidthLimitAt(config: BandwidthConfig | undefined, now: Date): number | null {
  if (!config) return null;
  const { day, minute } = localTime(now, config.timezone);
  for (const w of config.windows) {
    const from = minutes(w.from);
    const to = minutes(w.to);
    const days = daySet(w.days);
    const inside =
      from <= to
        ? days.has(day) && minute >= from && minute < to
        : (days.has(day) && minute >= from) || (days.has((day + 6) % 7) && minute < to);
    if (inside) return w.bytesPerSecond;
  }
  return config.defaultBytesPerSecond ?? null;
}

/**
 * Parses `mon-fri 08:00-19:00 2MiB; sat 08:00-12:00 1MiB` (a rate of `unlimited` is allowed).
 * Validates every part so a typo is reported when the box starts, not at 8 a.m.
 */
export function parseBandwidthSpec(spec: string, timezone?: string): BandwidthConfig {
  const windows: BandwidthWindow[] = [];
  for (const part of spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\S+)\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})\s+(\S+)$/.exec(part);
    if (!m)
      throw new PncError(
        'VALIDATION_FAILED',
        `"${part}" is not a bandwidth window (example: mon-fri 08:00-19:00 2MiB).`,
      );
    const w: BandwidthWindow = { days: m[1]!, from: m[2]!, to: m[3]!, bytesPerSecond: parseRate(m[4]!) };
    daySet(w.days);
    minutes(w.from);
    minutes(w.to);
    windows.push(w);
  }
  return { windows, ...(timezone ? { timezone } : {}) };
}

function parseRate(text: string): number | null {
  if (text.toLowerCase() === 'unlimited') return null;
  const m = /^(\d+(?:\.\d+)?)(k|kib|m|mib|g|gib)?(?:\/s)?$/i.exec(text);
  if (!m)
    throw new PncError('VALIDATION_FAILED', `"${text}" is not a rate (examples: 2MiB, 500KiB, unlimited).`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit.startsWith('g')
    ? 1024 ** 3
    : unit.startsWith('m')
      ? 1024 ** 2
      : unit.startsWith('k')
        ? 1024
        : 1;
  return Math.max(1024, Math.round(Number(m[1]) * mult));
}

/** A token bucket shared by all parallel downloads; the cap follows the weekly windows. */
export class Throttle {
  private tokens = 0;
  private last = Date.now();
  private limit: number | null = null;
  private limitCheckedAt = 0;

  constructor(
    private readonly config: BandwidthConfig | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  currentLimit(): number | null {
    const t = Date.now();
    if (t - this.limitCheckedAt > 10_000) {
      this.limit = bandwidthLimitAt(this.config, this.now());
      this.limitCheckedAt = t;
    }
    return this.limit;
  }

  /** Waits until `bytes` may pass. Chunks bigger than the bucket go into debt and wait it off. */
  async take(bytes: number): Promise<void> {
    const rate = this.currentLimit();
    const t = Date.now();
    if (rate === null) {
      this.last = t;
      return;
    }
    this.tokens = Math.min(rate / 2, this.tokens + ((t - this.last) / 1000) * rate);
    this.last = t;
    this.tokens -= bytes;
    if (this.tokens < 0) await sleep(Math.ceil((-this.tokens / rate) * 1000));
  }
}
