import { describe, expect, it } from 'vitest';
import { compareVersions, versionMatches } from '../src/index.js';

describe('versions', () => {
  it('compares numerically, part by part', () => {
    expect(compareVersions('11.10', '11.2')).toBe(1);
    expect(compareVersions('11.2', '11.2.0')).toBe(0);
    expect(compareVersions('4.9.9', '5')).toBe(-1);
  });
  it('matches exact versions and prefixes', () => {
    expect(versionMatches('5.2.1', '5.*')).toBe(true);
    expect(versionMatches('5', '5.*')).toBe(true);
    expect(versionMatches('50.1', '5.*')).toBe(false);
    expect(versionMatches('5.2', '5.2.0')).toBe(true);
  });
});
