// Translations: one JSON file per language in locales/, complete in every language (a test checks).
export const LANGUAGES = ['en', 'fr', 'it', 'es', 'de'];

let lang = 'en';
let messages = {};
let plurals = new Intl.PluralRules('en');

/** The saved choice, else the browser's first supported language, else English. */
export function preferredLanguage() {
  const saved = localStorage.getItem('pnc.lang');
  if (saved && LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(primary)) return primary;
  }
  return 'en';
}

export async function setLanguage(next) {
  const res = await fetch(`locales/${next}.json`, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`locale ${next}: HTTP ${res.status}`);
  messages = await res.json();
  lang = next;
  plurals = new Intl.PluralRules(lang);
  localStorage.setItem('pnc.lang', lang);
  document.documentElement.lang = lang;
}

export const currentLanguage = () => lang;

/** The message for `key` with `{name}` placeholders filled; `count` picks the plural form. */
export function t(key, vars = {}) {
  let msg = messages[key];
  if (msg === undefined && typeof vars.count === 'number') {
    msg = messages[`${key}.${plurals.select(vars.count)}`] ?? messages[`${key}.other`];
  }
  if (msg === undefined) {
    console.warn(`missing translation ${lang}:${key}`);
    return key;
  }
  return msg.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** A translated label for a value from the server when one exists (e.g. a sync trigger), else the value. */
export function tOr(key, fallback) {
  return key in messages ? t(key) : fallback;
}

/** Fills every `data-i18n` element's text and `data-i18n-<attr>` attribute under `root`. */
export function translateDom(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]'))
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}
