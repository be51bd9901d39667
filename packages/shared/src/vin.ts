import { PncError } from './errors.js';
import type { Brand } from './domain.js';

/** ISO 3779 VIN alphabet: digits and letters except I, O and Q (they read as 1 and 0). */
const VIN_ALPHABET = /^[A-HJ-NPR-Z0-9]$/;
const FORBIDDEN_LETTERS = new Set(['I', 'O', 'Q']);

/** World manufacturer identifiers we know. Renault group first; other alliance makers help decode. */
const WMI_BRANDS: Record<string, Brand> = {
  VF1: 'RENAULT', // France
  VF2: 'RENAULT',
  VS5: 'RENAULT', // Spain
  '93Y': 'RENAULT', // Brazil
  '8A1': 'RENAULT', // Argentina
  X7L: 'RENAULT', // Russia
  KNM: 'RENAULT', // Korea
  VF6: 'RENAULT',
  UU1: 'DACIA', // Romania
  UU6: 'DACIA',
  VGA: 'DACIA', // Morocco
  VFA: 'ALPINE', // Dieppe
  SJN: 'NISSAN',
  VSK: 'NISSAN',
  JN1: 'NISSAN',
  JMB: 'MITSUBISHI',
};

/** Model-year codes (position 10) cycle every 30 years. */
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';

export interface DecodedVin {
  vin: string;
  wmi: string;
  /** Vehicle descriptor section (positions 4–9). */
  vds: string;
  /** Vehicle identifier section (positions 10–17). */
  vis: string;
  brand?: Brand;
  /** Most recent year matching the code that is not after next year; European VINs may not encode it. */
  modelYear?: number;
  serial: string;
  /** North-American check digit; informative only, Europe does not use it. */
  checkDigitValid: boolean;
}

/** Removes what scanners and people add around a VIN (spaces, dashes) and upper-cases it. */
export function normalizeVin(input: string): string {
  return input.replace(/[\s-]+/g, '').toUpperCase();
}

/**
 * Validates a VIN and explains the first problem precisely. Throws PncError with a VIN_* code
 * and `details.position` (1-based) for character problems.
 */
export function parseVin(input: string): string {
  const vin = normalizeVin(input);
  if (vin.length === 0) throw new PncError('VIN_EMPTY', 'Enter the 17-character VIN.');
  for (let i = 0; i < vin.length; i++) {
    const c = vin[i]!;
    if (FORBIDDEN_LETTERS.has(c)) {
      throw new PncError(
        'VIN_FORBIDDEN_LETTER',
        `Character ${i + 1} is the letter ${c}, which a VIN never contains (did you mean ${c === 'I' ? '1' : '0'}?).`,
        { position: i + 1, character: c },
      );
    }
    if (!VIN_ALPHABET.test(c)) {
      throw new PncError('VIN_INVALID_CHARACTER', `Character ${i + 1} ("${c}") is not a letter or digit allowed in a VIN.`, {
        position: i + 1,
        character: c,
      });
    }
  }
  if (vin.length < 17) {
    throw new PncError('VIN_TOO_SHORT', `The VIN has ${vin.length} characters; it needs 17.`, { length: vin.length });
  }
  if (vin.length > 17) {
    throw new PncError('VIN_TOO_LONG', `The VIN has ${vin.length} characters; it needs 17.`, { length: vin.length });
  }
  return vin;
}

/** The problem with a partly typed VIN, or null while it can still become valid. For as-you-type hints. */
export function checkPartialVin(input: string): PncError | null {
  try {
    parseVin(input);
    return null;
  } catch (e) {
    if (e instanceof PncError && (e.code === 'VIN_TOO_SHORT' || e.code === 'VIN_EMPTY')) return null;
    return e as PncError;
  }
}

const TRANSLITERATION: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

function checkDigitValid(vin: string): boolean {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i]!;
    const v = c >= '0' && c <= '9' ? Number(c) : (TRANSLITERATION[c] ?? 0);
    sum += v * WEIGHTS[i]!;
  }
  const r = sum % 11;
  return vin[8] === (r === 10 ? 'X' : String(r));
}

/** Decodes what a VIN alone tells (ISO 3779): maker from the WMI, model year, serial. */
export function decodeVin(input: string, now: Date = new Date()): DecodedVin {
  const vin = parseVin(input);
  const wmi = vin.slice(0, 3);
  const decoded: DecodedVin = {
    vin,
    wmi,
    vds: vin.slice(3, 9),
    vis: vin.slice(9),
    serial: vin.slice(11),
    checkDigitValid: checkDigitValid(vin),
  };
  const brand = WMI_BRANDS[wmi];
  if (brand) decoded.brand = brand;
  const idx = YEAR_CODES.indexOf(vin[9]!);
  if (idx >= 0) {
    const latest = now.getUTCFullYear() + 1;
    let year = 1980 + idx;
    while (year + 30 <= latest) year += 30;
    decoded.modelYear = year;
  }
  return decoded;
}
