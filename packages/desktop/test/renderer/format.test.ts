import { describe, expect, it } from 'vitest';
import { takeAgentToken } from '../../src/renderer/api/agent-token.js';
import { formatAge, formatSize } from '../../src/renderer/i18n/format.js';
import { pickLocale } from '../../src/renderer/i18n/locale.js';

describe('formatting per locale', () => {
  it('gives sizes in MB or GB with the locale’s own units and separators', () => {
    expect(formatSize(2_366_000_000, 'en')).toBe('2.4 GB');
    expect(formatSize(2_366_000_000, 'fr')).toBe('2,4\u202fGo'); // narrow no-break space, as French typography wants
    expect(formatSize(9_282_000_000, 'de')).toBe('9,3\u00a0GB');
    expect(formatSize(96_000_000, 'it')).toBe('96 MB');
    expect(formatSize(12_500_000_000, 'es')).toBe('13 GB');
    expect(formatSize(20_000, 'en')).toBe('0.1 MB');
  });

  it('says how old the content is in words', () => {
    expect(formatAge(3 * 3600 + 300, 'en')).toBe('3 hours ago');
    expect(formatAge(3 * 3600 + 300, 'fr')).toBe('il y a 3 heures');
    expect(formatAge(26 * 3600, 'de')).toBe('gestern');
    expect(formatAge(90, 'es')).toBe('hace 1 minuto');
    expect(formatAge(20, 'it')).toBe('ora');
  });
});

describe('pickLocale', () => {
  it('prefers the saved choice, then the browser languages, then English', () => {
    expect(pickLocale('de', ['fr-FR'])).toBe('de');
    expect(pickLocale(null, ['pt-BR', 'es-ES', 'en'])).toBe('es');
    expect(pickLocale('xx', ['FR-be'])).toBe('fr');
    expect(pickLocale(null, ['ja'])).toBe('en');
  });
});

describe('takeAgentToken', () => {
  const places = (hash: string) => {
    const stored = new Map<string, string>();
    const urls: string[] = [];
    return {
      stored,
      urls,
      places: {
        location: { hash, pathname: '/', search: '' },
        storage: {
          getItem: (k: string) => stored.get(k) ?? null,
          setItem: (k: string, v: string) => void stored.set(k, v),
        },
        history: { replaceState: (_d: unknown, _u: string, url: string) => void urls.push(url) },
      },
    };
  };

  it('takes the token from the fragment, keeps it for the tab and wipes it from the address bar', () => {
    const p = places('#token=abc_DEF-123');
    expect(takeAgentToken(p.places)).toBe('abc_DEF-123');
    expect([...p.stored.values()]).toEqual(['abc_DEF-123']);
    expect(p.urls).toEqual(['/']);
  });

  it('finds it again after a reload, and is null when never given', () => {
    const p = places('');
    expect(takeAgentToken(p.places)).toBeNull();
    p.stored.set('pnc.agentToken', 'kept');
    expect(takeAgentToken(p.places)).toBe('kept');
  });
});

describe('speeds and durations per locale', () => {
  it('formats MB/s and rounded-up minutes the way each language writes them', async () => {
    const { formatDuration, formatSpeed } = await import('../../src/renderer/i18n/format.js');
    expect(formatSpeed(48_200_000, 'en')).toBe('48 MB/s');
    expect(formatSpeed(8_400_000, 'fr')).toBe('8,4\u202fMo/s');
    expect(formatDuration(45, 'en')).toBe('45 sec');
    expect(formatDuration(61, 'it')).toBe('2 min');
    expect(formatDuration(12 * 60, 'de')).toBe('12 Min.');
    expect(formatDuration(65 * 60, 'es')).toBe('1 h 5 min');
  });
});
