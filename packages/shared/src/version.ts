/** Compares dotted numeric versions (`11.2` < `11.10`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Whether `version` matches a pattern: an exact version or a prefix ending in `.*`. */
export function versionMatches(version: string, pattern: string): boolean {
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -2);
    return version === prefix || version.startsWith(prefix + '.');
  }
  return compareVersions(version, pattern) === 0;
}
