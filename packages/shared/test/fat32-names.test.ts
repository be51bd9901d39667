import { describe, expect, it } from 'vitest';
import { checkFat32Tree, fat32NameProblem, FAT32_MAX_FILE_SIZE } from '../src/index.js';
import { codeOf } from './helpers.js';

describe('FAT32 names', () => {
  it('accepts long, accented and dotted names', () => {
    expect(fat32NameProblem('Carte Europe de l’Ouest – édition 2026.bin')).toBeNull();
    expect(fat32NameProblem('a.b.c.d')).toBeNull();
    expect(fat32NameProblem('x'.repeat(255))).toBeNull();
  });
  it.each([
    '',
    '.',
    '..',
    'a:b',
    'a*b',
    'a?b',
    'a|b',
    'a"b',
    'a<b',
    'tab\there',
    'trailing.',
    'trailing ',
    'CON',
    'nul.txt',
    'x'.repeat(256),
  ])('refuses %j', (name) => {
    expect(fat32NameProblem(name)).not.toBeNull();
  });
});

describe('checkFat32Tree', () => {
  const f = (path: string, size = 1) => ({ path, size });
  it('accepts a nested tree with shared folders', () => {
    expect(() =>
      checkFat32Tree([f('A/b/c.bin'), f('A/b/d.bin'), f('A/e.bin'), f('root.txt', 0)]),
    ).not.toThrow();
  });
  it('refuses names equal ignoring case, in files and in folders', () => {
    expect(codeOf(() => checkFat32Tree([f('Map/x.bin'), f('map/y.bin')]))).toBe('FAT32_NAME_COLLISION');
    expect(codeOf(() => checkFat32Tree([f('README.txt'), f('readme.TXT')]))).toBe('FAT32_NAME_COLLISION');
    expect(codeOf(() => checkFat32Tree([f('été.bin'), f('ÉTÉ.bin')]))).toBe('FAT32_NAME_COLLISION');
  });
  it('refuses a path that is both a file and a folder, and duplicates', () => {
    expect(codeOf(() => checkFat32Tree([f('a'), f('a/b')]))).toBe('FAT32_NAME_COLLISION');
    expect(codeOf(() => checkFat32Tree([f('a/b'), f('a/b')]))).toBe('FAT32_NAME_COLLISION');
  });
  it('refuses files over 4 GiB − 1 and accepts exactly 4 GiB − 1', () => {
    expect(() => checkFat32Tree([f('big.bin', FAT32_MAX_FILE_SIZE)])).not.toThrow();
    expect(codeOf(() => checkFat32Tree([f('big.bin', FAT32_MAX_FILE_SIZE + 1)]))).toBe(
      'FAT32_FILE_TOO_LARGE',
    );
  });
  it('refuses traversal, absolute and backslash paths, naming the file', () => {
    for (const p of ['../x', 'a/../b', '/abs', 'C:/x', 'a\\b', 'a//b', 'a/./b']) {
      expect(codeOf(() => checkFat32Tree([f(p)]))).toBe('FAT32_INVALID_NAME');
    }
    expect(() => checkFat32Tree([f('ok/AUX.bin')])).toThrow(/AUX\.bin/);
  });
});
