import { PncError } from '@pnc/shared';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** `8GiB`, `8G` (binary) or `8GB` (decimal, as printed on keys) → bytes. */
export function parseSize(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)\s*$/i.exec(input);
  if (!m)
    throw new PncError('VALIDATION_FAILED', `"${input}" is not a size; write e.g. 8GiB, 16GB or 1073741824.`);
  const unit = m[2]!.toUpperCase();
  const decimal = m[3]!.toUpperCase() === 'B' && unit !== '';
  const factor = decimal ? 1000 ** ' KMGT'.indexOf(unit) : UNITS[unit]!;
  return Math.floor(Number(m[1]) * factor);
}

/** Human size for terminals (the UI formats per locale itself). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
