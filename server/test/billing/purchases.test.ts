// Credit bundles bought through Stripe Checkout, with the real SDK against the local Stripe over
// loopback: credits land only on the signed checkout.session.completed, once under duplicates and
// out-of-order reversals; forged or stale signatures are 400 and change nothing; refunds and lost
// disputes take credits back without going below zero (the shortfall is shown); no Stripe → 409.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { adminToken, grant } from '../outbound/support.ts';
import { expectProblem, startTestAppliance } from '../support/test-appliance.ts';
import { type BillingRig, balance, buy, startBillingRig } from './support.ts';

describe('credit purchases through Stripe', { timeout: 120_000 }, () => {
  let rig: BillingRig;
  before(async () => {
    rig = await startBillingRig();
  });
  after(() => rig.close());

  const log = async (apiKey: string) =>
    (await rig.app.call('GET', '/api/partner/credits/log?limit=100', { key: apiKey })).body.items as any[];

  test('bundles are listed; a purchase returns the Checkout Session the SDK created', async () => {
    const { apiKey, partnerId } = await rig.app.onboardPartner();
    const bundles = await rig.app.call('GET', '/api/partner/credits/bundles', { key: apiKey });
    assert.equal(bundles.status, 200);
    assert.deepEqual(
      bundles.body.items.map((b: any) => [b.id, b.credits, b.price.amount, b.price.currency]),
      [
        ['credits-100', 100, 1000, 'usd'],
        ['credits-500', 500, 4500, 'usd'],
        ['credits-2500', 2500, 20000, 'usd'],
      ],
    );
    const res = await rig.app.call('POST', '/api/partner/credits/purchase', {
      key: apiKey,
      body: {
        bundle: 'credits-500',
        successUrl: 'https://partner.example/ok',
        cancelUrl: 'https://partner.example/no',
      },
    });
    assert.equal(res.status, 201, res.text);
    const session = rig.stripe.sessions.get(res.body.checkoutSessionId)!;
    assert.ok(session, 'the session exists in Stripe');
    assert.equal(res.body.checkoutUrl, session.url);
    assert.equal(session.amount_total, 4500);
    assert.equal(session.success_url, 'https://partner.example/ok');
    assert.equal(session.metadata.faxseal_partner_id, partnerId);
    assert.equal(session.metadata.faxseal_credits, '500');
    const customer = rig.stripe.customers.get(session.customer)!;
    assert.equal(customer.metadata.faxseal_partner_id, partnerId);
    // Nothing is credited before Stripe says the payment is complete.
    assert.equal(await balance(rig.app, apiKey), 0);
    // A second purchase reuses the partner's one Stripe Customer.
    const again = await buy(rig.app, apiKey);
    assert.equal(rig.stripe.sessions.get(again)!.customer, session.customer);

    expectProblem(
      await rig.app.call('POST', '/api/partner/credits/purchase', { key: apiKey, body: { bundle: 'nope' } }),
      404,
      'bundle_not_found',
    );
    expectProblem(
      await rig.app.call('POST', '/api/partner/credits/purchase', { key: apiKey, body: {} }),
      400,
      'validation_failed',
    );
    // Stripe's {CHECKOUT_SESSION_ID} template passes through to Stripe; a return URL that is not
    // http(s), or has a space in it, is refused.
    const templated = await rig.app.call('POST', '/api/partner/credits/purchase', {
      key: apiKey,
      body: { bundle: 'credits-100', successUrl: 'https://partner.example/ok?session={CHECKOUT_SESSION_ID}' },
    });
    assert.equal(templated.status, 201, templated.text);
    assert.equal(
      rig.stripe.sessions.get(templated.body.checkoutSessionId)!.success_url,
      'https://partner.example/ok?session={CHECKOUT_SESSION_ID}',
    );
    for (const successUrl of ['javascript:alert(1)', 'https://partner.example/a b']) {
      const refused = expectProblem(
        await rig.app.call('POST', '/api/partner/credits/purchase', {
          key: apiKey,
          body: { bundle: 'credits-100', successUrl },
        }),
        400,
        'validation_failed',
      );
      assert.equal(refused.errors[0].field, '/body/successUrl');
    }
  });

  test('checkout.session.completed credits once, however often Stripe delivers it', async () => {
    const { apiKey } = await rig.app.onboardPartner();
    const sessionId = await buy(rig.app, apiKey);
    const event = rig.stripe.completeCheckout(sessionId);
    const first = await rig.stripe.deliver(event);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.outcome, 'applied');
    const repeats = await Promise.all([
      rig.stripe.deliver(event),
      rig.stripe.deliver(event),
      rig.stripe.deliver(event),
    ]);
    for (const r of repeats) {
      assert.equal(r.status, 200);
      assert.equal(r.body.duplicate, true);
    }
    assert.equal(await balance(rig.app, apiKey), 100);
    const purchases = (await log(apiKey)).filter((e) => e.reason === 'purchase');
    assert.equal(purchases.length, 1);
    assert.equal(purchases[0].amount, 100);
    assert.equal(purchases[0].stripeObjectId, sessionId);
    // The same session under a second event id (Stripe resends as a new event) still credits once.
    const resent = { ...event, id: `${event.id}_resent` };
    assert.equal((await rig.stripe.deliver(resent)).body.outcome, 'ignored');
    assert.equal(await balance(rig.app, apiKey), 100);
  });

  test('the hosted Checkout page: the buyer pays, is sent back with the session id, and the signed event credits', async () => {
    const { apiKey } = await rig.app.onboardPartner();
    const res = await rig.app.call('POST', '/api/partner/credits/purchase', {
      key: apiKey,
      body: {
        bundle: 'credits-500',
        successUrl: 'https://partner.example/credits?session={CHECKOUT_SESSION_ID}',
        cancelUrl: 'https://partner.example/credits?canceled=1',
      },
    });
    assert.equal(res.status, 201, res.text);
    const { checkoutUrl, checkoutSessionId } = res.body;
    const form = await fetch(checkoutUrl);
    assert.equal(form.status, 200);
    const html = await form.text();
    assert.match(html, /Pay \$45\.00/);
    assert.match(html, /500 fax credits/);
    assert.match(html, /href="https:\/\/partner\.example\/credits\?canceled=1"/);
    const paid = await fetch(checkoutUrl, { method: 'POST', redirect: 'manual' });
    assert.equal(paid.status, 303);
    assert.equal(
      paid.headers.get('location'),
      `https://partner.example/credits?session=${checkoutSessionId}`,
    );
    const delivered = await rig.stripe.checkoutDeliveries.at(-1)!;
    assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
    assert.equal(delivered.body.outcome, 'applied');
    assert.equal(await balance(rig.app, apiKey), 500);
    // A paid session's page is closed: paying twice is not possible.
    assert.equal((await fetch(checkoutUrl, { method: 'POST', redirect: 'manual' })).status, 410);
  });

  test('an unpaid completion credits nothing', async () => {
    const { apiKey } = await rig.app.onboardPartner();
    const sessionId = await buy(rig.app, apiKey);
    const res = await rig.stripe.deliver(rig.stripe.completeCheckout(sessionId, { paid: false }));
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'ignored');
    assert.equal(await balance(rig.app, apiKey), 0);
  });

  test('forged, stale, missing or tampered signatures: 400 invalid_signature and nothing changes', async () => {
    const { apiKey } = await rig.app.onboardPartner();
    const sessionId = await buy(rig.app, apiKey);
    const event = rig.stripe.completeCheckout(sessionId);
    const eventsBefore = rig.app.services.billing.events.all().length;
    const attempts = [
      await rig.stripe.deliver(event, { secret: 'whsec_not_the_endpoint_secret' }),
      await rig.stripe.deliver(event, { timestamp: Math.floor(rig.clock.now().getTime() / 1000) - 301 }),
      await rig.stripe.deliver(event, { timestamp: Math.floor(rig.clock.now().getTime() / 1000) + 301 }),
      await rig.stripe.deliver(event, { signature: '' }),
      await rig.stripe.deliver(event, { signature: 't=1,v1=deadbeef' }),
    ];
    // A valid signature over different bytes: the body was altered in transit.
    const tampered = JSON.stringify({
      ...event,
      data: { object: { ...event.data.object, amount_total: 1 } },
    });
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: JSON.stringify(event, null, 2),
      secret: rig.stripe.webhookSecret,
      timestamp: Math.floor(rig.clock.now().getTime() / 1000),
    });
    attempts.push(await rig.stripe.deliver(event, { body: tampered, signature: header }));
    for (const [i, a] of attempts.entries()) {
      assert.equal(a.status, 400, `attempt ${i}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body.code, 'invalid_signature');
    }
    assert.equal(rig.app.services.billing.events.all().length, eventsBefore);
    assert.equal(await balance(rig.app, apiKey), 0);
    // 299 s old is inside Stripe's 300 s tolerance.
    const late = await rig.stripe.deliver(event, {
      timestamp: Math.floor(rig.clock.now().getTime() / 1000) - 299,
    });
    assert.equal(late.status, 200);
    assert.equal(await balance(rig.app, apiKey), 100);
  });

  test('a body that is not JSON, and an event type FaxSeal does not use: never a 500', async () => {
    const garbage = await rig.stripe.deliver(rig.stripe.events[0], { body: '{"id": ' });
    assert.equal(garbage.status, 400);
    const unknown = { ...rig.stripe.events[0], id: 'evt_unknown_type_1', type: 'customer.tax_id.created' };
    const res = await rig.stripe.deliver(unknown);
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'unhandled');
    const stored = rig.app.services.billing.events.all().find((e) => e.id === 'evt_unknown_type_1');
    assert.equal(stored?.type, 'customer.tax_id.created');
  });

  test('a refund that arrives before the payment waits for it; the credits come back once', async () => {
    const { apiKey } = await rig.app.onboardPartner();
    const sessionId = await buy(rig.app, apiKey, 'credits-500');
    const completed = rig.stripe.completeCheckout(sessionId);
    const pi = rig.stripe.sessions.get(sessionId)!.payment_intent;
    const refunded = rig.stripe.refund(pi, 900); // 900 of 4,500 cents: 100 of the 500 credits
    const early = await rig.stripe.deliver(refunded);
    assert.equal(early.body.outcome, 'deferred');
    assert.equal(await balance(rig.app, apiKey), 0);
    await rig.stripe.deliver(completed);
    assert.equal(await balance(rig.app, apiKey), 400);
    await rig.stripe.deliver(refunded);
    await rig.stripe.deliver(completed);
    assert.equal(await balance(rig.app, apiKey), 400);
    const entries = await log(apiKey);
    assert.deepEqual(entries.map((e) => [e.reason, e.amount]).reverse(), [
      ['purchase', 500],
      ['purchase_refund', -100],
    ]);
  });

  test('refunds take back in proportion; past the balance the shortfall is recorded and shown', async () => {
    const { apiKey, partnerId } = await rig.app.onboardPartner();
    const sessionId = await buy(rig.app, apiKey, 'credits-100');
    await rig.stripe.deliver(rig.stripe.completeCheckout(sessionId));
    const pi = rig.stripe.sessions.get(sessionId)!.payment_intent;
    // The partner spends 70 of the 100 credits (an operator adjustment stands in for sends).
    const spend = await rig.app.call('POST', `/api/admin/partners/${partnerId}/credits`, {
      key: adminToken(rig.app),
      body: { amount: -70, note: 'spent' },
    });
    assert.equal(spend.status, 201, spend.text);
    // Half refunded (500 cents): 50 credits due back, 30 there.
    const half = rig.stripe.refund(pi, 500);
    await rig.stripe.deliver(half);
    assert.equal(await balance(rig.app, apiKey), 0);
    const refund = (await log(apiKey)).find((e) => e.reason === 'purchase_refund');
    assert.equal(refund.amount, -30);
    assert.equal(refund.shortfall, 20);
    assert.equal(refund.balanceAfter, 0);
    const view = await rig.app.call('GET', `/api/admin/partners/${partnerId}/billing`, {
      key: adminToken(rig.app),
    });
    assert.equal(view.status, 200, view.text);
    assert.equal(view.body.credits.shortfall, 20);
    // The rest refunded: 50 more due, nothing there: a zero-amount entry carrying the shortfall.
    await rig.stripe.deliver(rig.stripe.refund(pi));
    const view2 = await rig.app.call('GET', `/api/admin/partners/${partnerId}/billing`, {
      key: adminToken(rig.app),
    });
    assert.equal(view2.body.credits.shortfall, 70);
    assert.equal(await balance(rig.app, apiKey), 0);
  });

  test('a lost dispute takes the credits back, a won one does not, each counted once', async () => {
    const { apiKey } = await rig.app.onboardPartner();
    const won = await buy(rig.app, apiKey, 'credits-100');
    await rig.stripe.deliver(rig.stripe.completeCheckout(won));
    const wonEvent = rig.stripe.dispute(rig.stripe.sessions.get(won)!.payment_intent, 'won');
    assert.equal((await rig.stripe.deliver(wonEvent)).body.outcome, 'ignored');
    const lost = await buy(rig.app, apiKey, 'credits-100');
    await rig.stripe.deliver(rig.stripe.completeCheckout(lost));
    assert.equal(await balance(rig.app, apiKey), 200);
    const lostEvent = rig.stripe.dispute(rig.stripe.sessions.get(lost)!.payment_intent, 'lost');
    await rig.stripe.deliver(lostEvent);
    await rig.stripe.deliver(lostEvent);
    assert.equal(await balance(rig.app, apiKey), 100);
    const entries = (await log(apiKey)).filter((e) => e.reason === 'dispute_lost');
    assert.equal(entries.length, 1);
    assert.equal(entries[0].amount, -100);
    assert.equal(entries[0].stripeObjectId, lostEvent.data.object.id);
  });

  test('every money event is an audit entry', async () => {
    const { apiKey, partnerId } = await rig.app.onboardPartner();
    const sessionId = await buy(rig.app, apiKey);
    await rig.stripe.deliver(rig.stripe.completeCheckout(sessionId));
    await rig.stripe.deliver(rig.stripe.refund(rig.stripe.sessions.get(sessionId)!.payment_intent));
    const actions = rig.app.services.audit.list({ partnerId, limit: 100 }).map((e) => e.action);
    for (const action of [
      'billing.purchase_started',
      'billing.credits_purchased',
      'billing.purchase_refunded',
    ])
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  });
});

describe('credit purchases without Stripe', { timeout: 60_000 }, () => {
  test('409 billing_not_configured; the operator grants instead; the webhook refuses', async () => {
    const app = await startTestAppliance();
    try {
      const { apiKey, partnerId } = await app.onboardPartner();
      const bundles = await app.call('GET', '/api/partner/credits/bundles', { key: apiKey });
      assert.equal(bundles.status, 200);
      expectProblem(
        await app.call('POST', '/api/partner/credits/purchase', {
          key: apiKey,
          body: { bundle: 'credits-100' },
        }),
        409,
        'billing_not_configured',
      );
      await grant(app, partnerId, 25);
      assert.equal(await balance(app, apiKey), 25);
      const hook = await app.call('POST', '/stripe/webhook', {
        body: { id: 'evt_1' },
        headers: { 'stripe-signature': 't=1,v1=0' },
      });
      expectProblem(hook, 409, 'billing_not_configured');
    } finally {
      await app.shutdown();
    }
  });
});
