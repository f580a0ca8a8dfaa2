// The console in Chromium against a real appliance serving the real renderer build: a partner
// signs in with a key, provisions a number, edits settings (and sees the server's field errors),
// creates and revokes a key; an operator signs in with an sk_admin_ token and imports DIDs.
// One screenshot per page goes to FAXSEAL_E2E_SHOTS (default: a fresh temp dir, kept).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { consoleRoutes } from '../server/src/http/console-routes.ts';
import { installErrorHandling } from '../server/src/http/errors.ts';
import { startTestAppliance, type TestAppliance } from '../server/test/support/test-appliance.ts';
import { ensureConsoleBuilt } from './support/console-build.ts';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

describe('console (browser shell)', () => {
  let appliance: TestAppliance;
  let browser: Browser;
  let shots: string;

  before(async () => {
    const build = await ensureConsoleBuilt();
    if (build.built) console.log(`built the console in ${build.ms} ms`);
    appliance = await startTestAppliance();
    const probe = await appliance.call('GET', '/partner/');
    if (probe.status !== 200 || !probe.text.includes('<div id="root">')) {
      throw new Error(
        `GET /partner/ answered ${probe.status}: register consoleRoutes in server/src/http-server.ts ` +
          `(await app.register(consoleRoutes)). Body: ${probe.text.slice(0, 200)}`,
      );
    }
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    shots = process.env.FAXSEAL_E2E_SHOTS ?? mkdtempSync(path.join(os.tmpdir(), 'faxseal-console-shots-'));
    mkdirSync(shots, { recursive: true });
    console.log(`screenshots in ${shots}`);
  });

  after(async () => {
    await browser?.close();
    await appliance?.shutdown();
  });

  /** A fresh browser context (its own sessionStorage) that fails the test on any page error. */
  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // A 4xx the test provokes on purpose is logged by Chromium as a failed resource load.
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) errors.push(message.text());
    });
    return { page, errors };
  }

  const shoot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true, animations: 'disabled' });

  test('serves the SPA at /partner/ and /admin/, redirecting the bare paths', async () => {
    const bare = await fetch(`${appliance.httpUrl}/admin`, { redirect: 'manual' });
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), '/admin/');
    const index = await appliance.call('GET', '/admin/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(index.text)![1];
    const script = await appliance.call('GET', `/partner/${asset}`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('cache-control') ?? '', /immutable/);
  });

  test('without a build, /partner and /admin say how to make one', async () => {
    const bare = Fastify();
    installErrorHandling(bare);
    await bare.register(consoleRoutes, { rendererDir: path.join(os.tmpdir(), 'faxseal-no-console-build') });
    for (const url of ['/partner', '/admin/', '/admin/assets/x.js']) {
      const response = await bare.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().code, 'console_not_built');
    }
    await bare.close();
  });

  test('a partner signs in, provisions a number, edits settings and manages keys', async () => {
    const { apiKey } = await appliance.onboardPartner('Acme Health');
    const { page, errors } = await openPage();

    await page.goto(`${appliance.httpUrl}/partner`);
    await page.getByRole('heading', { name: 'Sign in to FaxSeal' }).waitFor();
    await shoot(page, '01-partner-sign-in');
    await page.getByLabel('Partner API key').fill('sk_admin_wrong-kind-of-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Partner API keys start with sk_partner_').waitFor();
    await page.getByLabel('Partner API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.equal(await page.getByTestId('active-numbers').textContent(), '0');
    // The token lives for the tab only: sessionStorage, never localStorage.
    assert.equal(await page.evaluate('window.sessionStorage.getItem("faxseal.console.token")'), apiKey);
    assert.equal(await page.evaluate('window.localStorage.length'), 0);

    await page.getByRole('tab', { name: 'Numbers' }).click();
    await page.getByRole('button', { name: 'Provision number' }).click();
    await page.getByLabel('External user id').fill('dr-jones');
    await page.getByLabel('Area code (optional)').fill('212');
    await page.getByRole('button', { name: 'Provision', exact: true }).click();
    const notice = await page.getByTestId('notice').textContent();
    assert.match(notice ?? '', /Provisioned \+1212\d{7} for dr-jones/);
    await page.getByTestId('numbers-table').getByText('dr-jones').waitFor();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const listed = await appliance.call('GET', '/api/partner/numbers', { key: apiKey });
    assert.equal(listed.body.items.length, 1);
    assert.match(notice ?? '', new RegExp(listed.body.items[0].number.replace('+', '\\+')));
    await shoot(page, '03-partner-numbers');

    await page.getByRole('tab', { name: 'Dashboard' }).click();
    await page.getByTestId('active-numbers').getByText('1').waitFor();
    await shoot(page, '02-partner-dashboard');

    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByLabel('Webhook URL').fill('https://hooks.acme.example/faxseal');
    const schema = page.getByLabel('Extraction schema (JSON)');
    await schema.fill(JSON.stringify({ patientName: { type: 'string' }, dob: { type: 'date' } }, null, 2));
    await page.getByRole('button', { name: 'Save settings' }).click();
    const schemaErrors = page.getByTestId('schema-errors');
    await schemaErrors.waitFor();
    assert.match((await schemaErrors.textContent()) ?? '', /\/dob\/type/);
    await shoot(page, '04-partner-settings-schema-error');
    const unchanged = await appliance.call('GET', '/api/partner/settings', { key: apiKey });
    assert.equal(unchanged.body.extractionSchema, null);

    await schema.fill(JSON.stringify({ patientName: { type: 'string' }, dob: { type: 'string' } }));
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByTestId('settings-saved').waitFor();
    assert.match((await page.getByTestId('webhook-secret').textContent()) ?? '', /whsec_/);
    const saved = await appliance.call('GET', '/api/partner/settings', { key: apiKey });
    assert.equal(saved.body.webhookUrl, 'https://hooks.acme.example/faxseal');
    assert.deepEqual(Object.keys(saved.body.extractionSchema), ['patientName', 'dob']);

    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByLabel('New key name').fill('CI runner');
    await page.getByRole('button', { name: 'Create key' }).click();
    const newKey = (await page.getByTestId('created-key').locator('code').textContent()) ?? '';
    assert.match(newKey, /^sk_partner_[\w-]+$/, 'the new key is shown once');
    assert.equal((await appliance.call('GET', '/api/partner/settings', { key: newKey })).status, 200);
    await shoot(page, '05-partner-keys');
    const row = page.getByTestId('keys-table').getByRole('row', { name: /CI runner/ });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('revoked').waitFor();
    await page.getByTestId('keys-table').getByText('this console').waitFor();
    assert.equal((await appliance.call('GET', '/api/partner/settings', { key: newKey })).status, 401);

    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('an operator signs in with an sk_admin_ token, imports DIDs and lists partners', async () => {
    const token = appliance.firstRunOperator!.token;
    const { page, errors } = await openPage();

    await page.goto(`${appliance.httpUrl}/admin/`);
    await page.getByLabel('Operator token').fill(token);
    await shoot(page, '06-operator-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'DID pool' }).waitFor();
    await page.getByLabel('CSV').fill('number,label\n+1 (929) 555-0101,main\n929.555.0102\nnot-a-number\n');
    await page.getByRole('button', { name: 'Import' }).click();
    const result = (await page.getByTestId('import-result').textContent()) ?? '';
    assert.match(result, /Imported 2 DIDs, skipped 1/);
    assert.match(result, /line 4: not-a-number not a valid US number/);
    await page.getByTestId('stock').getByText('929: 2').waitFor();
    const pool = await appliance.call('GET', '/api/admin/dids?status=available&limit=1000', { key: token });
    assert.ok(pool.body.items.some((d: { number: string }) => d.number === '+19295550101'));
    await shoot(page, '07-operator-dids');

    await page.getByRole('tab', { name: 'Partners' }).click();
    await page.getByTestId('partners-table').getByText('Acme Health').waitFor();
    await shoot(page, '08-operator-partners');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to FaxSeal' }).waitFor();
    assert.equal(await page.evaluate('window.sessionStorage.length'), 0);

    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
