// The console in Chromium against a real appliance serving the real renderer build. Each partner role
// (owner, admin, billing, developer) and each operator role (superadmin, operator, auditor) signs in:
// the navigation shows exactly its pages, a direct URL to another page is refused in words, and every
// page passes axe-core and fits 1440×900 and 390×844. Then the main flows: a fax sent over SIP appears
// in the Inbox without a reload, with its evidence boxes; a credit bundle bought through the local
// Stripe's hosted Checkout lands in the open credit log; an operator's billing override shows as the
// past-due notice, and the operator's month-close report of it; an invite accepted elsewhere shows in
// Team without a reload; a test event's delivery is replayed; keys, the signing secret and the schema
// trial; a number is provisioned; a session that ends brings the person back; a fax to a busy line
// fails in words (list, page, transmission report); the operator's trunk test call, DID import,
// prices and bundles, and a partner's credits, rate limit and suspension; a Checkout that Stripe
// never confirms stops being awaited after 3 minutes (the page's clock) with a Retry.
// Screenshots of every page at both sizes go to CONSOLE_SHOTS_DIR (default: a fresh temp dir, kept).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { writeFaxTiff } from '../native-workers/spandsp/index.ts';
import { monthOf } from '../server/src/billing/month-close.ts';
import { consoleRoutes } from '../server/src/http/console-routes.ts';
import { installErrorHandling } from '../server/src/http/errors.ts';
import { FaxSimulator } from '../server/src/simulator/fax-simulator.ts';
import { provision, startBillingRig } from '../server/test/billing/support.ts';
import { makePdf } from '../server/test/outbound/support.ts';
import { documentPages } from '../server/test/pipeline/inbound-fax.ts';
import {
  addMember,
  type Owner,
  onboardOwner,
  PASSWORD,
  signIn,
  tokenFromEmail,
} from '../server/test/support/people.ts';
import { LocalStripe } from '../server/test/support/stripe-server.ts';
import { startTestAppliance, type TestAppliance } from '../server/test/support/test-appliance.ts';
import { type Receiver, startReceiver } from '../server/test/webhooks/receiver.ts';
import { ensureConsoleBuilt } from './support/console-build.ts';
import {
  CHROMIUM_ARGS,
  checkPage,
  DESKTOP,
  navigationLinks,
  PHONE,
  settled,
} from './support/console-checks.ts';

const PARTNER_NAV: Record<string, string[]> = {
  owner: ['Dashboard', 'Numbers', 'Inbox', 'Sent faxes', 'Credits', 'Billing', 'Developers', 'Team'],
  admin: ['Dashboard', 'Numbers', 'Inbox', 'Sent faxes', 'Credits', 'Developers', 'Team'],
  billing: ['Dashboard', 'Numbers', 'Credits', 'Billing'],
  developer: ['Dashboard', 'Numbers', 'Sent faxes', 'Credits', 'Developers'],
};
const PARTNER_PATHS: Record<string, string> = {
  Dashboard: '/partner',
  Numbers: '/partner/numbers',
  Inbox: '/partner/inbox',
  'Sent faxes': '/partner/sent',
  Credits: '/partner/credits',
  Billing: '/partner/billing',
  Developers: '/partner/developers',
  Team: '/partner/team',
};
const OPERATOR_NAV: Record<string, string[]> = {
  superadmin: [
    'Partners',
    'Billing',
    'Trunks',
    'DIDs',
    'Live calls',
    'Queues',
    'Models',
    'Audit log',
    'Retention reports',
    'Operators',
  ],
  operator: [
    'Partners',
    'Billing',
    'Trunks',
    'DIDs',
    'Live calls',
    'Queues',
    'Models',
    'Audit log',
    'Retention reports',
  ],
  auditor: ['Partners', 'Billing', 'Audit log', 'Retention reports'],
};
const OPERATOR_PATHS: Record<string, string> = {
  Partners: '/admin/partners',
  Billing: '/admin/billing',
  Trunks: '/admin/trunks',
  DIDs: '/admin/dids',
  'Live calls': '/admin/calls',
  Queues: '/admin/queues',
  Models: '/admin/models',
  'Audit log': '/admin/audit',
  'Retention reports': '/admin/retention',
  Operators: '/admin/operators',
};

/** The simulator answers calls to this number as a busy line. */
const BUSY_NUMBER = '+12125550186';

const SCHEMA = {
  patientName: { type: 'string', description: 'The patient the referral is for' },
  allergies: { type: 'string' },
  medications: { type: 'array', items: { type: 'string' } },
};

