// The appliance's only door to Stripe: the official SDK, pointed at FAXSEAL_STRIPE_API_BASE, with
// the handful of calls billing makes (customers, Checkout Sessions, invoices and their items) and
// the verification of signed webhook events. Every write carries an idempotency key from its caller.

import Stripe from 'stripe';
import type { Config } from '../config/config.ts';
import { DomainError } from '../domain-error.ts';

/** Stripe's own clock tolerance for webhook signatures. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface InvoiceLineRequest {
  description: string;
  quantity: number;
  /** Cents per unit. */
  unitAmount: number;
  currency: string;
  period: { start: Date; end: Date };
  metadata: Record<string, string>;
}

export class StripeGateway {
  private readonly client: Stripe;
  /** Requests made (retries by the SDK not included): the month close reports it. */
  calls = 0;

  constructor(
    secretKey: string,
    private readonly webhookSecret: string,
    apiBase: string,
  ) {
    const base = new URL(apiBase);
    this.client = new Stripe(secretKey, {
      host: base.hostname,
      port: base.port ? Number(base.port) : base.protocol === 'https:' ? 443 : 80,
      protocol: base.protocol === 'http:' ? 'http' : 'https',
      // The SDK retries connection errors and 409/5xx with the same idempotency key: safe.
      maxNetworkRetries: 2,
      timeout: 30_000,
      telemetry: false,
      appInfo: { name: 'FaxSeal' },
    });
  }

  /** Null when Stripe is not configured (the appliance then bills locally only). */
  static fromConfig(config: Config): StripeGateway | null {
    if (!config.stripeSecretKey || !config.stripeWebhookSecret) return null;
    return new StripeGateway(config.stripeSecretKey, config.stripeWebhookSecret, config.stripeApiBase);
  }

  /**
   * The event, if the signature header is Stripe's over exactly these bytes and at most 300 s from
   * `now`; throws Stripe's signature error otherwise.
   */
  verifyEvent(rawBody: Buffer, signatureHeader: string, now: Date): Stripe.Event {
    // The SDK only refuses old timestamps; one from the future is as suspect (a replay kept for later).
    const signedAt = Number(/(?:^|,)t=(\d+)/.exec(signatureHeader)?.[1]);
    if (signedAt - now.getTime() / 1000 > SIGNATURE_TOLERANCE_SECONDS)
      throw new Stripe.errors.StripeSignatureVerificationError(signatureHeader, rawBody, {
        message: 'Timestamp is in the future, outside the tolerance zone',
      });
    return this.client.webhooks.constructEvent(
      rawBody,
      signatureHeader,
      this.webhookSecret,
      SIGNATURE_TOLERANCE_SECONDS,
      undefined,
      now.getTime(), // milliseconds: the SDK divides by 1000 itself
    );
  }

  createCustomer(
    partner: { id: string; companyName: string; email: string },
    idempotencyKey: string,
  ): Promise<Stripe.Customer> {
    return this.call(() =>
      this.client.customers.create(
        { name: partner.companyName, email: partner.email, metadata: { faxseal_partner_id: partner.id } },
        { idempotencyKey },
      ),
    );
  }

  createCheckoutSession(
    params: {
      customer: string;
      partnerId: string;
      purchaseId: string;
      bundle: { id: string; name: string; credits: number; amount: number; currency: string };
      successUrl: string;
      cancelUrl: string;
    },
    idempotencyKey: string,
  ): Promise<Stripe.Checkout.Session> {
    const metadata = {
      faxseal_partner_id: params.partnerId,
      faxseal_purchase_id: params.purchaseId,
      faxseal_bundle_id: params.bundle.id,
      faxseal_credits: String(params.bundle.credits),
    };
    return this.call(() =>
      this.client.checkout.sessions.create(
        {
          mode: 'payment',
          customer: params.customer,
          client_reference_id: params.partnerId,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: params.bundle.currency,
                unit_amount: params.bundle.amount,
                product_data: { name: params.bundle.name },
              },
            },
          ],
          success_url: params.successUrl,
          cancel_url: params.cancelUrl,
          metadata,
          // The charge, its refunds and disputes name the purchase too.
          payment_intent_data: { metadata },
        },
        { idempotencyKey },
      ),
    );
  }

  /** A draft invoice that takes only the items added to it (auto-advance off until finalized). */
  createInvoice(
    params: { customer: string; currency: string; description: string; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<Stripe.Invoice> {
    return this.call(() =>
      this.client.invoices.create(
        {
          customer: params.customer,
          currency: params.currency,
          description: params.description,
          collection_method: 'send_invoice',
          days_until_due: 30,
          auto_advance: false,
          pending_invoice_items_behavior: 'exclude',
          metadata: params.metadata,
        },
        { idempotencyKey },
      ),
    );
  }

  addInvoiceLine(
    customer: string,
    invoiceId: string,
    line: InvoiceLineRequest,
    idempotencyKey: string,
  ): Promise<Stripe.InvoiceItem> {
    return this.call(() =>
      this.client.invoiceItems.create(
        {
          customer,
          invoice: invoiceId,
          currency: line.currency,
          description: line.description,
          quantity: line.quantity,
          unit_amount_decimal: Stripe.Decimal.from(line.unitAmount),
          period: { start: seconds(line.period.start), end: seconds(line.period.end) },
          metadata: line.metadata,
        },
        { idempotencyKey },
      ),
    );
  }

  /** Finalizes and hands the invoice to Stripe's collection (it emails the hosted invoice). */
  finalizeInvoice(invoiceId: string, idempotencyKey: string): Promise<Stripe.Invoice> {
    return this.call(() =>
      this.client.invoices.finalizeInvoice(invoiceId, { auto_advance: true }, { idempotencyKey }),
    );
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    this.calls++;
    return request();
  }
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A Stripe failure as the partner sees it: Stripe is unreachable or refused; nothing was charged. */
export function stripeUnavailable(err: unknown): DomainError {
  const message = err instanceof Stripe.errors.StripeError ? err.message : (err as Error).message;
  return new DomainError(
    'unavailable',
    'stripe_unavailable',
    'Stripe did not answer',
    `Stripe refused or could not be reached (${message}); nothing was charged. Try again later.`,
  );
}

export type { Stripe };
