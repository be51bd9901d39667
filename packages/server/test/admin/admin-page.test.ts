import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusProblem, SyncPhase, SyncRunRecord } from '@pnc/shared';
import { ADMIN_PUBLIC_DIR } from '../../src/admin/static-page.js';
import { apiFixture, type ApiFixture } from '../helpers/api-fixture.js';

const LANGUAGES = ['en', 'fr', 'it', 'es', 'de'];
const locale = (lang: string) =>
  JSON.parse(readFileSync(join(ADMIN_PUBLIC_DIR, 'locales', `${lang}.json`), 'utf8')) as Record<
    string,
    string
  >;
const source = (file: string) => readFileSync(join(ADMIN_PUBLIC_DIR, file), 'utf8');

describe('admin page files', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture();
  }, 60_000);
  afterAll(() => f.close());

  it('serves the page at / without signing in, with a strict content security policy', async () => {
    const res = await f.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<script type="module" src="app.js"></script>');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    for (const file of ['app.js', 'api.js', 'i18n.js', 'styles.css', 'locales/fr.json', 'icon.svg']) {
      const r = await f.app.inject({ url: `/${file}` });
      expect(r.statusCode, file).toBe(200);
    }
    expect((await f.app.inject({ url: '/app.js' })).headers['content-type']).toMatch(/javascript/);
  });

  it('opens only the page files: the API keeps its own rules', async () => {
    expect((await f.app.inject({ url: '/api/v1/catalog' })).statusCode).toBe(401);
    expect((await f.app.inject({ url: '/api/v1/status' })).statusCode).toBe(401);
  });
});

describe('admin page translations', () => {
  const en = locale('en');

  it('has every key in every language, and nothing else', () => {
    expect(readdirSync(join(ADMIN_PUBLIC_DIR, 'locales')).sort()).toEqual(
      LANGUAGES.map((l) => `${l}.json`).sort(),
    );
    for (const lang of LANGUAGES) {
      const messages = locale(lang);
      const keys = Object.keys(messages);
      expect(
        Object.keys(en).filter((k) => !keys.includes(k)),
        `missing in ${lang}`,
      ).toEqual([]);
      expect(
        keys.filter((k) => !(k in en)),
        `only in ${lang}`,
      ).toEqual([]);
      expect(
        keys.filter((k) => !messages[k]!.trim()),
        `empty in ${lang}`,
      ).toEqual([]);
      // A placeholder the page fills must exist in each translation of the message.
      for (const k of keys) {
        const wanted = (en[k]!.match(/\{\w+\}/g) ?? []).sort();
        expect((messages[k]!.match(/\{\w+\}/g) ?? []).sort(), `${lang}:${k}`).toEqual(wanted);
      }
    }
  });

  it('has a message for every key the page uses', () => {
    const used = new Set<string>();
    for (const m of source('index.html').matchAll(/data-i18n(?:-[\w-]+)?="([^"]+)"/g)) used.add(m[1]!);
    for (const m of source('app.js').matchAll(/\bt\('([^'$]+)'/g)) used.add(m[1]!);
    // Keys built from values the server sends: every value of those enums needs one.
    for (const phase of SyncPhase.options) used.add(`sync.phase.${phase}`);
    for (const kind of StatusProblem.shape.kind.options) used.add(`problem.${kind}`);
    for (const status of SyncRunRecord.shape.status.options) used.add(`runStatus.${status}`);
    for (const role of ['admin', 'technician']) used.add(`role.${role}`);
    const missing = [...used].filter((k) => !(k in en) && !(`${k}.other` in en));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(100);
  });
});
