// The console in Chromium against a real appliance serving the real renderer build. Each partner role
// (owner, admin, billing, developer) and each operator role (superadmin, operator, auditor) signs in:
// the navigation shows exactly its pages, a direct URL to another page is refused in words, and every
// page passes axe-core and fits 1440×900 and 390×844. Then the main flows: a fax sent over SIP appears
// in the Inbox without a reload, with its evidence boxes; an invite accepted shows in Team; a test
// event's delivery is replayed; a number is provisioned; a session that ends brings the person back.
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
import { consoleRoutes } from '../server/src/http/console-routes.ts';
import { installErrorHandling } from '../server/src/http/errors.ts';
import { FaxSimulator } from '../server/src/simulator/fax-simulator.ts';
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
    'Trunks',
    'DIDs',
    'Live calls',
    'Queues',
    'Models',
    'Audit log',
    'Retention reports',
  ],
  auditor: ['Partners', 'Audit log', 'Retention reports'],
};
const OPERATOR_PATHS: Record<string, string> = {
  Partners: '/admin/partners',
  Trunks: '/admin/trunks',
  DIDs: '/admin/dids',
  'Live calls': '/admin/calls',
  Queues: '/admin/queues',
  Models: '/admin/models',
  'Audit log': '/admin/audit',
  'Retention reports': '/admin/retention',
  Operators: '/admin/operators',
};

const SCHEMA = {
  patientName: { type: 'string', description: 'The patient the referral is for' },
  allergies: { type: 'string' },
  medications: { type: 'array', items: { type: 'string' } },
};

describe('console (browser shell)', () => {
  let appliance: TestAppliance;
  let receiver: Receiver;
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
    appliance = await startTestAppliance({ urlAllowlist: ['127.0.0.1'], authRateLimitPerMinute: 10_000 });
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

  async function signInPartner(page: Page, email: string, at = '/partner'): Promise<void> {
    await page.goto(`${appliance.httpUrl}${at}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
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
    // The far end: the fax simulator receiving, reached through a trunk the sending number uses.
    simulator.receive({ mode: 'fax' });
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
    const from = (await appliance.call('GET', '/api/partner/numbers/dr-whitfield', { key: owner.apiKey }))
      .body;
    appliance.services.db
      .prepare('UPDATE dids SET trunk_id = ? WHERE e164 = ?')
      .run(trunk.body.id, from.number);

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

  test('team: an invitation sent from the page and accepted shows the new member', async () => {
    const { page, errors } = await openPage();
    await signInPartner(page, emails.admin, '/partner/team');
    await page.getByRole('heading', { name: 'Team', exact: true }).waitFor();
    await page.getByLabel(/^Email/).fill('newcomer@acme.test');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByTestId('invites').getByText('newcomer@acme.test').waitFor();
    const token = tokenFromEmail(appliance, 'newcomer@acme.test', 'team_invite');
    const accepted = await appliance.call('POST', '/api/auth/invites/accept', {
      body: { token, password: PASSWORD },
    });
    assert.equal(accepted.status, 200, accepted.text);
    await page.reload();
    await page.getByTestId('members').getByText('newcomer@acme.test').waitFor();
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
      assert.deepEqual(errors, []);
    });
  }
});
