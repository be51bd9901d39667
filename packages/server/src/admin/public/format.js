// Dates, durations and sizes in the reader's language, through Intl.
import { currentLanguage } from './i18n.js';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

function scaled(bytes) {
  let i = 0;
  let v = Math.abs(bytes);
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return { value: Math.sign(bytes) * v, unit: UNITS[i], digits: i === 0 || v >= 100 ? 0 : 1 };
}

export function formatBytes(bytes) {
  const { value, unit, digits } = scaled(bytes);
  return new Intl.NumberFormat(currentLanguage(), {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatRate(bytesPerSecond) {
  const { value, unit, digits } = scaled(bytesPerSecond);
  return new Intl.NumberFormat(currentLanguage(), {
    style: 'unit',
    unit: `${unit}-per-second`,
    unitDisplay: 'short',
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatNumber(n) {
  return new Intl.NumberFormat(currentLanguage()).format(n);
}

export function formatPercent(ratio) {
  return new Intl.NumberFormat(currentLanguage(), { style: 'percent', maximumFractionDigits: 0 }).format(
    ratio,
  );
}

export function formatDate(iso) {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

const STEPS = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "9 hours ago", "in 6 days", relative to `now`. */
export function formatRelative(iso, now = Date.now()) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(currentLanguage(), { numeric: 'auto' });
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size || unit === 'second') return rtf.format(Math.round(seconds / size), unit);
  }
  return '';
}

/** A duration such as "12 min" or "1 h 5 min" (time left, how long a run took). */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.round(totalSeconds));
  const unit = (value, u) =>
    new Intl.NumberFormat(currentLanguage(), { style: 'unit', unit: u, unitDisplay: 'short' }).format(value);
  if (s < 60) return unit(s, 'second');
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  if (h === 0) return unit(m, 'minute');
  return m ? `${unit(h, 'hour')} ${unit(m, 'minute')}` : unit(h, 'hour');
}
