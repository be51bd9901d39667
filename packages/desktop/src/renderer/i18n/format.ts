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
