// The Stripe event inbox behind POST /stripe/webhook: verify the signature over the raw bytes, then
// in one IMMEDIATE transaction store the event once by its id and act on it (credits, purchases,
// invoice states, billing status). A repeat of a stored event changes nothing; a reversal that
// arrives before the payment it reverses waits in the inbox and runs when that payment lands.

import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { CreditLedger } from '../credits/credit-ledger.ts';
import { DomainError } from '../domain-error.ts';
import type { Mailer } from '../email/mailer.ts';
import type { Db } from '../storage/database.ts';
import type { BillingAccountRepository } from './billing-account-repository.ts';
import { type BillingStanding, type InvoiceFact, mergeInvoiceFact } from './billing-standing.ts';
import { billingNotConfigured, type CreditPurchases } from './credit-purchases.ts';
import type { InvoiceRecord, InvoiceRepository } from './invoice-repository.ts';
import type { EventResult, StripeEventRepository } from './stripe-event-repository.ts';
import type { Stripe, StripeGateway } from './stripe-gateway.ts';

const INVOICE_FACTS: Record<string, InvoiceFact> = {
  'invoice.finalized': 'finalized',
  'invoice.payment_failed': 'payment_failed',
  // Stripe's "past its due date" for invoices collected by email: past due like a failed payment.
  'invoice.overdue': 'payment_failed',
  'invoice.paid': 'paid',
  'invoice.marked_uncollectible': 'uncollectible',
  'invoice.voided': 'voided',
};

export interface Receipt {
  eventId: string;
  type: string;
  duplicate: boolean;
  outcome: EventResult['outcome'];
}

