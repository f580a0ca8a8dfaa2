// Credit bundles bought through Stripe Checkout: the purchase row is written before Stripe is
// called, credits land only when the signed checkout.session.completed (paid) arrives, and refunds
// and lost disputes take back credits in proportion to the money returned (never below zero: the
// ledger records the shortfall). Event handlers run inside the inbox's transaction.

import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { CreditChangeResult, CreditLedger } from '../credits/credit-ledger.ts';
import type { CreditReason } from '../credits/credit-schema.ts';
import { DomainError } from '../domain-error.ts';
import type { PartnerRepository } from '../partners/partner-repository.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { BillingAccountRepository } from './billing-account-repository.ts';
import type { PurchaseResult } from './billing-schema.ts';
import type { PriceRepository } from './price-repository.ts';
import type { PurchaseRecord, PurchaseRepository } from './purchase-repository.ts';
import type { EventResult } from './stripe-event-repository.ts';
import { type Stripe, type StripeGateway, stripeUnavailable } from './stripe-gateway.ts';

export interface PurchaseDeps {
  db: Db;
  clock: Clock;
  stripe: StripeGateway | null;
  prices: PriceRepository;
  purchases: PurchaseRepository;
  accounts: BillingAccountRepository;
  partners: PartnerRepository;
  credits: CreditLedger;
  audit: AuditLog;
  publicUrl: string;
}

export function billingNotConfigured(): DomainError {
  return DomainError.conflict(
    'billing_not_configured',
    'This appliance has no Stripe account connected, so credits cannot be bought online; ask the operator to grant them.',
  );
}

/** The partner's Stripe Customer, created on first need (one per partner, whatever runs first). */
export async function ensureCustomer(
  deps: Pick<PurchaseDeps, 'accounts' | 'partners' | 'clock'>,
  stripe: StripeGateway,
  partnerId: string,
): Promise<string> {
  const existing = deps.accounts.get(partnerId).stripeCustomerId;
  if (existing) return existing;
  const partner = deps.partners.get(partnerId);
  if (!partner) throw DomainError.notFound('partner_not_found', `No partner ${partnerId}.`);
  // Two concurrent first needs send the same key and get the same customer back.
  const customer = await stripe.createCustomer(partner, `faxseal-customer-${partnerId}`);
  deps.accounts.setCustomer(partnerId, customer.id, deps.clock.now().toISOString());
  return customer.id;
}

export class CreditPurchases {
  /** Credits changed inside an event transaction; the inbox notifies low balances after commit. */
  readonly changes: { partnerId: string; result: CreditChangeResult }[] = [];

  constructor(private readonly deps: PurchaseDeps) {}

  async start(
    partnerId: string,
    request: { bundle: string; successUrl?: string; cancelUrl?: string },
    actor: { type: 'partner_key' | 'portal_account'; id: string },
  ): Promise<PurchaseResult> {
    const { stripe, prices, purchases, clock, audit } = this.deps;
    if (!stripe) throw billingNotConfigured();
    const bundle = prices.bundle(request.bundle);
    if (!bundle)
      throw DomainError.notFound(
        'bundle_not_found',
        `No bundle "${request.bundle}" is on sale; GET /api/partner/credits/bundles lists them.`,
      );
    let customer: string;
    try {
      customer = await ensureCustomer(this.deps, stripe, partnerId);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw stripeUnavailable(err);
    }
    const purchase = purchases.insert({
      id: newId('pur'),
      partnerId,
      bundleId: bundle.id,
      credits: bundle.credits,
      amount: bundle.price.amount,
      currency: bundle.price.currency,
      status: 'pending',
      createdAt: clock.now().toISOString(),
    });
    const returnTo = `${this.deps.publicUrl}/partner`;
    let session: Stripe.Checkout.Session;
    try {
      session = await stripe.createCheckoutSession(
        {
          customer,
          partnerId,
          purchaseId: purchase.id,
          bundle: { ...bundle, amount: bundle.price.amount, currency: bundle.price.currency },
          successUrl: request.successUrl ?? `${returnTo}?purchase=${purchase.id}&result=success`,
          cancelUrl: request.cancelUrl ?? `${returnTo}?purchase=${purchase.id}&result=canceled`,
        },
        `faxseal-purchase-${purchase.id}`,
      );
    } catch (err) {
      throw stripeUnavailable(err);
    }
    purchases.openCheckout(purchase.id, session.id, session.url ?? '');
    audit.record({
      actorType: actor.type,
      actorId: actor.id,
      action: 'billing.purchase_started',
      targetType: 'purchase',
      targetId: purchase.id,
      partnerId,
      details: {
        bundle: bundle.id,
        credits: bundle.credits,
        amount: bundle.price.amount,
        checkoutSessionId: session.id,
      },
    });
    return {
      checkoutUrl: session.url ?? '',
      checkoutSessionId: session.id,
      purchaseId: purchase.id,
      credits: bundle.credits,
      price: bundle.price,
    };
  }

