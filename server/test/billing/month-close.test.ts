// The month close under a controlled clock, with the real SDK against the local Stripe: numbers
// provisioned and released mid-month in both tiers give quantities and amounts to the cent; the
// scheduled job closes the month on the 1st (UTC); running the close again, or after the CLI is
// SIGKILLed halfway (Stripe did the work, the appliance never heard), leaves one invoice each.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { adminToken } from '../outbound/support.ts';
import { ManualClock, startTestAppliance } from '../support/test-appliance.ts';
import {
  type BillingRig,
  closesOf as closesOfApp,
  provision,
  recordInbound,
  release,
  startBillingRig,
} from './support.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const at = (iso: string) => new Date(iso).getTime();

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('month close', { timeout: 300_000 }, () => {
  let rig: BillingRig;
  const p: Record<'a' | 'b' | 'c' | 'd', { partnerId: string; apiKey: string }> = {} as never;
  const moveTo = (iso: string) => rig.clock.advanceMinutes((at(iso) - rig.clock.now().getTime()) / 60_000);

  before(async () => {
    rig = await startBillingRig({ start: new Date('2026-02-20T12:00:00Z') });
    p.a = await rig.app.onboardPartner('Acme Lending');
    p.b = await rig.app.onboardPartner('Birch Legal');
    p.c = await rig.app.onboardPartner('Cedar Clinic');
    p.d = await rig.app.onboardPartner('Dune Insurance');
    const { app } = rig;
    // February: A's first personal number (active all March) and a business number released in February.
    await provision(app, p.a.apiKey, 'a-p1', 'personal');
    await provision(app, p.a.apiKey, 'a-b-feb', 'business');
    recordInbound(rig, p.a.partnerId, 'a-p1', 50); // February pages do not count for March
    moveTo('2026-02-25T09:00:00Z');
    await release(app, p.a.apiKey, 'a-b-feb');
    // C's only number is released at the last instant of February: never active in March.
    await provision(app, p.c.apiKey, 'c-p1', 'personal');
    moveTo('2026-02-28T23:59:59.999Z');
    await release(app, p.c.apiKey, 'c-p1');
    // March: A adds a personal number released on the 20th, a business number for the whole month
    // and a business number that lives one day.
    moveTo('2026-03-10T10:00:00Z');
    await closesOf('2026-02'); // the clock passed 1 March: February's scheduled close runs
    await provision(app, p.a.apiKey, 'a-p2', 'personal');
    await provision(app, p.a.apiKey, 'a-b1', 'business');
    recordInbound(rig, p.a.partnerId, 'a-p1', 120);
    moveTo('2026-03-15T08:00:00Z');
    await provision(app, p.a.apiKey, 'a-b2', 'business');
    recordInbound(rig, p.a.partnerId, 'a-p1', 110); // 230 in March on a 200-page allowance: 30 overage
    recordInbound(rig, p.a.partnerId, 'a-b1', 900); // within the 1,000-page business allowance
    moveTo('2026-03-16T08:00:00Z');
    await release(app, p.a.apiKey, 'a-b2');
    moveTo('2026-03-20T17:30:00Z');
    await release(app, p.a.apiKey, 'a-p2');
    // B's one business number arrives in the last minute of March.
    moveTo('2026-03-31T23:59:00Z');
    await provision(app, p.b.apiKey, 'b-b1', 'business');
  });
  after(() => rig.close());

  const closesOf = (month: string) => closesOfApp(rig.app, month);

  const admin = (method: string, url: string, body?: unknown) =>
    rig.app.call(method, url, { key: adminToken(rig.app), body });

  test('the month so far: numbers active at any time, inbound and overage pages, the estimate', async () => {
    const res = await rig.app.call('GET', '/api/partner/billing', { key: p.a.apiKey });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.nextInvoiceAt, '2026-04-01T00:00:00.000Z');
    assert.equal(res.body.lastInvoiceAt, '2026-03-10T10:00:00.000Z'); // February's, closed late
    assert.deepEqual(res.body.currentMonth, {
      month: '2026-03',
      numbers: { personal: 2, business: 2 },
      inboundPages: 1130,
      overagePages: 30,
      // 2 × $2.50 + 2 × $7.50; overage unpriced by default: reported, not billed.
      estimatedAmount: { amount: 2000, currency: 'usd' },
    });
  });

  test('the operator prices personal overage at 4¢ a page: the estimate follows', async () => {
    const prices = (await admin('GET', '/api/admin/billing/prices')).body;
    assert.deepEqual(prices.tiers.personal, { monthlyAmount: 250, includedPages: 200, overagePerPage: null });
    assert.deepEqual(prices.tiers.business, {
      monthlyAmount: 750,
      includedPages: 1000,
      overagePerPage: null,
    });
    prices.tiers.personal.overagePerPage = 4;
    const put = await admin('PUT', '/api/admin/billing/prices', prices);
    assert.equal(put.status, 200, put.text);
    const res = await rig.app.call('GET', '/api/partner/billing', { key: p.a.apiKey });
    assert.equal(res.body.currentMonth.estimatedAmount.amount, 2120);
    // March is not over yet: the close refuses rather than bill a partial month.
    await assert.rejects(rig.app.services.billing.monthClose.close('2026-03', 'cli'), {
      code: 'month_not_over',
    });
  });

  test('on the 1st (UTC) the scheduled job closes March: one Stripe invoice per partner, to the cent', async () => {
    // February closed itself the same way when the clock passed 1 March (A's two numbers, C's one).
    const feb = await closesOf('2026-02');
    assert.equal(feb.length, 1);
    assert.equal(feb[0].trigger, 'schedule');
    assert.deepEqual([feb[0].invoiced, feb[0].total.amount], [2, 1000 + 250]);
    const callsBefore = new Map(rig.stripe.calls);
    const delta = (endpoint: string) => rig.stripe.callCount(endpoint) - (callsBefore.get(endpoint) ?? 0);
    moveTo('2026-04-01T00:00:05Z');
    const closes = await closesOf('2026-03');
    assert.equal(closes.length, 1, 'the scheduled close ran');
    assert.equal(closes[0].trigger, 'schedule');
    const report = (await admin('GET', `/api/admin/billing/closes/${closes[0].id}`)).body;
    const byCompany = Object.fromEntries(report.lines.map((l: any) => [l.companyName, l]));
    assert.deepEqual(
      Object.fromEntries(report.lines.map((l: any) => [l.companyName, [l.outcome, l.amount, l.numbers]])),
      {
        'Acme Lending': ['invoiced', 2120, { personal: 2, business: 2 }],
        'Birch Legal': ['invoiced', 750, { personal: 0, business: 1 }],
        'Cedar Clinic': ['nothing_to_bill', 0, { personal: 0, business: 0 }],
        'Dune Insurance': ['nothing_to_bill', 0, { personal: 0, business: 0 }],
      },
    );
    assert.deepEqual(report.total, { amount: 2870, currency: 'usd' });
    assert.equal(report.invoiced, 2);
    assert.equal(report.failed, 0);

    // What Stripe holds: A's invoice, finalized, a line per tier plus the priced overage.
    const a = rig.stripe.invoices.get(byCompany['Acme Lending'].stripeInvoiceId)!;
    assert.equal(a.status, 'open');
    assert.equal(a.total, 2120);
    assert.equal(a.collection_method, 'send_invoice');
    assert.deepEqual(
      a.lines.data.map((l: any) => [l.description, l.quantity, l.amount]),
      [
        ['Personal fax numbers, March 2026', 2, 500],
        ['Business fax numbers, March 2026', 2, 1500],
        ['Personal inbound pages past the allowance, March 2026', 30, 120],
      ],
    );
    assert.deepEqual(a.lines.data[0].period, {
      start: at('2026-03-01T00:00:00Z') / 1000,
      end: at('2026-04-01T00:00:00Z') / 1000,
    });
    const b = rig.stripe.invoices.get(byCompany['Birch Legal'].stripeInvoiceId)!;
    assert.deepEqual(
      b.lines.data.map((l: any) => [l.quantity, l.amount]),
      [[1, 750]],
    );
    // Exactly: an invoice, a line per billed line and a finalize per invoiced partner, and a
    // customer for B (A's was made for February).
    assert.equal(delta('POST /v1/customers'), 1);
    assert.equal(delta('POST /v1/invoices'), 2);
    assert.equal(delta('POST /v1/invoiceitems'), 4);
    assert.equal(delta('POST /v1/invoices/:id/finalize'), 2);
    assert.equal(report.stripeCalls, 9);

    // The partner's invoices: Stripe's number, hosted page and PDF, the month's period.
    const list = await rig.app.call('GET', '/api/partner/invoices', { key: p.a.apiKey });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.items.map((i: any) => i.month),
      ['2026-03', '2026-02'],
    );
    const inv = list.body.items[0];
    assert.deepEqual(
      [inv.number, inv.amount, inv.currency, inv.status, inv.periodStart, inv.periodEnd],
      [a.number, 2120, 'usd', 'open', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
    );
    assert.equal(inv.hostedInvoiceUrl, a.hosted_invoice_url);
    assert.equal(inv.pdfUrl, a.invoice_pdf);
    const overview = await rig.app.call('GET', '/api/partner/billing', { key: p.a.apiKey });
    assert.equal(overview.body.lastInvoiceAt, '2026-04-01T00:00:05.000Z');
    assert.equal(overview.body.nextInvoiceAt, '2026-05-01T00:00:00.000Z');
    const d = await rig.app.call('GET', '/api/partner/invoices', { key: p.d.apiKey });
    assert.deepEqual(d.body.items, []);
  });

  test('the close run again bills nothing twice and makes no Stripe write', async () => {
    const before = rig.stripe.totalCalls();
    const report = await rig.app.services.billing.monthClose.close('2026-03', 'cli');
    assert.equal(rig.stripe.totalCalls(), before);
    assert.deepEqual(report.lines.map((l) => l.outcome).sort(), [
      'already_invoiced',
      'already_invoiced',
      'nothing_to_bill',
      'nothing_to_bill',
    ]);
    assert.equal(report.total.amount, 2870);
    assert.equal(
      [...rig.stripe.invoices.values()].filter((i) => i.metadata.faxseal_month === '2026-03').length,
      2,
    );
    const closes = (await admin('GET', '/api/admin/billing/closes?month=2026-03')).body.items;
    assert.equal(closes.length, 2, 'each run has its report');
  });

  test('April through the CLI, SIGKILLed halfway with a Stripe write done but unanswered: the rerun completes it, one invoice each', async () => {
    // April: A keeps a-p1 and a-b1; B keeps b-b1 and adds a personal number.
    moveTo('2026-04-02T10:00:00Z');
    await provision(rig.app, p.b.apiKey, 'b-p1', 'personal');
    await rig.app.shutdown({ keepData: true });
    const env = {
      ...process.env,
      FAXSEAL_DATA_DIR: rig.app.dataDir,
      FAXSEAL_LOG_LEVEL: 'silent',
      FAXSEAL_STRIPE_SECRET_KEY: rig.stripe.secretKey,
      FAXSEAL_STRIPE_WEBHOOK_SECRET: rig.stripe.webhookSecret,
      FAXSEAL_STRIPE_API_BASE: rig.stripe.url,
    };
    const args = [
      '--import',
      'tsx',
      'server/src/cli/main.ts',
      'billing',
      'close-month',
      '--month',
      '2026-04',
    ];
    const callsBefore = rig.stripe.totalCalls();
    // April needs 2 invoices, 2 + 2 lines and 2 finalizes (the customers exist): 8 writes. Stripe
    // answers 3, does the 4th without answering, and the close process dies right then.
    rig.stripe.answerOnly(3);
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'ignore' });
    await rig.stripe.whenHolding();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    rig.stripe.releaseHeld();
    const writesBeforeCrash = rig.stripe.totalCalls() - callsBefore;
    assert.ok(writesBeforeCrash >= 4 && writesBeforeCrash < 8, `${writesBeforeCrash} writes before the kill`);

    // Asynchronously: the local Stripe answers from this process's event loop.
    const rerun = await runCli(args, env);
    assert.equal(rerun.status, 0, rerun.stderr + rerun.stdout);
    assert.match(rerun.stdout, /month close 2026-04/);
    assert.match(rerun.stdout, /4 partners, 2 invoiced, 0 failed, total 20\.00 USD/);
    const again = await runCli(args, env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /already_invoiced/);

    const april = [...rig.stripe.invoices.values()].filter((i) => i.metadata.faxseal_month === '2026-04');
    assert.equal(april.length, 2, 'one Stripe invoice per partner for April');
    for (const inv of april) assert.equal(inv.status, 'open');
    const byPartner = Object.fromEntries(april.map((i) => [i.metadata.faxseal_partner_id, i]));
    // A: a-p1 (personal) + a-b1 (business) = 250 + 750; B: b-b1 + b-p1 = 750 + 250. No duplicate items.
    assert.deepEqual(
      byPartner[p.a.partnerId].lines.data.map((l: any) => [l.quantity, l.amount]),
      [
        [1, 250],
        [1, 750],
      ],
    );
    assert.deepEqual(
      byPartner[p.b.partnerId].lines.data.map((l: any) => [l.quantity, l.amount]),
      [
        [1, 250],
        [1, 750],
      ],
    );
    assert.equal(
      [...rig.stripe.invoiceItems.values()].filter((i) => april.some((a) => a.id === i.invoice)).length,
      4,
    );
  });
});

