/** Locale-aware formatting of what the screens show: sizes, ages, counts. */

const MB = 1_000_000;
const GB = 1_000_000_000;

/** Bytes as MB or GB (decimal, as keys are sold), e.g. "1,3 Go" in French. */
export function formatSize(bytes: number, locale: string): string {
  const [value, unit] =
    bytes >= GB ? [bytes / GB, 'gigabyte'] : [Math.max(bytes / MB, bytes > 0 ? 0.1 : 0), 'megabyte'];
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 ? 1 : 0,
  }).format(value);
}

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** An age in seconds as a past phrase: "3 hours ago", "il y a 3 heures", "yesterday", "now". */
export function formatAge(seconds: number, locale: string): string {
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const unit = UNITS.find(([, size]) => seconds >= size);
  return unit ? rtf.format(-Math.floor(seconds / unit[1]), unit[0]) : rtf.format(0, 'second');
}

export function formatDateTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** A transfer speed, e.g. "48 MB/s", "48 Mo/s" (decimal megabytes, like sizes). */
export function formatSpeed(bytesPerSecond: number, locale: string): string {
  const value = bytesPerSecond / MB;
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'megabyte-per-second',
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 ? 1 : 0,
  }).format(value);
}

/**
 * A duration for estimates and remaining times: seconds under a minute, whole minutes (rounded
 * up: a technician plans with it) under an hour, then hours and minutes. "45 sec", "12 min", "1 hr, 5 min".
 */
export function formatDuration(seconds: number, locale: string): string {
  const unit = (value: number, u: 'second' | 'minute' | 'hour') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short' }).format(value);
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return unit(Math.max(1, s), 'second');
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  const parts = [unit(Math.floor(minutes / 60), 'hour')];
  if (minutes % 60) parts.push(unit(minutes % 60, 'minute'));
  return new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' }).format(parts);
}

export function formatDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatPercent(ratio: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(
    Math.min(1, Math.max(0, ratio)),
  );
}
