// Billing status from signed Stripe events, under a controlled clock: a failed payment makes the
// partner past due, sends keep working through the grace days and then get 402 billing_past_due,
// inbound calls are never refused, payment restores it, uncollectible (or voided unpaid past the
// grace days) cancels it; events out of order or twice change nothing more; each change emails the
// billing people once; the operator can override with a note.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminToken, makePdf, sendMultipart } from '../outbound/support.ts';
import { expectProblem } from '../support/test-appliance.ts';
import { type BillingRig, provision, startBillingRig } from './support.ts';

describe('billing status', { timeout: 180_000 }, () => {
  let rig: BillingRig;
  let pdf: Buffer;
  before(async () => {
    rig = await startBillingRig({ start: new Date('2026-05-10T12:00:00Z') });
    pdf = await makePdf(1);
  });
  after(() => rig.close());

  /** A partner with one business number and a closed month: its open Stripe invoice id. */
  async function invoicedPartner() {
    const partner = await rig.app.onboardPartner();
    const externalUserId = `u-${partner.partnerId.slice(-6)}`;
    const number = (await provision(rig.app, partner.apiKey, externalUserId, 'business')).body.number;
    const month = `${rig.clock.now().toISOString().slice(0, 7)}`;
    // Close the month by hand (the scheduled close would too) a day after it ends.
    const monthEnd = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1, 6));
    rig.clock.advanceMinutes((monthEnd.getTime() - rig.clock.now().getTime()) / 60_000);
    await rig.app.services.billing.monthClose.close(month, 'cli');
    const invoice = rig.app.services.billing.invoices.forMonth(partner.partnerId, month)!;
    assert.ok(invoice.stripeInvoiceId);
    const email = rig.app.services.partners.get(partner.partnerId)!.email;
    return { ...partner, externalUserId, number, invoiceId: invoice.stripeInvoiceId!, email };
  }

  const status = async (apiKey: string) =>
    (await rig.app.call('GET', '/api/partner/billing', { key: apiKey })).body;
  const billingMails = (email: string) =>
    rig.app.services.emails
      .sentTo(email)
      .filter((e) => e.kind.startsWith('billing_'))
      .map((e) => e.kind)
      .reverse(); // oldest first
  const send = (p: { apiKey: string; externalUserId: string }) =>
    sendMultipart(rig.app, p.apiKey, { externalUserId: p.externalUserId, to: '+12125550199' }, pdf);

  test('failed payment → past_due; grace days; 402 after them; inbound still routed; paid → active', async () => {
    const p = await invoicedPartner();
    assert.equal((await status(p.apiKey)).status, 'active');
    const failed = rig.stripe.failInvoicePayment(p.invoiceId);
    await rig.stripe.deliver(failed);
    await rig.stripe.deliver(failed); // twice: one change, one email
    const pastDue = await status(p.apiKey);
    assert.equal(pastDue.status, 'past_due');
    assert.equal(pastDue.pastDueSince, new Date(failed.created * 1000).toISOString());
    assert.equal(pastDue.graceEndsAt, new Date((failed.created + 14 * 86_400) * 1000).toISOString());
    assert.deepEqual(billingMails(p.email), ['billing_past_due']);

    // Within the grace days the send passes the billing check (and stops at credits: none granted).
    rig.clock.advanceDays(13);
    expectProblem(await send(p), 402, 'insufficient_credits');
    rig.clock.advanceDays(2);
    const refused = expectProblem(await send(p), 402, 'billing_past_due');
    assert.equal(refused.billingStatus, 'past_due');
    // Inbound is never refused: the call router still accepts calls to the number.
    const route = rig.app.services.callRouter.route({
      calledUser: p.number,
      callingUser: '+12125550100',
      sourceIp: '127.0.0.1',
    });
    assert.equal(route.kind, 'accept');

    const paid = rig.stripe.payInvoice(p.invoiceId);
    await rig.stripe.deliver(paid);
    const active = await status(p.apiKey);
    assert.deepEqual([active.status, active.pastDueSince, active.graceEndsAt], ['active', null, null]);
    expectProblem(await send(p), 402, 'insufficient_credits');
    // A late repeat of the failure does not undo the payment.
    await rig.stripe.deliver({ ...failed, id: `${failed.id}_late` });
    assert.equal((await status(p.apiKey)).status, 'active');
    assert.deepEqual(billingMails(p.email), ['billing_past_due', 'billing_active']);
    const invoices = (await rig.app.call('GET', '/api/partner/invoices', { key: p.apiKey })).body.items;
    assert.equal(invoices[0].status, 'paid');
  });

  test('paid arriving before the failure it followed: active throughout, no email', async () => {
    const p = await invoicedPartner();
    const failed = rig.stripe.failInvoicePayment(p.invoiceId);
    const paid = rig.stripe.payInvoice(p.invoiceId);
    await rig.stripe.deliver(paid);
    await rig.stripe.deliver(failed);
    assert.equal((await status(p.apiKey)).status, 'active');
    assert.deepEqual(billingMails(p.email), []);
  });

  test('marked uncollectible → canceled: sends refused at once, inbound still accepted', async () => {
    const p = await invoicedPartner();
    await rig.stripe.deliver(rig.stripe.failInvoicePayment(p.invoiceId));
    await rig.stripe.deliver(rig.stripe.markUncollectible(p.invoiceId));
    const s = await status(p.apiKey);
    assert.equal(s.status, 'canceled');
    const refused = expectProblem(await send(p), 402, 'billing_past_due');
    assert.equal(refused.billingStatus, 'canceled');
    const route = rig.app.services.callRouter.route({
      calledUser: p.number,
      callingUser: null,
      sourceIp: '127.0.0.1',
    });
    assert.equal(route.kind, 'accept');
    assert.deepEqual(billingMails(p.email), ['billing_past_due', 'billing_canceled']);
  });

  test('a voided unpaid invoice: a correction within the grace days, a cancellation past them', async () => {
    const quick = await invoicedPartner();
    await rig.stripe.deliver(rig.stripe.failInvoicePayment(quick.invoiceId));
    rig.clock.advanceDays(3);
    await rig.stripe.deliver(rig.stripe.voidInvoice(quick.invoiceId));
    assert.equal((await status(quick.apiKey)).status, 'active');

    const late = await invoicedPartner();
    await rig.stripe.deliver(rig.stripe.failInvoicePayment(late.invoiceId));
    rig.clock.advanceDays(15);
    await rig.stripe.deliver(rig.stripe.voidInvoice(late.invoiceId));
    assert.equal((await status(late.apiKey)).status, 'canceled');
  });

  test("the operator's override: a note, an audit entry, an email; the next Stripe change replaces it", async () => {
    const p = await invoicedPartner();
    await rig.stripe.deliver(rig.stripe.failInvoicePayment(p.invoiceId));
    const res = await rig.app.call('POST', `/api/admin/partners/${p.partnerId}/billing/status`, {
      key: adminToken(rig.app),
      body: { status: 'active', note: 'paid by wire 2026-06-03, ref 8841' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.statusFromStripe, 'past_due');
    assert.equal(res.body.override.note, 'paid by wire 2026-06-03, ref 8841');
    rig.clock.advanceDays(20);
    expectProblem(await send(p), 402, 'insufficient_credits');
    const audit = rig.app.services.audit.list({ partnerId: p.partnerId, limit: 50 }).map((e) => e.action);
    assert.ok(audit.includes('billing.status_overridden'), audit.join(','));
    assert.ok(audit.includes('billing.status_changed'));
    assert.deepEqual(billingMails(p.email), ['billing_past_due', 'billing_active']);
    await rig.stripe.deliver(rig.stripe.markUncollectible(p.invoiceId));
    const view = await rig.app.call('GET', `/api/admin/partners/${p.partnerId}/billing`, {
      key: adminToken(rig.app),
    });
    assert.deepEqual([view.body.status, view.body.override], ['canceled', null]);
    expectProblem(
      await rig.app.call('POST', `/api/admin/partners/${p.partnerId}/billing/status`, {
        key: adminToken(rig.app),
        body: { status: 'late' },
      }),
      400,
      'validation_failed',
    );
  });
});
