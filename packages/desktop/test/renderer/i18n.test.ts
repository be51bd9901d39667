/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { EligibleReason, ErrorCode, LOCALES, NotEligibleReason, UpdateKind, type Locale } from '@pnc/shared';
import { createI18n } from '../../src/renderer/i18n/i18n.js';
import { resources } from '../../src/renderer/i18n/resources.js';

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Every string of a language as dotted key → text. */
function flatten(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const strings = Object.fromEntries(LOCALES.map((l) => [l, flatten(resources[l].translation)])) as Record<
  Locale,
  Map<string, string>
>;
const baseKeys = (l: Locale) => new Set([...strings[l].keys()].map((k) => k.replace(PLURAL, '')));
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
const has = (l: Locale, key: string) => strings[l].has(key) || strings[l].has(`${key}_other`);

// Every key the components ask for by name (dynamic keys are covered by the code lists below).
const sources = import.meta.glob('../../src/renderer/**/*.{ts,tsx}', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
const usedKeys = new Set(
  Object.values(sources).flatMap((src) => [...src.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)].map((m) => m[1]!)),
);

describe('translations', () => {
  it('finds the keys the components use', () => {
    expect(usedKeys.size).toBeGreaterThan(40);
    expect([...usedKeys].filter((k) => !has('en', k))).toEqual([]);
  });

  for (const locale of LOCALES) {
    describe(locale, () => {
      it('has exactly the keys English has', () => {
        const en = baseKeys('en');
        const mine = baseKeys(locale);
        expect(
          [...en].filter((k) => !mine.has(k)),
          'missing',
        ).toEqual([]);
        expect(
          [...mine].filter((k) => !en.has(k)),
          'extra',
        ).toEqual([]);
      });

      it("has every plural form the language's rules ask for", () => {
        const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
        const plurals = new Set(
          [...strings[locale].keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')),
        );
        for (const base of plurals)
          for (const c of categories) expect(strings[locale].has(`${base}_${c}`), `${base}_${c}`).toBe(true);
      });

      it('translates every error code, with what to do next', () => {
        for (const code of ErrorCode.options) {
          expect(strings[locale].get(`errors.${code}.text`), `errors.${code}.text`).toBeTruthy();
          expect(strings[locale].get(`errors.${code}.action`), `errors.${code}.action`).toBeTruthy();
        }
      });

      it('translates every reason and kind of update', () => {
        for (const r of EligibleReason.options) expect(has(locale, `updates.reason.${r}`), r).toBe(true);
        for (const r of NotEligibleReason.options)
          expect(has(locale, `updates.notReason.${r}`), r).toBe(true);
        for (const k of UpdateKind.options) expect(has(locale, `updates.kind.${k}`), k).toBe(true);
      });

      it('keeps the placeholders of the English text, and no string is empty', () => {
        for (const [key, text] of strings[locale]) {
          expect(text.trim(), key).not.toBe('');
          const english = strings.en.get(key) ?? strings.en.get(key.replace(PLURAL, '_other'));
          expect(english, key).toBeDefined();
          expect(placeholders(text), key).toEqual(placeholders(english!));
        }
      });

      if (locale !== 'en') {
        it('is a translation, not a copy of the English', () => {
          const same = [...strings[locale]].filter(([k, v]) => strings.en.get(k) === v).map(([k]) => k);
          // Trade names, codes and a few words shared by the languages (Version, Server, Software) may match.
          expect(same.length / strings[locale].size).toBeLessThan(0.08);
        });
      }
    });
  }

  it('speaks each language, plurals included', () => {
    expect(createI18n('fr').t('updates.files', { count: 1 })).toBe('1 fichier');
    expect(createI18n('fr').t('updates.files', { count: 14 })).toBe('14 fichiers');
    expect(createI18n('de').t('errors.VIN_FORBIDDEN_LETTER.text', { position: 9, character: 'O' })).toBe(
      'Zeichen 9 ist der Buchstabe O, den eine FIN nie enthält.',
    );
    expect(createI18n('it').t('vehicle.counter', { length: 12 })).toBe('12 caratteri su 17');
  });
});