  /**
   * checkout.session.completed / async_payment_succeeded: credits the purchase once. The session's
   * metadata names partner, purchase and credits, so a database rebuilt from the event log alone
   * credits the same amounts.
   */
  onCheckoutPaid(session: Stripe.Checkout.Session, at: string): EventResult {
    if (session.payment_status !== 'paid')
      return {
        outcome: 'ignored',
        detail: `payment_status ${session.payment_status}: waiting for the async payment`,
      };
    const meta = session.metadata ?? {};
    const partnerId = meta.faxseal_partner_id;
    const credits = Number(meta.faxseal_credits);
    if (!partnerId || !this.deps.partners.get(partnerId) || !Number.isInteger(credits) || credits <= 0)
      return {
        outcome: 'ignored',
        detail: 'not a FaxSeal credit purchase (metadata missing or unknown partner)',
      };
    const { purchases } = this.deps;
    let purchase =
      purchases.bySession(session.id) ??
      (meta.faxseal_purchase_id ? purchases.get(meta.faxseal_purchase_id) : null);
    if (!purchase) {
      purchase = purchases.insert({
        id: meta.faxseal_purchase_id ?? newId('pur'),
        partnerId,
        bundleId: meta.faxseal_bundle_id ?? 'unknown',
        credits,
        amount: session.amount_total ?? 1,
        currency: session.currency ?? 'usd',
        status: 'pending',
        checkoutSessionId: session.id,
        createdAt: at,
      });
    }
    if (purchase.status === 'paid')
      return { outcome: 'ignored', partnerId, detail: `purchase ${purchase.id} already credited` };
    const paymentIntent =
      typeof session.payment_intent === 'string'
        ? session.payment_intent
        : (session.payment_intent?.id ?? null);
    purchases.markPaid(purchase.id, session.id, paymentIntent, at);
    this.change({
      partnerId,
      amount: purchase.credits,
      reason: 'purchase',
      stripeObjectId: session.id,
      note: `${purchase.credits} credits (bundle ${purchase.bundleId}) paid through Stripe Checkout`,
    });
    this.audit('billing.credits_purchased', purchase, {
      credits: purchase.credits,
      checkoutSessionId: session.id,
      paymentIntent,
    });
    return {
      outcome: 'applied',
      partnerId,
      detail: `credited ${purchase.credits} credits for ${purchase.id}`,
    };
  }

  onCheckoutExpired(session: Stripe.Checkout.Session): EventResult {
    const purchase = this.deps.purchases.bySession(session.id);
    if (!purchase) return { outcome: 'ignored', detail: 'unknown Checkout Session' };
    this.deps.purchases.markExpired(purchase.id);
    return {
      outcome: 'applied',
      partnerId: purchase.partnerId,
      detail: `purchase ${purchase.id} expired unpaid`,
    };
  }

  /** charge.refunded: Stripe reports the cumulative refunded amount, so repeats and reorderings agree. */
  onChargeRefunded(charge: Stripe.Charge): EventResult {
    const pi = idOf(charge.payment_intent);
    const purchase = pi ? this.deps.purchases.byPaymentIntent(pi) : null;
    if (!purchase) return this.waitFor(pi, 'refund');
    this.deps.purchases.recordRefunded(purchase.id, charge.amount_refunded);
    return this.takeBack(purchase.id, 'purchase_refund', charge.id);
  }

