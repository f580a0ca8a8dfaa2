// Property: the Stripe event log determines the money. For random purchase histories (paid,
// unpaid, partly or fully refunded, disputes won or lost) and invoice histories (paid, failed,
// recovered, uncollectible, voided within or past the grace days), an appliance that receives the
// events shuffled and with duplicates, a fresh database that replays its stored event log, and a
// fresh database that gets each event once in the order Stripe made them agree on every balance,
// every ledger total and every billing status (and the replay on every ledger entry).

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import type { StripeEvent } from '../support/stripe-server.ts';
import type { TestAppliance } from '../support/test-appliance.ts';
import { type BillingRig, buy, closesOf, provision, startBillingRig } from './support.ts';

const PARTNERS = 3;
const JUNE_END = Date.parse('2026-06-30T12:00:00Z');

const purchaseArb = fc.record({
  partner: fc.nat(PARTNERS - 1),
  bundle: fc.constantFrom('credits-100', 'credits-500', 'credits-2500'),
  fate: fc.constantFrom('paid', 'paid', 'paid', 'unpaid', 'abandoned'),
  // Each a share (in percent) of what is still unrefunded.
  refunds: fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 2 }),
  dispute: fc.constantFrom(null, null, 'won', 'lost'),
});
const invoicePathArb = fc.constantFrom(
  [],
  ['pay'],
  ['fail'],
  ['fail', 'pay'],
  ['fail', 'uncollectible'],
  ['fail', 'void'],
  ['void'],
  ['fail', 'uncollectible', 'pay'],
);
const scenarioArb = fc.record({
  purchases: fc.array(purchaseArb, { minLength: 1, maxLength: 6 }),
  invoices: fc.array(
    fc.record({
      path: invoicePathArb,
      gapDays: fc.array(fc.integer({ min: 0, max: 16 }), { minLength: 3, maxLength: 3 }),
    }),
    {
      minLength: PARTNERS,
      maxLength: PARTNERS,
    },
  ),
  deliverySeed: fc.integer(),
  duplicates: fc.array(fc.nat(), { maxLength: 8 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Deterministic shuffle from the scenario's seed (mulberry32). */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface MoneyState {
  balances: number[];
  totals: { purchased: number; reversed: number }[];
  shortfalls: number[];
  statuses: { status: string; pastDueSince: string | null }[];
  invoiceStatuses: string[];
  entries: string[][];
}

function moneyState(app: TestAppliance, partnerIds: string[]): MoneyState {
  const { credits, billing } = app.services;
  const ledger = partnerIds.map((id) => credits.log(id, { limit: 10_000 }).reverse());
  return {
    balances: partnerIds.map((id) => credits.balance(id)),
    // Purchases and their reversals. Refunds and lost disputes are summed together: which of two
    // reversals of one payment arrives first decides how a rounded credit splits between them.
    totals: ledger.map((entries) => {
      const sums = { purchased: 0, reversed: 0 };
      for (const e of entries) {
        if (e.reason === 'purchase') sums.purchased += e.amount;
        if (e.reason === 'purchase_refund' || e.reason === 'dispute_lost')
          sums.reversed += e.amount - e.shortfall;
      }
      return sums;
    }),
    shortfalls: partnerIds.map((id) => credits.shortfall(id)),
    statuses: partnerIds.map((id) => {
      const a = billing.standing.account(id);
      return { status: a.status, pastDueSince: a.pastDueSince };
    }),
    invoiceStatuses: partnerIds.map((id) => billing.invoices.forMonth(id, '2026-05')?.status ?? 'none'),
    entries: ledger.map((entries) =>
      entries.map((e) => `${e.reason} ${e.amount} ${e.shortfall} ${e.stripeObjectId}`),
    ),
  };
}

describe('replaying the Stripe event log', { timeout: 900_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function run(scenario: Scenario): Promise<void> {
    const live = await startBillingRig({ start: new Date('2026-05-04T09:00:00Z') });
    const rigs: BillingRig[] = [live];
    try {
      const { app, stripe, clock } = live;
      const partners = [];
      for (let i = 0; i < PARTNERS; i++) {
        const p = await app.onboardPartner(`Replay ${i}`);
        await provision(app, p.apiKey, `r-${i}`, i % 2 === 0 ? 'personal' : 'business');
        partners.push(p);
      }
      const sessions: string[] = [];
      for (const purchase of scenario.purchases)
        sessions.push(await buy(app, partners[purchase.partner].apiKey, purchase.bundle));
      // 1 June: May closes (one open invoice per partner in Stripe).
      clock.advanceMinutes((Date.parse('2026-06-01T00:00:10Z') - clock.now().getTime()) / 60_000);
      await closesOf(app, '2026-05');
      const invoiceIds = partners.map(
        (p) => app.services.billing.invoices.forMonth(p.partnerId, '2026-05')!.stripeInvoiceId!,
      );
      // The database as it stands before any Stripe event: the fresh copies start from it.
      await app.shutdown({ keepData: true });
      const snapshots = [0, 1].map(() => {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-replay-'));
        dirs.push(dir);
        cpSync(app.dataDir, dir, { recursive: true });
        return dir;
      });
      dirs.push(app.dataDir);
      const restarted = await startBillingRig({ stripe, clock, dataDir: app.dataDir });
      rigs.push(restarted);

      // What buyers, banks and Stripe's dunning do, in order; each action makes one event.
      const made: StripeEvent[] = [];
      scenario.purchases.forEach((purchase, i) => {
        if (purchase.fate === 'abandoned') {
          made.push(stripe.expireCheckout(sessions[i]));
          return;
        }
        made.push(stripe.completeCheckout(sessions[i], { paid: purchase.fate === 'paid' }));
        if (purchase.fate !== 'paid') return;
        const pi = stripe.sessions.get(sessions[i])!.payment_intent;
        const charge = stripe.charges.get(stripe.paymentIntents.get(pi)!.latest_charge)!;
        for (const percent of purchase.refunds) {
          const left = charge.amount - charge.amount_refunded;
          const amount = Math.ceil((left * percent) / 100);
          if (amount > 0) made.push(stripe.refund(pi, amount));
        }
        if (purchase.dispute && charge.amount > charge.amount_refunded)
          made.push(stripe.dispute(pi, purchase.dispute));
      });
      scenario.invoices.forEach((inv, i) => {
        inv.path.forEach((step, s) => {
          const days = Math.min(inv.gapDays[s], (JUNE_END - clock.now().getTime()) / 86_400_000);
          if (days > 0) clock.advanceDays(days);
          const id = invoiceIds[i];
          if (step === 'pay') made.push(stripe.payInvoice(id));
          else if (step === 'fail') made.push(stripe.failInvoicePayment(id));
          else if (step === 'uncollectible') made.push(stripe.markUncollectible(id));
          else made.push(stripe.voidInvoice(id));
        });
      });

      // Live: shuffled, with duplicates.
      const arrivals = shuffled(
        [...made, ...scenario.duplicates.filter(() => made.length > 0).map((n) => made[n % made.length])],
        scenario.deliverySeed,
      );
      for (const event of arrivals) {
        const res = await stripe.deliver(event);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const ids = partners.map((p) => p.partnerId);
      const liveState = moneyState(restarted.app, ids);
      const log = restarted.app.services.billing.events.all();
      assert.equal(log.length, new Set(made.map((e) => e.id)).size, 'each event stored once');

      // A fresh database, the stored log replayed in its order: the same ledger, entry for entry.
      const replay = await startBillingRig({ stripe, clock, dataDir: snapshots[0] });
      rigs.push(replay);
      for (const stored of log) await stripe.deliver(JSON.parse(stored.payload), { body: stored.payload });
      assert.deepEqual(moneyState(replay.app, ids), liveState);

      // A fresh database, each event once in the order Stripe made them: the same money.
      const ordered = await startBillingRig({ stripe, clock, dataDir: snapshots[1] });
      rigs.push(ordered);
      for (const event of made) await stripe.deliver(event);
      const inOrder = moneyState(ordered.app, ids);
      assert.deepEqual({ ...inOrder, entries: null }, { ...liveState, entries: null });
    } finally {
      for (const rig of rigs.reverse()) await rig.app.stop().catch(() => {});
      await live.stripe.close();
    }
  }

  test('live (shuffled, duplicated), replayed and in-order deliveries agree', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, run), { numRuns: 6, seed: 20261203, endOnFailure: true });
  });
});