describe('month close without Stripe', { timeout: 120_000 }, () => {
  test('invoices are computed and shown locally, with no Stripe links', async () => {
    const clock = new ManualClock(at('2026-06-03T09:00:00Z'));
    const app = await startTestAppliance({}, { clock });
    try {
      const { apiKey } = await app.onboardPartner('Local Only LLC');
      await provision(app, apiKey, 'u1', 'business');
      await provision(app, apiKey, 'u2', 'business');
      await provision(app, apiKey, 'u3', 'personal');
      clock.advanceDays(30); // 3 July
      const report = await app.services.billing.monthClose.close('2026-06', 'cli');
      assert.equal(report.lines[0].outcome, 'local_only');
      assert.equal(report.total.amount, 1750);
      assert.equal(report.stripeCalls, 0);
      const list = await app.call('GET', '/api/partner/invoices', { key: apiKey });
      const inv = list.body.items[0];
      assert.deepEqual(
        [inv.amount, inv.status, inv.hostedInvoiceUrl, inv.pdfUrl, inv.stripeInvoiceId],
        [1750, 'open', null, null, null],
      );
      assert.deepEqual(
        inv.lines.map((l: any) => [l.kind, l.tier, l.quantity, l.unitAmount, l.amount]),
        [
          ['numbers', 'personal', 1, 250, 250],
          ['numbers', 'business', 2, 750, 1500],
        ],
      );
      const second = await app.services.billing.monthClose.close('2026-06', 'cli');
      assert.equal(second.lines[0].outcome, 'local_only');
      assert.equal((await app.call('GET', '/api/partner/invoices', { key: apiKey })).body.items.length, 1);
    } finally {
      await app.shutdown();
    }
  });
});
