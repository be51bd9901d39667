import { describe, expect, it } from 'vitest';
import { checkPartialVin, decodeVin, parseVin, type PncError } from '../src/index.js';
import { codeOf } from './helpers.js';

describe('parseVin', () => {
  it('accepts a valid VIN and normalises case and separators', () => {
    expect(parseVin(' vf1rja00-5678 90123 ')).toBe('VF1RJA00567890123');
  });
  it.each([
    ['', 'VIN_EMPTY'],
    ['VF1RJA0056789012', 'VIN_TOO_SHORT'],
    ['VF1RJA005678901234', 'VIN_TOO_LONG'],
    ['VF1RJA0O567890123', 'VIN_FORBIDDEN_LETTER'],
    ['VF1RJA0I567890123', 'VIN_FORBIDDEN_LETTER'],
    ['QF1RJA00567890123', 'VIN_FORBIDDEN_LETTER'],
    ['VF1RJA00#67890123', 'VIN_INVALID_CHARACTER'],
    ['VF1RJA00é67890123', 'VIN_INVALID_CHARACTER'],
  ])('%j → %s', (vin, code) => {
    expect(codeOf(() => parseVin(vin))).toBe(code);
  });
  it('names the position of a forbidden letter and suggests the digit', () => {
    try {
      parseVin('VF1RJA0O567890123');
      expect.unreachable();
    } catch (e) {
      const err = e as PncError;
      expect(err.details).toMatchObject({ position: 8, character: 'O' });
      expect(err.message).toContain('0');
    }
  });
  it('reports character problems before length problems', () => {
    expect(codeOf(() => parseVin('VF1O'))).toBe('VIN_FORBIDDEN_LETTER');
  });
});

describe('checkPartialVin', () => {
  it('is silent while the VIN can still become valid', () => {
    expect(checkPartialVin('VF1RJ')).toBeNull();
    expect(checkPartialVin('')).toBeNull();
  });
  it('flags a wrong character as soon as it is typed', () => {
    expect(checkPartialVin('VF1I')?.code).toBe('VIN_FORBIDDEN_LETTER');
    expect(checkPartialVin('VF1RJA005678901234')?.code).toBe('VIN_TOO_LONG');
  });
});

describe('decodeVin', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('decodes Renault, Dacia and Alpine makers from the WMI', () => {
    expect(decodeVin('VF1RJA00567890123', now).brand).toBe('RENAULT');
    expect(decodeVin('UU1DJF00567890123', now).brand).toBe('DACIA');
    expect(decodeVin('VFAAFG00567890123', now).brand).toBe('ALPINE');
    expect(decodeVin('WVWZZZ1KZ8W000001', now).brand).toBeUndefined();
  });
  it('picks the most recent model year that is not in the future', () => {
    expect(decodeVin('VF1RJA005S7890123', now).modelYear).toBe(2025); // S
    expect(decodeVin('VF1RJA005A7890123', now).modelYear).toBe(2010); // A
    expect(decodeVin('VF1RJA005V7890123', now).modelYear).toBe(2027); // V = next year
    expect(decodeVin('VF1RJA005W7890123', now).modelYear).toBe(1998); // W: 2028 is too far
  });
  it('splits WMI, VDS and VIS and checks the North-American check digit', () => {
    const d = decodeVin('1M8GDM9AXKP042788', now);
    expect(d).toMatchObject({ wmi: '1M8', vds: 'GDM9AX', vis: 'KP042788', checkDigitValid: true });
    expect(decodeVin('1M8GDM9A1KP042788', now).checkDigitValid).toBe(false);
  });
});