  /** charge.dispute.closed: a lost dispute takes back the disputed share; won or warned ones nothing. */
  onDisputeClosed(dispute: Stripe.Dispute, at: string): EventResult {
    if (dispute.status !== 'lost') return { outcome: 'ignored', detail: `dispute ${dispute.status}` };
    const pi = idOf(dispute.payment_intent);
    const purchase = pi ? this.deps.purchases.byPaymentIntent(pi) : null;
    if (!purchase) return this.waitFor(pi, 'dispute');
    if (!this.deps.purchases.recordLostDispute(purchase.id, dispute.id, dispute.amount, at))
      return {
        outcome: 'ignored',
        partnerId: purchase.partnerId,
        detail: `dispute ${dispute.id} already counted`,
      };
    return this.takeBack(purchase.id, 'dispute_lost', dispute.id);
  }

  /** The payment intent a paid purchase is known by (deferred reversals wait for it). */
  paymentIntentOf(checkoutSessionId: string): string | null {
    return this.deps.purchases.bySession(checkoutSessionId)?.paymentIntentId ?? null;
  }

  /**
   * Brings the credits taken back to the share of the purchase's money returned so far (rounded
   * in the partner's favour); past the balance the ledger records the shortfall.
   */
  private takeBack(purchaseId: string, reason: CreditReason, stripeObjectId: string): EventResult {
    const purchase = this.deps.purchases.get(purchaseId)!;
    const returned = Math.min(purchase.price.amount, purchase.refundedAmount + purchase.disputedAmount);
    const target = Math.floor((purchase.credits * returned) / purchase.price.amount);
    const due = target - purchase.creditsTakenBack;
    if (due <= 0)
      return {
        outcome: 'ignored',
        partnerId: purchase.partnerId,
        detail: 'credits already taken back for this amount',
      };
    this.deps.purchases.setTakenBack(purchase.id, target);
    const result = this.change({
      partnerId: purchase.partnerId,
      amount: -due,
      reason,
      stripeObjectId,
      allowShortfall: true,
      note: `${reason === 'dispute_lost' ? 'Lost dispute' : 'Refund'} of purchase ${purchase.id}`,
    });
    const shortfall = result.ok ? result.entry.shortfall : 0;
    this.audit(reason === 'dispute_lost' ? 'billing.dispute_lost' : 'billing.purchase_refunded', purchase, {
      credits: due,
      shortfall,
      stripeObjectId,
      returnedAmount: returned,
    });
    return {
      outcome: 'applied',
      partnerId: purchase.partnerId,
      detail: `took back ${due} credits${shortfall ? ` (${shortfall} short: the balance was lower)` : ''}`,
    };
  }

  private waitFor(paymentIntent: string | null, what: string): EventResult {
    if (!paymentIntent) return { outcome: 'ignored', detail: `${what} without a payment intent` };
    // Stripe may deliver the reversal before the checkout it reverses: keep it until that arrives.
    return {
      outcome: 'deferred',
      waitsFor: paymentIntent,
      detail: `${what} of a payment not yet seen (${paymentIntent})`,
    };
  }

  private change(
    change: Omit<Parameters<CreditLedger['applyInTransaction']>[0], 'actor'>,
  ): CreditChangeResult {
    const result = this.deps.credits.applyInTransaction({ ...change, actor: 'stripe' });
    this.changes.push({ partnerId: change.partnerId, result });
    return result;
  }

  private audit(action: string, purchase: PurchaseRecord, details: Record<string, unknown>): void {
    this.deps.audit.record({
      actorType: 'system',
      actorId: 'stripe',
      action,
      targetType: 'purchase',
      targetId: purchase.id,
      partnerId: purchase.partnerId,
      details: { bundle: purchase.bundleId, ...details },
    });
  }
}

const idOf = (ref: string | { id: string } | null | undefined): string | null =>
  typeof ref === 'string' ? ref : (ref?.id ?? null);