describe('console (browser shell)', () => {
  let appliance: TestAppliance;
  let receiver: Receiver;
  let stripe: LocalStripe;
  let simulator: FaxSimulator;
  let browser: Browser;
  let shots: string;
  let owner: Owner;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-console-e2e-'));
  const emails: Record<string, string> = {};
  const operators: Record<string, string> = {};
  /** A received fax and a sent fax, so that detail pages are part of the sweep. */
  let inboundFaxId = '';

  before(async () => {
    const build = await ensureConsoleBuilt();
    if (build.built) console.log(`built the console in ${build.ms} ms`);
    receiver = await startReceiver();
    stripe = await LocalStripe.start();
    appliance = await startTestAppliance({
      urlAllowlist: ['127.0.0.1'],
      authRateLimitPerMinute: 10_000,
      stripeSecretKey: stripe.secretKey,
      stripeWebhookSecret: stripe.webhookSecret,
      stripeApiBase: stripe.url,
      // A busy line fails at once (no retry an hour away), so the failure shows in this run.
      outboundBusyRetrySchedule: [],
    });
    stripe.webhookUrl = `${appliance.httpUrl}/stripe/webhook`;
    simulator = await FaxSimulator.start();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    shots = process.env.CONSOLE_SHOTS_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'faxseal-console-shots-'));
    mkdirSync(shots, { recursive: true });
    console.log(`screenshots in ${shots}`);

    owner = await onboardOwner(appliance, 'Acme Health');
    emails.owner = owner.email;
    for (const role of ['admin', 'billing', 'developer'] as const) {
      emails[role] = `${role}@acme.test`;
      await addMember(appliance, owner, emails[role], role);
    }
    const superToken = appliance.firstRunOperator!.token;
    for (const role of ['operator', 'auditor'] as const) {
      const username = `${role}-one`;
      const created = await appliance.call('POST', '/api/admin/operators', {
        key: superToken,
        body: { username, role },
      });
      assert.equal(created.status, 201, created.text);
      // The one-time password is changed at the first sign-in, as the operator would.
      const first = await signIn(
        appliance,
        { username, password: created.body.password },
        '/api/admin/auth/sign-in',
      );
      const changed = await first.call('POST', '/api/admin/auth/password', {
        body: { currentPassword: created.body.password, newPassword: PASSWORD },
      });
      assert.equal(changed.status, 200, changed.text);
      operators[role] = username;
    }
  });

  after(async () => {
    await browser?.close();
    await simulator?.stop();
    await appliance?.shutdown();
    await stripe?.close();
    await receiver?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const open: Page[] = [];
  afterEach(async (t) => {
    // A failed test leaves a picture of where it stopped.
    for (const page of open.splice(0)) {
      if (!t.passed && !page.isClosed())
        await page
          .screenshot({ path: path.join(shots, `failed-${t.name.slice(0, 40).replace(/\W+/g, '-')}.png`) })
          .catch(() => undefined);
      await page.context().close();
    }
  });

  /** A fresh browser context (its own cookies and sessionStorage) that records page errors. */
  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    // The page's CSP forbids inline scripts; axe-core is injected as one.
    const context = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
    const page = await context.newPage();
    open.push(page);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // A 4xx the test provokes on purpose is logged by Chromium as a failed resource load.
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) errors.push(message.text());
    });
    return { page, errors };
  }

  async function signInPartner(page: Page, email: string, at = '/partner', on = appliance): Promise<void> {
    await page.goto(`${on.httpUrl}${at}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  /**
   * The far end for outbound calls: the fax simulator, reached through one trunk, answering as a fax
   * machine for any number and as a busy line for BUSY_NUMBER. Made once, by the first test to need it.
   */
  let trunkId: string | undefined;
  async function simulatorTrunk(): Promise<string> {
    if (trunkId) return trunkId;
    simulator.receive({ mode: 'fax' });
    simulator.receive({ mode: 'busy', number: BUSY_NUMBER });
    const trunk = await appliance.call('POST', '/api/admin/trunks', {
      key: appliance.firstRunOperator!.token,
      body: {
        name: 'simulator',
        mode: 'peer',
        host: '127.0.0.1',
        port: simulator.sipPort,
        allowedIps: ['127.0.0.1'],
      },
    });
    assert.equal(trunk.status, 201, trunk.text);
    trunkId = trunk.body.id as string;
    return trunkId;
  }

  async function signInOperator(page: Page, username: string): Promise<void> {
    await page.goto(`${appliance.httpUrl}/admin`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  test('serves the SPA at /partner/ and /admin/, page paths included, redirecting the bare paths', async () => {
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
    // A deep link answers the shell, based at its prefix so that ./assets/… still resolves.
    const deep = await appliance.call('GET', '/partner/inbox/fax_123?q=smith');
    assert.equal(deep.status, 200);
    assert.match(deep.text, /<base href="\/partner\/" \/>/);
    assert.equal((await appliance.call('GET', '/partner/assets/gone-abc123.js')).status, 404);
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

  test('a fax sent over SIP appears in the open Inbox without a reload, with its evidence boxes', {
    timeout: 300_000,
  }, async () => {
    const provisioned = await appliance.call('POST', '/api/partner/numbers', {
      key: owner.apiKey,
      body: { externalUserId: 'dr-whitfield', tier: 'personal' },
    });
    assert.equal(provisioned.status, 201, provisioned.text);
    const settings = await appliance.call('PATCH', '/api/partner/settings', {
      key: owner.apiKey,
      body: { webhookUrl: receiver.url, extractionSchema: SCHEMA },
    });
    assert.equal(settings.status, 200, settings.text);

    const { page, errors } = await openPage();
    await signInPartner(page, owner.email, '/partner/inbox');
    await page.getByRole('heading', { name: 'Inbox', exact: true }).waitFor();
    await page.getByTestId('empty-state').waitFor();
    // The operator watches Live calls meanwhile (server-sent events; an ended call stays two minutes).
    const operatorTab = await openPage();
    await signInOperator(operatorTab.page, operators.operator);
    await operatorTab.page.goto(`${appliance.httpUrl}/admin/calls`);
    await operatorTab.page.getByTestId('stream-state').getByText('Live').waitFor();

    const tiffPath = path.join(scratch, 'referral.tif');
    writeFaxTiff(tiffPath, await documentPages(1));
    const sent = await simulator.send({
      mode: 't38',
      to: provisioned.body.number,
      from: '+12175550142',
      target: { host: '127.0.0.1', port: appliance.sipPort },
      tiffPath,
    });
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    const call = operatorTab.page.getByTestId('live-calls').getByRole('row', { name: /In · \+1/ });
    await call.waitFor({ timeout: 60_000 });
    assert.match((await call.textContent()) ?? '', /T\.38/);
    assert.deepEqual(operatorTab.errors, []);

    // The open page picks the fax up by itself.
    const row = page.getByRole('link', { name: /Open the fax from \+1 217 555 0142/ });
    await row.waitFor({ timeout: 120_000 });
    await row.click();
    await page
      .getByTestId('ocr-text')
      .getByText(/Gonzalez/)
      .waitFor({ timeout: 60_000 });
    inboundFaxId = new URL(page.url()).pathname.split('/').pop()!;
    assert.match(inboundFaxId, /^fax_/);
    // Extraction runs after OCR; the page shows its fields and the boxes they were read from.
    await page.getByTestId('extracted-data').getByText('allergies').waitFor({ timeout: 60_000 });
    const boxes = page.getByTestId('evidence-boxes').locator('rect');
    await boxes.first().waitFor();
    assert.ok((await boxes.count()) >= 1, 'at least one evidence box on the page image');
    const fax = await appliance.call('GET', `/api/partner/faxes/${inboundFaxId}`, { key: owner.apiKey });
    assert.ok(Object.keys(fax.body.evidence ?? {}).length >= 1);
    await checkPage(page, shots, 'partner-owner-inbox-fax');

    // The signed PDF link works on its own (no session: the signature is the credential).
    // (The link names the appliance's public URL; the test's appliance listens on its own port.)
    const signed = new URL((await page.getByTestId('pdf-link').getAttribute('href'))!);
    const pdf = await fetch(`${appliance.httpUrl}${signed.pathname}${signed.search}`);
    assert.equal(pdf.status, 200);
    assert.match(pdf.headers.get('content-type') ?? '', /application\/pdf/);
    assert.equal(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );
    // Re-extract: the fax's extraction runs again and a second fax.extracted reaches the webhook.
    const extracted = (got: typeof receiver.received) =>
      got.filter((w) => {
        const body = JSON.parse(w.body);
        return body.event === 'fax.extracted' && body.faxId === inboundFaxId;
      }).length;
    await receiver.waitFor((got) => extracted(got) >= 1, 60_000);
    const extractedBefore = extracted(receiver.received);
    await page.getByRole('button', { name: 'Re-extract' }).click();
    await page
      .getByTestId('fax-notice')
      .getByText(/Extraction runs again/)
      .waitFor();
    await receiver.waitFor((got) => extracted(got) > extractedBefore, 120_000);
    // The search finds it by a word of its text and marks the word in the snippet.
    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    await page.getByLabel('Search the text of faxes').fill('Gonzalez');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=Gonzalez/);
    const mark = page.getByTestId('snippet').locator('mark').first();
    await mark.waitFor();
    assert.match((await mark.textContent()) ?? '', /gonzalez/i);
    await checkPage(page, shots, 'partner-owner-inbox-search');
    assert.deepEqual(errors, []);
  });

  test('sent faxes: a PDF sent from the portal with a cover page, its timeline, and the transmission report', {
    timeout: 300_000,
  }, async () => {
    const grant = await appliance.call('POST', `/api/admin/partners/${owner.partnerId}/credits`, {
      key: appliance.firstRunOperator!.token,
      body: { amount: 10, note: 'e2e' },
    });
    assert.equal(grant.status, 201, grant.text);
    const viaSimulator = await simulatorTrunk();
    const from = (await appliance.call('GET', '/api/partner/numbers/dr-whitfield', { key: owner.apiKey }))
      .body;
    appliance.services.db
      .prepare('UPDATE dids SET trunk_id = ? WHERE e164 = ?')
      .run(viaSimulator, from.number);

    const { page, errors } = await openPage();
    await signInPartner(page, emails.admin, '/partner/sent');
    await page.getByRole('button', { name: 'Send a fax' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Fax number/).fill('+1 212 555 0123');
    await dialog.getByLabel('PDF document').setInputFiles({
      name: 'referral.pdf',
      mimeType: 'application/pdf',
      buffer: await makePdf(1, 'Referral for Ms. Gonzalez'),
    });
    await dialog.getByLabel('Cover page subject (optional)').fill('Referral');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByTestId('fax-submitted').waitFor();
    const row = page.getByRole('link', { name: /Open the fax to \+1 212 555 0123/ });
    await row.waitFor();
    await row.click();
    const timeline = page.getByTestId('timeline');
    await timeline.getByText(/Delivered/i).waitFor({ timeout: 180_000 });
    const sentId = new URL(page.url()).pathname.split('/').pop()!;
    const sent = (await appliance.call('GET', `/api/partner/fax/${sentId}`, { key: owner.apiKey })).body;
    assert.equal(sent.status, 'delivered');
    assert.equal(sent.pages, 2, 'the cover page went first');
    await checkPage(page, shots, 'partner-admin-sent-fax');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Transmission report' }).click();
    const report = await download;
    assert.match(report.suggestedFilename(), /\.pdf$/);
    const file = path.join(scratch, 'report.pdf');
    await report.saveAs(file);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    assert.match(text, /2 of 2 confirmed/);
    assert.deepEqual(errors, []);
  });

  test('sent faxes: a fax to a busy line fails in plain words with what to do, in the list, on its page and in its transmission report', {
    timeout: 300_000,
  }, async () => {
    const grant = await appliance.call('POST', `/api/admin/partners/${owner.partnerId}/credits`, {
      key: appliance.firstRunOperator!.token,
      body: { amount: 5, note: 'e2e busy line' },
    });
    assert.equal(grant.status, 201, grant.text);
    const provisioned = await appliance.call('POST', '/api/partner/numbers', {
      key: owner.apiKey,
      body: { externalUserId: 'front-desk', tier: 'personal' },
    });
    assert.equal(provisioned.status, 201, provisioned.text);
    // Every number of the partner calls out through the simulator, whichever the dialog picks.
    appliance.services.db
      .prepare("UPDATE dids SET trunk_id = ? WHERE status = 'assigned'")
      .run(await simulatorTrunk());

    const { page, errors } = await openPage();
    await signInPartner(page, emails.admin, '/partner/sent');
    await page.getByRole('button', { name: 'Send a fax' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Fax number/).fill('(212) 555-0186');
    await dialog.getByLabel('PDF document').setInputFiles({
      name: 'lab-results.pdf',
      mimeType: 'application/pdf',
      buffer: await makePdf(1, 'Lab results'),
    });
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByTestId('fax-submitted').waitFor();
    // The list follows by itself: the status, then the failure in words, not the code only.
    const row = page
      .getByTestId('sent-list')
      .locator('[data-row]', { has: page.getByRole('link', { name: /Open the fax to \+1 212 555 0186/ }) })
      .first();
    await row.getByTestId('failure-words').getByText('The line was busy.').waitFor({ timeout: 120_000 });
    await checkPage(page, shots, 'partner-admin-sent-faxes-busy');

    await row.getByRole('link', { name: /Open the fax to \+1 212 555 0186/ }).click();
    const advice = page.getByTestId('failure-advice');
    await advice.waitFor();
    assert.match(
      (await advice.textContent()) ?? '',
      /The line was busy\..*Busy lines are retried automatically/,
    );
    await checkPage(page, shots, 'partner-admin-sent-fax-busy');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Transmission report' }).click();
    const file = path.join(scratch, 'busy-report.pdf');
    await (await download).saveAs(file);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    assert.match(text, /FAILED \(busy\)/);
    assert.match(text, /The line was busy\./);
    assert.match(text, /What to do: Busy lines are retried automatically/);
    assert.deepEqual(errors, []);
  });

  test('trunks: a test call through the simulator shows its outcome, answered and busy, in words', {
    timeout: 120_000,
  }, async () => {
    await simulatorTrunk();
    const { page, errors } = await openPage();
    await signInOperator(page, operators.operator);
    await page.goto(`${appliance.httpUrl}/admin/trunks`);
    await page.getByRole('button', { name: 'Test call through simulator' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Number to call/).fill('+1 212 555 0123');
    await dialog.getByRole('button', { name: 'Call', exact: true }).click();
    const result = dialog.getByTestId('test-call-result');
    await result.getByText(/^Answered/).waitFor({ timeout: 60_000 });
    assert.match((await result.textContent()) ?? '', /Answered: SIP 200 .* ms\. The trunk carries calls/);

    await dialog.getByLabel(/^Number to call/).fill(BUSY_NUMBER);
    await dialog.getByRole('button', { name: 'Call', exact: true }).click();
    await result.getByText(/^Not answered/).waitFor({ timeout: 60_000 });
    assert.match(
      (await result.textContent()) ?? '',
      /Not answered: SIP 486 .* A fax sent now would fail: The line was busy\./,
    );
    await checkPage(page, shots, 'operator-operator-trunks-test-call');
    assert.deepEqual(errors, []);
  });

  test('DIDs: pasted numbers are imported and found by the search; repeats, pooled and malformed lines are named', async () => {
    const { page, errors } = await openPage();
    await signInOperator(page, operators.operator);
    await page.goto(`${appliance.httpUrl}/admin/dids`);
    await page.getByTestId('stock').waitFor();
    const csv = [
      'number,carrier',
      '+1 (646) 555-0101,acme',
      '646.555.0102',
      '16465550103',
      '646-555-0101',
      'call me',
      '+44 20 7946 0000',
      '+1 212 555 0100',
    ].join('\n');
    await page.getByLabel('CSV').fill(csv);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const result = page.getByTestId('import-result');
    await result.waitFor();
    assert.equal(
      (await result.locator('li').allTextContents()).join(' | '),
      [
        'line 5: 646-555-0101 repeats line 2',
        'line 6: call me not a valid US number',
        'line 7: +44 20 7946 0000 not a valid US number',
        'line 8: +1 212 555 0100 already in the pool',
      ].join(' | '),
    );
    assert.match((await result.textContent()) ?? '', /^Imported 3 DIDs, skipped 4/);
    await page.getByLabel('Search by digits').fill('646 555 01');
    await page.getByRole('button', { name: 'Search' }).click();
    const table = page.getByTestId('dids-table');
    await table.getByText('+1 646 555 0103').waitFor();
    assert.equal(await table.locator('[data-row]').count(), 3);
    await checkPage(page, shots, 'operator-operator-dids-imported');
    assert.deepEqual(errors, []);
  });

  test('billing settings: the operator edits prices and bundles, errors show at the field in words, partners see the new bundle', async () => {
    const { page, errors } = await openPage();
    await signInOperator(page, operators.operator);
    await page.goto(`${appliance.httpUrl}/admin/billing`);
    const prices = page.getByRole('form', { name: 'Prices' });
    await prices.waitFor();
    // Caught before sending, and refused by the server: both at their field, in words.
    await prices.getByLabel('Personal: monthly price').fill('five dollars');
    await prices.getByLabel('Business: inbound pages included').fill('2000000');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await prices.getByText('Personal: monthly price must be an amount like 12.50').waitFor();
    await prices.getByLabel('Personal: monthly price').fill('6.00');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await prices.getByText('Business: inbound pages included must be at most 1000000').waitFor();
    assert.doesNotMatch((await prices.textContent()) ?? '', /<=|must match pattern/);
    await prices.getByLabel('Business: inbound pages included').fill('500');
    await prices.getByRole('button', { name: 'Save prices' }).click();
    await page.getByTestId('prices-saved').waitFor();
    const saved = await appliance.call('GET', '/api/admin/billing/prices', {
      key: appliance.firstRunOperator!.token,
    });
    assert.equal(saved.body.tiers.personal.monthlyAmount, 600);
    assert.equal(saved.body.tiers.business.includedPages, 500);

    const bundles = page.getByRole('form', { name: 'Credit bundles' });
    await bundles.getByRole('button', { name: 'Add a bundle' }).click();
    const added = bundles.getByRole('group', { name: 'Bundle bundle 4' });
    await added.getByLabel('Name').fill('Starter');
    const starter = bundles.getByRole('group', { name: 'Bundle Starter' });
    await starter.getByLabel('Id').fill('Starter Pack');
    await starter.getByLabel('Credits').fill('50');
    await starter.getByLabel(/^Price/).fill('0.10');
    await bundles.getByRole('button', { name: 'Save bundles' }).click();
    await starter.getByText(/^Id may use lower-case letters, digits, - and _/).waitFor();
    await starter.getByText('Price (usd) must be at least $0.50').waitFor();
    await starter.getByLabel('Id').fill('starter');
    await starter.getByLabel(/^Price/).fill('5.00');
    await bundles.getByRole('button', { name: 'Save bundles' }).click();
    await page.getByTestId('bundles-saved').waitFor();
    const onSale = await appliance.call('GET', '/api/partner/credits/bundles', { key: owner.apiKey });
    assert.deepEqual(
      onSale.body.items.find((b: { id: string }) => b.id === 'starter'),
      { id: 'starter', name: 'Starter', credits: 50, price: { amount: 500, currency: 'usd' } },
    );
    await checkPage(page, shots, 'operator-operator-billing-saved');
    assert.deepEqual(errors, []);
  });

  test("partners: the operator grants credits, sets a key's rate limit, suspends with a reason and reinstates", async () => {
    const delta = await onboardOwner(appliance, 'Delta Insurance');
    const token = appliance.firstRunOperator!.token;
    const key = (await appliance.call('GET', `/api/admin/partners/${delta.partnerId}`, { key: token })).body
      .keys[0];
    const { page, errors } = await openPage();
    await signInOperator(page, operators.operator);
    await page.goto(`${appliance.httpUrl}/admin/partners`);
    await page.getByRole('link', { name: 'Delta Insurance' }).click();
    await page.getByRole('heading', { name: 'Delta Insurance', exact: true }).waitFor();

    const grant = page.getByRole('form', { name: 'Grant or take back credits' });
    await grant.getByLabel('Credits (negative to take back)').fill('25');
    await grant.getByLabel('Note for the credit log').fill('Welcome credits');
    await grant.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('partner-notice').getByText('Balance is now 25.').waitFor();
    await page.getByTestId('partner-credits').getByText('25', { exact: true }).waitFor();
    const log = await appliance.call('GET', '/api/partner/credits/log', { key: delta.apiKey });
    assert.equal(log.body.items[0].note, 'Welcome credits');

    await page.getByRole('spinbutton', { name: `Rate limit of ${key.name}` }).fill('120');
    await page.getByRole('button', { name: `Save rate limit of ${key.name.toLowerCase()}` }).click();
    await page.getByTestId('partner-notice').getByText(`Rate limit of ${key.name}: 120/min.`).waitFor();
    const limited = (await appliance.call('GET', `/api/admin/partners/${delta.partnerId}`, { key: token }))
      .body.keys[0];
    assert.equal(limited.rateLimitPerMinute, 120);

    await page.getByRole('button', { name: 'Suspend', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Reason/).fill('Unpaid since March, per finance');
    await dialog.getByRole('button', { name: 'Suspend', exact: true }).click();
    await page.getByTestId('partner-status').getByText('suspended').waitFor();
    assert.match(
      (await page.getByTestId('partner-suspension').textContent()) ?? '',
      /Since .*: “Unpaid since March, per finance”/,
    );
    const refused = await appliance.call('GET', '/api/partner/numbers', { key: delta.apiKey });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'partner_suspended');
    await checkPage(page, shots, 'operator-operator-partner-suspended');

    await page.getByRole('button', { name: 'Reinstate' }).click();
    await page.getByTestId('partner-status').getByText('active').waitFor();
    assert.equal((await appliance.call('GET', '/api/partner/numbers', { key: delta.apiKey })).status, 200);
    assert.deepEqual(errors, []);
  });

  test('numbers: provision in a dialog that fits a phone, a plain-language field error, search, release', async () => {
    const { page, errors } = await openPage();
    await signInPartner(page, emails.developer, '/partner/numbers');
    await page.getByRole('heading', { name: 'Numbers', exact: true }).waitFor();
    await page.setViewportSize(PHONE);
    await page.getByRole('button', { name: 'Provision number' }).click();
    const dialog = page.getByRole('dialog');
    const box = (await dialog.getByRole('heading').boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, 'the dialog fits the phone');
    await dialog.getByLabel(/^External user id/).fill('dr-bones');
    await dialog.getByLabel('Area code (optional)').fill('21');
    await dialog.getByRole('button', { name: 'Provision', exact: true }).click();
    // The server's pattern error, in words: never the regular expression.
    const helper = dialog.getByText(/^Area code/);
    await helper.first().waitFor();
    const text = (await dialog.textContent()) ?? '';
    assert.doesNotMatch(text, /\^|\\d|must match pattern/);
    await page.screenshot({ path: path.join(shots, 'partner-numbers-provision-dialog-390.png') });
    await dialog.getByLabel('Area code (optional)').fill('212');
    await dialog.getByRole('button', { name: 'Provision', exact: true }).click();
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /\+1 ?212/);
    await page.setViewportSize(DESKTOP);
    await page.getByLabel('Search by user or number').fill('bones');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=bones/);
    const row = page.getByTestId('numbers-table').getByText('dr-bones');
    await row.waitFor();
    const number = (await appliance.call('GET', '/api/partner/numbers/dr-bones', { key: owner.apiKey })).body
      .number;
    await page.getByRole('button', { name: `Release ${number}` }).click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /Release/ })
      .click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page
      .getByTestId('notice')
      .getByText(/Released/)
      .waitFor();
    const gone = await appliance.call('GET', '/api/partner/numbers/dr-bones', { key: owner.apiKey });
    assert.equal(gone.body.code, 'number_not_found', 'the user has no active number any more');
    assert.deepEqual(errors, []);
  });

  test('team: an invitation sent from the page and accepted elsewhere shows the new member without a reload', async () => {
    const { page, errors } = await openPage();
    await signInPartner(page, emails.admin, '/partner/team');
    await page.getByRole('heading', { name: 'Team', exact: true }).waitFor();
    await page.getByLabel(/^Email/).fill('newcomer@acme.test');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByTestId('invites').getByText('newcomer@acme.test').waitFor();
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    const token = tokenFromEmail(appliance, 'newcomer@acme.test', 'team_invite');
    const accepted = await appliance.call('POST', '/api/auth/invites/accept', {
      body: { token, password: PASSWORD },
    });
    assert.equal(accepted.status, 200, accepted.text);
    // No reload: the page follows the list while an invitation is pending.
    await page.getByTestId('members').getByText('newcomer@acme.test').waitFor({ timeout: 30_000 });
    assert.equal(navigations, 0, 'the new member appeared without a reload');
    assert.equal(await page.getByTestId('invites').getByText('newcomer@acme.test').count(), 0);
    assert.deepEqual(errors, []);
  });

  test('developers: a test event is delivered, its request is shown, and a replay is a new delivery', async () => {
    const { page, errors } = await openPage();
    await signInPartner(page, emails.developer, '/partner/developers/webhook');
    await page.getByLabel('Webhook URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByTestId('settings-saved').waitFor();
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page.getByTestId('test-sent').waitFor();
    await receiver.waitFor((got) => got.some((w) => JSON.parse(w.body).event === 'webhook.test'), 30_000);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    const replay = page.getByRole('button', { name: /^Replay webhook\.test / }).first();
    await replay.waitFor({ timeout: 30_000 });
    const before = receiver.received.length;
    await replay.click();
    await page.getByTestId('replayed').waitFor();
    await receiver.waitFor((got) => got.length > before, 30_000);
    // The replay's own row, once its attempt is answered: its detail then shows the request and the
    // endpoint's response (the page refreshes the list every 5 s).
    const replayRow = page
      .getByTestId('deliveries')
      .locator('[data-row]', { has: page.getByText('replay', { exact: true }) })
      .first();
    await replayRow.getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 });
    await replayRow.getByRole('button', { name: /^Details: request and response of webhook\.test / }).click();
    const detail = page.getByTestId('delivery-detail');
    await detail.getByText(/HTTP 200/).waitFor();
    await detail.getByText('"webhook.test"', { exact: false }).first().waitFor();
    await checkPage(page, shots, 'partner-developer-deliveries-replayed');
    assert.deepEqual(errors, []);
  });

  test('developers: a key is created (shown once) and revoked, the signing secret rotated, and the schema tried on the received fax', async () => {
    const { page, errors } = await openPage();
    await signInPartner(page, owner.email, '/partner/developers');
    await page.getByLabel('New key name').fill('CI pipeline');
    await page.getByRole('button', { name: 'Create key' }).click();
    const created = page.getByTestId('created-key');
    await created.waitFor();
    const apiKey = ((await created.locator('code').textContent()) ?? '').trim();
    assert.match(apiKey, /^sk_partner_/);
    assert.equal((await appliance.call('GET', '/api/partner/numbers', { key: apiKey })).status, 200);
    await page.getByRole('button', { name: 'Revoke CI pipeline' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('keys-table').getByText('revoked').first().waitFor();
    assert.equal((await appliance.call('GET', '/api/partner/numbers', { key: apiKey })).status, 401);

    await page.getByRole('link', { name: 'Webhook and schema' }).click();
    await page.getByRole('button', { name: 'Rotate the signing secret' }).click();
    const secret = page.getByTestId('webhook-secret');
    await secret.waitFor();
    assert.match((await secret.locator('code').textContent()) ?? '', /^whsec_/);
    // The schema in the editor, tried on the fax the Inbox test received: nothing saved, no webhook.
    const deliveriesBefore = receiver.received.length;
    await page.getByRole('button', { name: 'Try the schema' }).click();
    const trial = page.getByTestId('trial-result');
    await trial.waitFor({ timeout: 60_000 });
    assert.match((await trial.textContent()) ?? '', /nothing saved, no webhook sent.*"patientName"/s);
    assert.equal(receiver.received.length, deliveriesBefore);
    await checkPage(page, shots, 'partner-owner-developers-trial');
    assert.deepEqual(errors, []);
  });

  test('a person in two organisations switches between them; the pages follow the role in each', async () => {
    const beta = await onboardOwner(appliance, 'Beta Legal');
    await addMember(appliance, beta, emails.developer, 'billing');
    const { page, errors } = await openPage();
    await signInPartner(page, emails.developer);
    const switcher = page.getByRole('combobox', { name: 'Organisation' });
    await switcher.waitFor();
    assert.deepEqual(await navigationLinks(page), PARTNER_NAV.developer);
    await switcher.click();
    await page.getByRole('option', { name: 'Beta Legal (billing)' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Billing' }).waitFor();
    assert.deepEqual(await navigationLinks(page), PARTNER_NAV.billing);
    assert.match((await page.title()) ?? '', /FaxSeal/);
    assert.deepEqual(errors, []);
  });

  test('a session that ends says so and, after signing in again, brings the person back to their page', async () => {
    const { page, errors } = await openPage();
    await signInPartner(page, emails.billing, '/partner/credits');
    await page.getByRole('heading', { name: 'Credits', exact: true }).waitFor();
    // Signed out everywhere from another browser: this tab's cookie is dead.
    const other = await signIn(appliance, { email: emails.billing, password: PASSWORD });
    assert.equal((await other.call('POST', '/api/auth/sign-out-everywhere')).status, 200);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Numbers' }).click();
    const notice = page.getByTestId('session-ended');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /\/partner\/numbers/);
    await checkPage(page, shots, 'partner-session-ended');
    await page.getByLabel('Email').fill(emails.billing);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Numbers', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/partner/numbers');
    assert.deepEqual(errors, []);
  });

  test('credits: the billing member buys a bundle through Checkout and the entry lands in the open credit log', {
    timeout: 300_000,
  }, async () => {
    const before = (await appliance.call('GET', '/api/partner/credits', { key: owner.apiKey })).body.balance;
    const { page, errors } = await openPage();
    await signInPartner(page, emails.billing, '/partner/credits');
    await page.getByRole('heading', { name: 'Credits', exact: true }).waitFor();
    // Stripe's event is held back until the buyer is on the page again: the log must follow by itself.
    stripe.holdCheckoutEvents = true;
    await page.getByRole('button', { name: /^Buy 100 credits for \$10\.00/ }).click();
    await page.waitForURL(`${stripe.url}/c/pay/**`);
    await page.getByRole('button', { name: 'Pay $10.00' }).click();
    await page.waitForURL(/\/partner\/credits\?purchase=done&session=cs_test_/);
    const sessionId = new URL(page.url()).searchParams.get('session')!;
    assert.equal(stripe.sessions.get(sessionId)?.status, 'complete', 'the page names the session it paid');
    await page.getByTestId('purchase-waiting').waitFor();
    await settled(page);
    assert.equal(await page.getByRole('row', { name: /Bought through Stripe/ }).count(), 0);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    const [event] = stripe.heldCheckoutEvents.splice(0);
    stripe.holdCheckoutEvents = false;
    assert.equal(event.type, 'checkout.session.completed');
    const delivered = await stripe.deliver(event);
    assert.equal(delivered.body.outcome, 'applied', JSON.stringify(delivered.body));

    const arrived = page.getByTestId('purchase-arrived');
    await arrived.waitFor({ timeout: 30_000 });
    assert.match(
      (await arrived.textContent()) ?? '',
      new RegExp(`100 credits added, balance ${before + 100}`),
    );
    const entry = page.getByTestId('credit-log').getByRole('row', { name: /Bought through Stripe/ });
    await entry.waitFor();
    assert.match((await entry.textContent()) ?? '', new RegExp(`\\+100.*${before + 100}`));
    assert.equal(navigations, 0, 'the entry appeared without a reload');
    assert.equal(await page.getByTestId('purchase-waiting').count(), 0, 'the page stopped waiting');
    await checkPage(page, shots, 'partner-billing-credits-purchased');

    // The dashboard reads the same balance and billing status.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Dashboard' }).click();
    await page
      .getByTestId('credits')
      .getByText(String(before + 100))
      .waitFor();
    assert.equal(await page.getByTestId('dashboard-billing-status').textContent(), 'Active');

    // A canceled Checkout comes back saying nothing was charged.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Credits' }).click();
    await page.getByRole('button', { name: /^Buy 500 credits/ }).click();
    await page.waitForURL(`${stripe.url}/c/pay/**`);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByTestId('purchase-canceled').waitFor();
    assert.equal(
      (await appliance.call('GET', '/api/partner/credits', { key: owner.apiKey })).body.balance,
      before + 100,
    );
    assert.deepEqual(errors, []);
  });

  test('credits: when Stripe never confirms, the page stops waiting after 3 minutes, says so, and Retry finds the credits', {
    timeout: 300_000,
  }, async () => {
    const { page, errors } = await openPage();
    // The page's clock, not the test's patience: 3 minutes pass in one step.
    await page.clock.install();
    await signInPartner(page, emails.billing, '/partner/credits');
    await page.getByRole('heading', { name: 'Credits', exact: true }).waitFor();
    stripe.holdCheckoutEvents = true;
    await page.getByRole('button', { name: /^Buy 100 credits for \$10\.00/ }).click();
    await page.waitForURL(`${stripe.url}/c/pay/**`);
    await page.getByRole('button', { name: 'Pay $10.00' }).click();
    await page.waitForURL(/\/partner\/credits\?purchase=done&session=cs_test_/);
    await page.getByTestId('purchase-waiting').waitFor();
    await page.clock.fastForward('03:01');
    const notice = page.getByTestId('purchase-unconfirmed');
    await notice.waitFor();
    assert.match(
      (await notice.textContent()) ?? '',
      /Stripe has not confirmed this payment after 3 minutes, so the page stopped waiting/,
    );
    assert.equal(await page.getByTestId('purchase-waiting').count(), 0);
    await checkPage(page, shots, 'partner-billing-credits-unconfirmed');

    // Stripe's event arrives late; Retry looks again and finds it.
    const [event] = stripe.heldCheckoutEvents.splice(0);
    stripe.holdCheckoutEvents = false;
    assert.equal((await stripe.deliver(event)).body.outcome, 'applied');
    await notice.getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('purchase-arrived').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('purchase-unconfirmed').count(), 0);
    assert.deepEqual(errors, []);
  });

  test("billing: an operator's past-due override shows the partner the notice, the dashboard and the operator's view agree", {
    timeout: 300_000,
  }, async () => {
    const operatorTab = await openPage();
    await signInOperator(operatorTab.page, operators.operator);
    await operatorTab.page.goto(`${appliance.httpUrl}/admin/partners/${owner.partnerId}`);
    const admin = operatorTab.page;
    await admin.getByTestId('partner-billing-status').waitFor();
    await admin
      .getByTestId('partner-purchases')
      .getByText(/credits-100/)
      .first()
      .waitFor();
    await admin
      .getByTestId('partner-stripe-events')
      .getByText('checkout.session.completed')
      .first()
      .waitFor();
    await admin.getByRole('combobox', { name: 'Billing status' }).click();
    await admin.getByRole('option', { name: 'Past due' }).click();
    await admin.getByLabel('Why (for the partner and the audit log)').fill('Wire transfer bounced');
    await admin.getByRole('button', { name: 'Set billing status' }).click();
    await admin.getByTestId('billing-override-done').waitFor();
    await admin
      .getByTestId('partner-billing-status')
      .getByText(/Wire transfer bounced/)
      .waitFor();
    await checkPage(admin, shots, 'operator-operator-partner-billing-past-due');

    const { page, errors } = await openPage();
    await signInPartner(page, emails.billing, '/partner/billing');
    const notice = page.getByTestId('past-due');
    await notice.waitFor();
    assert.match(
      (await notice.textContent()) ?? '',
      /Payment is past due since .*Inbound faxes keep arriving/,
    );
    assert.equal(await page.getByTestId('billing-status').textContent(), 'Past due');
    await checkPage(page, shots, 'partner-billing-billing-past-due');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByTestId('dashboard-billing-status').getByText('Past due').waitFor();

    // Settled: back to active, so the rest of the run sees a partner in good standing.
    const restored = await appliance.call('POST', `/api/admin/partners/${owner.partnerId}/billing/status`, {
      key: appliance.firstRunOperator!.token,
      body: { status: 'active', note: 'paid by wire' },
    });
    assert.equal(restored.status, 200, restored.text);
    assert.deepEqual(operatorTab.errors, []);
    assert.deepEqual(errors, []);
  });

  test("billing: last month's invoice with its Stripe links, and the past-due notice after its payment fails", {
    timeout: 300_000,
  }, async () => {
    // Its own appliance, on a clock that starts in the middle of last month: the numbers are active
    // then, the month closes, and the clock comes back to now so the browser's session holds.
    const now = Date.now();
    const thisMonth = new Date(now);
    const lastMonth = Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth(), 1) - 10 * 86_400_000;
    const rig = await startBillingRig({ start: new Date(lastMonth) });
    try {
      const gamma = await onboardOwner(rig.app, 'Gamma Lending');
      await provision(rig.app, gamma.apiKey, 'loan-officer-1', 'business');
      await provision(rig.app, gamma.apiKey, 'loan-officer-2', 'personal');
      rig.clock.advanceMinutes((now - lastMonth) / 60_000);
      const report = await rig.app.services.billing.monthClose.close(monthOf(new Date(lastMonth)), 'cli');
      const line = report.lines.find((l) => l.partnerId === gamma.partnerId)!;
      assert.equal(line.outcome, 'invoiced', JSON.stringify(line));
      const stripeInvoice = rig.stripe.invoices.get(line.stripeInvoiceId!)!;
      const failed = await rig.stripe.deliver(rig.stripe.failInvoicePayment(stripeInvoice.id));
      assert.equal(failed.status, 200, JSON.stringify(failed.body));

      const { page, errors } = await openPage();
      await signInPartner(page, gamma.email, '/partner/billing', rig.app);
      const invoices = page.getByTestId('invoices');
      const row = invoices.getByRole('row', { name: new RegExp(line.invoiceNumber!) });
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /\$10\.00.*Due/);
      const view = page.getByRole('link', { name: `View invoice ${line.invoiceNumber}` });
      assert.equal(await view.getAttribute('href'), stripeInvoice.hosted_invoice_url);
      const pdf = page.getByRole('link', { name: `Download invoice ${line.invoiceNumber} as PDF` });
      assert.equal(await pdf.getAttribute('href'), stripeInvoice.invoice_pdf);
      await page.getByTestId('past-due').waitFor();
      assert.equal(await page.getByTestId('billing-status').textContent(), 'Past due');
      assert.doesNotMatch((await page.getByTestId('billing-dates').textContent()) ?? '', /Last invoice: —/);
      await checkPage(page, shots, 'partner-owner-billing-invoice-past-due');
      assert.deepEqual(errors, []);

      // The operator's month-close report of that run: the partner, its amount and Stripe invoice.
      const operatorTab = await openPage();
      const admin = operatorTab.page;
      await admin.goto(`${rig.app.httpUrl}/admin`);
      await admin.getByRole('button', { name: 'Use a key instead' }).click();
      await admin.getByLabel('Operator token').fill(rig.app.firstRunOperator!.token);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await admin.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Billing' }).click();
      const closes = admin.getByTestId('closes');
      await closes.waitFor();
      const month = monthOf(new Date(lastMonth));
      assert.match((await closes.textContent()) ?? '', new RegExp(`${month}.*by hand.*\\$10\\.00`));
      await checkPage(admin, shots, 'operator-superadmin-billing');
      // The scheduled close of that month may have run too (the rig's clock passed the 1st): this run's.
      await closes.locator(`a[href="/admin/billing/closes/${report.id}"]`).click();
      await admin.getByRole('heading', { name: `Month close ${month}` }).waitFor();
      const lineRow = admin.getByTestId('close-lines').locator('[data-row]', { hasText: 'Gamma Lending' });
      const lineText = (await lineRow.textContent()) ?? '';
      assert.match(lineText, /Invoiced in Stripe/);
      assert.match(lineText, /1 personal, 1 business/);
      assert.ok(lineText.includes('$10.00') && lineText.includes(line.stripeInvoiceId!), lineText);
      assert.match(
        (await admin.getByTestId('close-totals').textContent()) ?? '',
        new RegExp(
          `${report.partners} partners closed, ${report.invoiced} invoiced, 0 failed; total \\$10\\.00`,
        ),
      );
      await checkPage(admin, shots, 'operator-superadmin-month-close');
      assert.deepEqual(operatorTab.errors, []);
    } finally {
      await rig.close();
    }
  });

  for (const role of ['owner', 'admin', 'billing', 'developer'] as const) {
    test(`partner ${role}: the navigation shows exactly its pages, others are refused, every page passes`, {
      timeout: 300_000,
    }, async () => {
      const { page, errors } = await openPage();
      await signInPartner(page, emails[role]);
      assert.deepEqual(await navigationLinks(page), PARTNER_NAV[role]);
      for (const label of PARTNER_NAV[role]) {
        await page.goto(`${appliance.httpUrl}${PARTNER_PATHS[label]}`);
        const { heading } = await checkPage(
          page,
          shots,
          `partner-${role}-${label.toLowerCase().replace(/ /g, '-')}`,
        );
        assert.notEqual(heading, 'Page not found');
        assert.doesNotMatch(heading, /not available/);
      }
      for (const label of Object.keys(PARTNER_PATHS).filter((l) => !PARTNER_NAV[role].includes(l))) {
        await page.goto(`${appliance.httpUrl}${PARTNER_PATHS[label]}`);
        const refusal = page.getByTestId('forbidden');
        await refusal.waitFor();
        assert.match(
          (await refusal.textContent()) ?? '',
          new RegExp(`Your role \\(${role}\\) cannot open ${label}`),
        );
      }
      if (role === 'owner') {
        await page.goto(`${appliance.httpUrl}/partner/no-such-page`);
        assert.equal(await settled(page), 'Page not found');
        await checkPage(page, shots, 'partner-not-found');
        for (const section of ['webhook', 'deliveries']) {
          await page.goto(`${appliance.httpUrl}/partner/developers/${section}`);
          await checkPage(page, shots, `partner-owner-developers-${section}`);
        }
      }
      assert.deepEqual(errors, []);
    });
  }

  for (const role of ['superadmin', 'operator', 'auditor'] as const) {
    test(`operator ${role}: the navigation shows exactly its pages, others are refused, every page passes`, {
      timeout: 300_000,
    }, async () => {
      const { page, errors } = await openPage();
      if (role === 'superadmin') {
        // The first-run operator has a token: the key sign-in path.
        await page.goto(`${appliance.httpUrl}/admin`);
        await page.getByRole('button', { name: 'Use a key instead' }).click();
        await page.getByLabel('Operator token').fill(appliance.firstRunOperator!.token);
        await page.getByRole('button', { name: 'Sign in' }).click();
      } else {
        await signInOperator(page, operators[role]);
      }
      // The auditor's work starts at the audit log, everyone else's at the partners.
      await page
        .getByRole('heading', { name: role === 'auditor' ? 'Audit log' : 'Partners', exact: true })
        .waitFor();
      assert.deepEqual(await navigationLinks(page), OPERATOR_NAV[role]);
      for (const label of OPERATOR_NAV[role]) {
        await page.goto(`${appliance.httpUrl}${OPERATOR_PATHS[label]}`);
        await checkPage(page, shots, `operator-${role}-${label.toLowerCase().replace(/ /g, '-')}`);
        if (role === 'auditor') {
          // Read-only: no control that would change anything.
          const writes = page.getByRole('main').getByRole('button', {
            name: /suspend|grant|create|add|import|delete|remove|save|activate|replay|revoke/i,
          });
          assert.equal(await writes.count(), 0, `no write control on ${label}`);
        }
      }
      for (const label of Object.keys(OPERATOR_PATHS).filter((l) => !OPERATOR_NAV[role].includes(l))) {
        await page.goto(`${appliance.httpUrl}${OPERATOR_PATHS[label]}`);
        const refusal = page.getByTestId('forbidden');
        await refusal.waitFor();
        assert.match((await refusal.textContent()) ?? '', new RegExp(`cannot open ${label}`));
      }
      if (role === 'superadmin') {
        await page.goto(`${appliance.httpUrl}/admin/partners/${owner.partnerId}`);
        await checkPage(page, shots, 'operator-superadmin-partner-detail');
      }
      if (role === 'auditor') {
        await page.goto(`${appliance.httpUrl}/admin/audit`);
        await page.getByRole('button', { name: 'Verify the chain' }).click();
        const verified = page.getByTestId('audit-verification');
        await verified.waitFor();
        assert.match(
          (await verified.textContent()) ?? '',
          /The chain is intact \([1-9][\d,]* entries checked\)/,
        );
      }
      assert.deepEqual(errors, []);
    });
  }
});
