import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../helpers/api-fixture.js';

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'reports', 'screenshots');

describe('admin status page in Chromium', () => {
  let f: ApiFixture;
  let browser: Browser;
  let page: Page;
  let url: string;
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `admin-${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    f = await apiFixture();
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await f.close();
  });

  it('signs in with the first-access password and must choose a new one first', async () => {
    await page.goto(url);
    await expect.poll(() => page.locator('#view-signin').isVisible()).toBe(true);
    await shot('1-sign-in');
    const signIn = page.locator('#view-signin');
    await signIn.getByLabel('Username').fill('admin');
    await signIn.getByLabel('Password').fill(f.adminPassword);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    // The one-time password was just typed: only the new one is asked.
    expect(await page.locator('#password-current').isVisible()).toBe(false);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Repeat the new password').fill('short');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await expect
      .poll(() => page.locator('#password-error').textContent())
      .toBe('The new password needs at least 10 characters.');
    await page.getByLabel('New password', { exact: true }).fill('workshop status page');
    await page.getByLabel('Repeat the new password').fill('workshop status page');
    await shot('2-choose-password');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.locator('#view-dashboard').waitFor();
  });

  it('shows the content version and its age', async () => {
    const info = (await f.app.inject({ url: '/api/v1/info' })).json<{
      content: { version: number; packages: number };
    }>();
    await page.getByText(`Version ${info.content.version}`, { exact: true }).waitFor();
    await page.getByText(/^Content from (\d+ seconds? ago|now|\d+ minutes? ago)$/).waitFor();
    expect(await page.locator('#health-title').textContent()).toBe('Everything is working');
    expect(await page.locator('#history-body').textContent()).toContain('New content');
  });

  it('creates a technician and shows the one-time password once', async () => {
    await page.locator('#create-username').fill('giulia');
    await page.locator('#create-role').selectOption('technician');
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.getByRole('heading', { name: 'One-time password for giulia' }).waitFor();
    const password = (await page.locator('#one-time-password').textContent()) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
    expect(await page.locator('#users-body').textContent()).toContain('giulia');
    await shot('3-one-time-password');

    // The technician signs in from a workstation and confirms an installation: the page shows both.
    const login = await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'giulia', password, workstation: 'ATELIER-PC-2' },
    });
    const h = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
    await f.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: h,
      payload: { currentPassword: password, newPassword: 'giulia fixes cars' },
    });
    const { catalog } = (await f.app.inject({ url: '/api/v1/catalog', headers: h })).json<{
      catalog: { packages: Array<{ id: string }> };
    }>();
    const posted = await f.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: h,
      payload: {
        id: crypto.randomUUID(),
        vin: 'VF1RFB00067123456',
        packageIds: [catalog.packages[0]!.id],
        outcome: 'SUCCESS',
        installedAt: new Date().toISOString(),
      },
    });
    expect(posted.statusCode).toBe(201);

    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('#one-time').isVisible()).toBe(false);
    await page.reload(); // the session survives a reload (sessionStorage)
    await page.getByRole('cell', { name: 'ATELIER-PC-2' }).waitFor();
    await page.getByText('Installation confirmations are waiting').waitFor();
    await shot('4-dashboard');
  });

  it('speaks the language chosen', async () => {
    await page.getByLabel('Language').selectOption('fr');
    await page.getByText(/^Contenu généré /).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.getByRole('button', { name: 'Synchroniser maintenant' }).isDisabled()).toBe(true); // no origin here
    await shot('5-dashboard-fr');
    await page.getByLabel('Langue').selectOption('en');
  });

  it('tells a technician the page is for administrators', async () => {
    const other = await browser.newContext({ locale: 'de-DE' });
    const p = await other.newPage();
    await p.goto(url);
    await p.locator('#view-signin').getByLabel('Benutzername').fill('giulia');
    await p.locator('#view-signin').getByLabel('Passwort').fill('giulia fixes cars');
    await p.getByRole('button', { name: 'Anmelden' }).click();
    await p.getByRole('heading', { name: 'Administratorkonto erforderlich' }).waitFor();
    await other.close();
  });
});