export class StripeEventInbox {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      log: Logger;
      stripe: StripeGateway | null;
      events: StripeEventRepository;
      purchases: CreditPurchases;
      invoices: InvoiceRepository;
      accounts: BillingAccountRepository;
      standing: BillingStanding;
      credits: CreditLedger;
      mailer: Mailer;
      audit: AuditLog;
    },
  ) {}

  /** Verifies and records one delivery. Throws DomainError for a bad signature or no Stripe. */
  receive(rawBody: Buffer, signature: string | undefined): Receipt {
    const { stripe, clock, db, events, log } = this.deps;
    if (!stripe) throw billingNotConfigured();
    let event: Stripe.Event;
    try {
      event = stripe.verifyEvent(rawBody, signature ?? '', clock.now());
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'Stripe webhook refused: bad or stale signature');
      throw new DomainError(
        'invalid',
        'invalid_signature',
        'The Stripe signature is not valid',
        'The Stripe-Signature header does not match this body under the configured webhook secret, or its timestamp is more than 300 s from our clock.',
      );
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || !event.data?.object)
      throw DomainError.invalid([{ field: '/body', message: 'is not a Stripe event' }]);
    const record = db.transaction((): Receipt => {
      if (events.has(event.id))
        return { eventId: event.id, type: event.type, duplicate: true, outcome: 'ignored' };
      const result = this.dispatch(event);
      events.insert(
        {
          id: event.id,
          type: event.type,
          createdAt: new Date(event.created * 1000).toISOString(),
          livemode: event.livemode,
          payload: rawBody.toString('utf8'),
        },
        result,
        clock.now().toISOString(),
      );
      if (result.outcome === 'applied' && event.type.startsWith('checkout.session.'))
        this.releaseDeferred(event);
      return { eventId: event.id, type: event.type, duplicate: false, outcome: result.outcome };
    });
    let receipt: Receipt;
    try {
      receipt = record.immediate();
    } catch (err) {
      this.deps.purchases.changes.length = 0; // rolled back: nothing to notify
      throw err;
    }
    this.afterCommit();
    log.info(
      {
        eventId: receipt.eventId,
        type: receipt.type,
        outcome: receipt.outcome,
        duplicate: receipt.duplicate,
      },
      'Stripe event',
    );
    return receipt;
  }

  private dispatch(event: Stripe.Event): EventResult {
    const at = new Date(event.created * 1000).toISOString();
    const { purchases } = this.deps;
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        return purchases.onCheckoutPaid(event.data.object, at);
      case 'checkout.session.expired':
        return purchases.onCheckoutExpired(event.data.object);
      case 'charge.refunded':
        return purchases.onChargeRefunded(event.data.object);
      case 'charge.dispute.closed':
        return purchases.onDisputeClosed(event.data.object, at);
    }
    const fact = INVOICE_FACTS[event.type];
    if (fact) return this.onInvoice(event.data.object as Stripe.Invoice, fact, at);
    return { outcome: 'unhandled', detail: 'stored; FaxSeal does not act on this type' };
  }

  private onInvoice(invoice: Stripe.Invoice, fact: InvoiceFact, at: string): EventResult {
    const local = this.localInvoice(invoice, at);
    if (!local) return { outcome: 'ignored', detail: 'invoice of a customer that is no FaxSeal partner' };
    const merged = mergeInvoiceFact(
      {
        status: local.status,
        // Stripe's own number and links win once it has them.
        number: invoice.number ?? local.number,
        hostedInvoiceUrl: invoice.hosted_invoice_url ?? local.hostedInvoiceUrl,
        pdfUrl: invoice.invoice_pdf ?? local.pdfUrl,
        stripeInvoiceId: invoice.id ?? local.stripeInvoiceId,
        finalizedAt: local.finalizedAt,
        paymentFailedAt: local.paymentFailedAt,
        paidAt: local.paidAt,
        uncollectibleAt: local.uncollectibleAt,
        voidedAt: local.voidedAt,
      },
      fact,
      at,
    );
    this.deps.invoices.saveStripeState(local.id, merged);
    this.deps.audit.record({
      actorType: 'system',
      actorId: 'stripe',
      action: `billing.invoice_${fact}`,
      targetType: 'invoice',
      targetId: local.id,
      partnerId: local.partnerId,
      details: { stripeInvoiceId: invoice.id, status: merged.status, amount: local.amount },
    });
    this.deps.standing.refresh(local.partnerId, `${fact} ${invoice.id}`);
    return {
      outcome: 'applied',
      partnerId: local.partnerId,
      detail: `invoice ${local.number}: ${merged.status}`,
    };
  }

  /**
   * The invoice's local row: by Stripe id, else the month close's row it belongs to (a close that
   * died before storing the id), else a new row for an invoice made in Stripe directly.
   */
  private localInvoice(invoice: Stripe.Invoice, at: string): InvoiceRecord | null {
    const { invoices, accounts } = this.deps;
    const found = invoices.byStripeId(invoice.id!);
    if (found) return found;
    const meta = invoice.metadata ?? {};
    const customer = typeof invoice.customer === 'string' ? invoice.customer : invoice.customer?.id;
    const partnerId =
      meta.faxseal_partner_id ?? (customer ? accounts.byCustomer(customer)?.partnerId : undefined);
    if (!partnerId) return null;
    if (meta.faxseal_month) {
      const monthly = invoices.forMonth(partnerId, meta.faxseal_month);
      if (monthly) {
        invoices.setStripeInvoice(monthly.id, invoice.id!);
        return invoices.get(monthly.id);
      }
    }
    const period = (s: number | null | undefined) => new Date((s ?? 0) * 1000).toISOString();
    return invoices.insert({
      partnerId,
      month: null,
      number: invoice.number ?? invoice.id!,
      periodStart: period(invoice.period_start),
      periodEnd: period(invoice.period_end),
      amount: invoice.total ?? 0,
      currency: invoice.currency ?? 'usd',
      lines: [],
      status: 'draft',
      stripeInvoiceId: invoice.id!,
      createdAt: at,
    });
  }

  /** Reversals that arrived before this payment: act on them now, in arrival order. */
  private releaseDeferred(event: Stripe.Event): void {
    const session = event.data.object as Stripe.Checkout.Session;
    const pi = this.deps.purchases.paymentIntentOf(session.id);
    if (!pi) return;
    for (const waiting of this.deps.events.waitingFor(pi)) {
      const deferred = JSON.parse(waiting.payload) as Stripe.Event;
      this.deps.events.settle(waiting.id, this.dispatch(deferred));
    }
  }

  private afterCommit(): void {
    for (const { partnerId, result } of this.deps.purchases.changes.splice(0))
      this.deps.credits.notifyIfCrossed(partnerId, result);
    void this.deps.mailer.flush();
  }
}
