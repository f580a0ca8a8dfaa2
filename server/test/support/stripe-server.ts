// A local, stateful Stripe for tests and benchmarks: the subset of Stripe's REST API the appliance
// uses (customers, Checkout Sessions, invoice items, invoices and their finalize/pay/void/
// mark_uncollectible/send, refunds), form-encoded requests exactly as the SDK sends them,
// Stripe-shaped objects and errors, idempotency keys honoured as Stripe does, call counts per
// endpoint, and signed events (Stripe's own signing scheme) that tests deliver to the appliance's
// webhook in any order, or twice. Test-only actions (pay a Checkout Session, fail a payment, lose a
// dispute) stand in for what a buyer or a bank would do; a Checkout Session's `url` is a hosted
// payment page a browser can complete (pay, then back to success_url, then the signed event).

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Stripe from 'stripe';

type Obj = Record<string, any>;

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Obj };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface LocalStripeOptions {
  secretKey?: string;
  webhookSecret?: string;
  /** Where `deliver()` posts events (the appliance's /stripe/webhook). Settable later. */
  webhookUrl?: string;
  /** The clock of `created` times and signature timestamps (share the appliance's in tests). */
  now?: () => Date;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; message: string; code?: string; param?: string },
  ) {
    super(body.message);
  }
}

const API_VERSION = '2026-11-18.endive';

/** Decodes `a[b][0][c]=1` form bodies (and query strings) into nested objects and arrays. */
export function decodeForm(text: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.split('[').map((p, i) => (i === 0 ? p : p.replace(/]$/, '')));
    let node: any = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]);
      if (last) node[part] = value;
      else node = node[part] ??= nextIsIndex ? [] : {};
    });
  }
  return root;
}

export class LocalStripe {
  readonly secretKey: string;
  readonly webhookSecret: string;
  webhookUrl: string | null;
  url = '';
  /** Requests answered (or held) per endpoint, e.g. `POST /v1/invoices/:id/finalize`. */
  readonly calls = new Map<string, number>();
  /** Every event this Stripe emitted, oldest first. */
  readonly events: StripeEvent[] = [];
  readonly customers = new Map<string, Obj>();
  readonly sessions = new Map<string, Obj>();
  readonly invoices = new Map<string, Obj>();
  readonly invoiceItems = new Map<string, Obj>();
  readonly paymentIntents = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly disputes = new Map<string, Obj>();
  /** The webhook deliveries of payments made on the hosted Checkout page, in order. */
  readonly checkoutDeliveries: Promise<{ status: number; body: any }>[] = [];
  /** Keep the hosted page's checkout.session.completed in `heldCheckoutEvents` for the test to deliver. */
  holdCheckoutEvents = false;
  readonly heldCheckoutEvents: StripeEvent[] = [];

  private readonly now: () => Date;
  private readonly idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private invoiceSeq = 0;
  /** After this many more requests, process but never answer (a crash in the middle of a close). */
  private answerBudget = Number.POSITIVE_INFINITY;
  private readonly held: http.ServerResponse[] = [];
  private readonly heldWaiters: (() => void)[] = [];

  private constructor(options: LocalStripeOptions) {
    this.secretKey = options.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`;
    this.webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    this.webhookUrl = options.webhookUrl ?? null;
    this.now = options.now ?? (() => new Date());
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: LocalStripeOptions = {}): Promise<LocalStripe> {
    const stripe = new LocalStripe(options);
    await new Promise<void>((resolve) => stripe.server.listen(0, '127.0.0.1', resolve));
    stripe.url = `http://127.0.0.1:${(stripe.server.address() as AddressInfo).port}`;
    return stripe;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  callCount(endpoint: string): number {
    return this.calls.get(endpoint) ?? 0;
  }

  totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  /** Answers `n` more requests, then processes the rest without answering until `releaseHeld()`. */
  answerOnly(n: number): void {
    this.answerBudget = n;
  }

  /** Resolves once a request is being held unanswered. */
  whenHolding(): Promise<void> {
    if (this.held.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  /** Drops the held requests' connections (the client saw no answer) and answers normally again. */
  releaseHeld(): void {
    this.answerBudget = Number.POSITIVE_INFINITY;
    for (const res of this.held.splice(0)) res.socket?.destroy();
  }

  // --- test actions: what the buyer, the bank or the Stripe dashboard would do ---

  /** The buyer pays the Checkout Session: a PaymentIntent and Charge appear; returns checkout.session.completed. */
  completeCheckout(sessionId: string, options: { paid?: boolean } = {}): StripeEvent {
    const session = this.mustGet(this.sessions, sessionId, 'checkout.session');
    const paid = options.paid ?? true;
    const pi = this.newPayment(
      session.amount_total,
      session.currency,
      session.customer,
      session.payment_intent_data_metadata,
    );
    Object.assign(session, {
      status: 'complete',
      payment_status: paid ? 'paid' : 'unpaid',
      payment_intent: pi.id,
    });
    return this.emit('checkout.session.completed', session);
  }

  expireCheckout(sessionId: string): StripeEvent {
    const session = this.mustGet(this.sessions, sessionId, 'checkout.session');
    session.status = 'expired';
    return this.emit('checkout.session.expired', session);
  }

  /** Refunds part or all of a payment; returns charge.refunded (the charge with its cumulative amount_refunded). */
  refund(paymentIntentId: string, amount?: number): StripeEvent {
    return this.createRefund({
      payment_intent: paymentIntentId,
      amount: amount === undefined ? undefined : String(amount),
    });
  }

  /** A dispute over a payment, closed as `lost` or `won`; returns charge.dispute.closed. */
  dispute(paymentIntentId: string, outcome: 'lost' | 'won', amount?: number): StripeEvent {
    const pi = this.mustGet(this.paymentIntents, paymentIntentId, 'payment_intent');
    const charge = this.charges.get(pi.latest_charge)!;
    const dispute = {
      id: this.id('dp'),
      object: 'dispute',
      amount: amount ?? charge.amount - charge.amount_refunded,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: pi.id,
      created: this.seconds(),
      livemode: false,
      metadata: {},
      reason: 'fraudulent',
      status: outcome,
      is_charge_refundable: false,
    };
    this.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    return this.emit('charge.dispute.closed', dispute);
  }

  payInvoice(invoiceId: string): StripeEvent {
    return this.invoiceAction(invoiceId, 'pay');
  }

  failInvoicePayment(invoiceId: string): StripeEvent {
    const invoice = this.mustGet(this.invoices, invoiceId, 'invoice');
    if (invoice.status !== 'open') throw new Error(`invoice ${invoiceId} is ${invoice.status}, not open`);
    invoice.attempt_count += 1;
    invoice.attempted = true;
    return this.emit('invoice.payment_failed', invoice);
  }

  markUncollectible(invoiceId: string): StripeEvent {
    return this.invoiceAction(invoiceId, 'mark_uncollectible');
  }

  voidInvoice(invoiceId: string): StripeEvent {
    return this.invoiceAction(invoiceId, 'void');
  }

  /** Stripe-signed POST of `event` to the webhook; override the signature parts to forge or age it. */
  async deliver(
    event: StripeEvent,
    options: { secret?: string; timestamp?: number; body?: string; signature?: string } = {},
  ): Promise<{ status: number; body: any }> {
    if (!this.webhookUrl) throw new Error('no webhookUrl set');
    const payload = options.body ?? JSON.stringify(event, null, 2);
    const header =
      options.signature ??
      Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? this.webhookSecret,
        timestamp: options.timestamp ?? this.seconds(),
      });
    const res = await fetch(this.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': header,
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: payload,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body };
  }

  /** The invoices this Stripe holds for a customer (tests count them). */
  invoicesOf(customerId: string): Obj[] {
    return [...this.invoices.values()].filter((i) => i.customer === customerId);
  }

  // --- the REST API ---

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const hosted = /^\/c\/pay\/([^/]+)$/.exec(url.pathname);
    if (hosted) {
      this.hostedCheckout(method, hosted[1], res);
      return;
    }
    const route = this.route(method, url.pathname);
    const endpoint = `${method} ${route?.template ?? url.pathname}`;
    this.calls.set(endpoint, (this.calls.get(endpoint) ?? 0) + 1);
    const requestId = this.id('req');

    let status = 200;
    let body: string;
    const key = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    const params = method === 'POST' ? decodeForm(raw) : decodeForm(url.search.slice(1));
    const fingerprint = createHash('sha256')
      .update(`${endpoint}\n${url.pathname}\n${JSON.stringify(params)}`)
      .digest('hex');
    const replay = key ? this.idempotency.get(key) : undefined;
    let replayed = false;
    if (!this.authorized(req)) {
      status = 401;
      body = errorBody({ type: 'invalid_request_error', message: 'Invalid API Key provided.' });
    } else if (replay && replay.fingerprint !== fingerprint) {
      status = 400;
      body = errorBody({
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    } else if (replay) {
      ({ status, body } = replay);
      replayed = true;
    } else {
      try {
        if (!route)
          throw new StripeApiError(404, {
            type: 'invalid_request_error',
            message: `Unrecognized request URL (${method}: ${url.pathname}).`,
          });
        body = JSON.stringify(route.run(params), null, 2);
      } catch (err) {
        if (!(err instanceof StripeApiError)) throw err;
        status = err.status;
        body = errorBody(err.body);
      }
      // Stripe keeps the result of a keyed request (errors included) for 24 h.
      if (key && status !== 401) this.idempotency.set(key, { fingerprint, status, body });
    }

    if (this.answerBudget <= 0) {
      this.held.push(res);
      for (const resolve of this.heldWaiters.splice(0)) resolve();
      return;
    }
    this.answerBudget--;
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': requestId,
      'stripe-version': API_VERSION,
      ...(key ? { 'idempotency-key': key } : {}),
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
    res.end(body);
  }

  /**
   * The buyer's side of Checkout (what checkout.stripe.com shows): GET is the payment page, its
   * form POST pays. As with Stripe, the browser is sent back to success_url (with
   * {CHECKOUT_SESSION_ID} filled in) and the signed checkout.session.completed follows on its own,
   * so the page the buyer returns to may load before the credits land.
   */
  private hostedCheckout(method: string, sessionId: string, res: http.ServerResponse): void {
    const session = this.sessions.get(sessionId);
    const page = (status: number, title: string, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`,
      );
    };
    if (!session) {
      page(404, 'Checkout not found', '<p>This payment link does not exist.</p>');
      return;
    }
    if (session.status !== 'open') {
      page(410, 'Checkout closed', `<p>This Checkout Session is ${escapeHtml(session.status)}.</p>`);
      return;
    }
    const amount = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: session.currency.toUpperCase(),
    }).format(session.amount_total / 100);
    if (method === 'GET') {
      const cancel = session.cancel_url
        ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel</a></p>`
        : '';
      page(
        200,
        `Pay ${amount}`,
        `<p>${escapeHtml(session.line_item_names.join(', '))}</p><form method="post"><button type="submit">Pay ${amount}</button></form>${cancel}`,
      );
      return;
    }
    if (method !== 'POST') {
      page(405, 'Method not allowed', '');
      return;
    }
    const event = this.completeCheckout(sessionId);
    res.writeHead(303, { location: session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', sessionId) });
    res.end();
    if (this.holdCheckoutEvents) this.heldCheckoutEvents.push(event);
    else if (this.webhookUrl)
      this.checkoutDeliveries.push(
        this.deliver(event).catch((error: unknown) => ({ status: 0, body: String(error) })),
      );
  }

  private authorized(req: http.IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.secretKey}`;
  }

  private route(method: string, path: string): { template: string; run: (params: Obj) => Obj } | null {
    const table: [string, string, RegExp, (m: RegExpMatchArray, p: Obj) => Obj][] = [
      ['POST', '/v1/customers', /^\/v1\/customers$/, (_m, p) => this.createCustomer(p)],
      [
        'GET',
        '/v1/customers/:id',
        /^\/v1\/customers\/([^/]+)$/,
        (m) => this.mustGet(this.customers, m[1], 'customer'),
      ],
      ['POST', '/v1/checkout/sessions', /^\/v1\/checkout\/sessions$/, (_m, p) => this.createSession(p)],
      [
        'GET',
        '/v1/checkout/sessions/:id',
        /^\/v1\/checkout\/sessions\/([^/]+)$/,
        (m) => this.mustGet(this.sessions, m[1], 'checkout.session'),
      ],
      ['POST', '/v1/invoiceitems', /^\/v1\/invoiceitems$/, (_m, p) => this.createInvoiceItem(p)],
      ['POST', '/v1/invoices', /^\/v1\/invoices$/, (_m, p) => this.createInvoice(p)],
      [
        'GET',
        '/v1/invoices/:id',
        /^\/v1\/invoices\/([^/]+)$/,
        (m) => this.mustGet(this.invoices, m[1], 'invoice'),
      ],
      [
        'POST',
        '/v1/invoices/:id/finalize',
        /^\/v1\/invoices\/([^/]+)\/finalize$/,
        (m, p) => this.finalize(m[1], p),
      ],
      [
        'POST',
        '/v1/invoices/:id/send',
        /^\/v1\/invoices\/([^/]+)\/send$/,
        (m) => this.mustGet(this.invoices, m[1], 'invoice'),
      ],
      [
        'POST',
        '/v1/invoices/:id/pay',
        /^\/v1\/invoices\/([^/]+)\/pay$/,
        (m) => this.invoiceAction(m[1], 'pay').data.object,
      ],
      [
        'POST',
        '/v1/invoices/:id/void',
        /^\/v1\/invoices\/([^/]+)\/void$/,
        (m) => this.invoiceAction(m[1], 'void').data.object,
      ],
      [
        'POST',
        '/v1/invoices/:id/mark_uncollectible',
        /^\/v1\/invoices\/([^/]+)\/mark_uncollectible$/,
        (m) => this.invoiceAction(m[1], 'mark_uncollectible').data.object,
      ],
      ['POST', '/v1/refunds', /^\/v1\/refunds$/, (_m, p) => this.createRefund(p).data.object],
    ];
    for (const [m, template, pattern, run] of table) {
      if (m !== method) continue;
      const match = path.match(pattern);
      if (match) return { template, run: (params) => run(match, params) };
    }
    return null;
  }

  private createCustomer(p: Obj): Obj {
    const customer = {
      id: this.id('cus'),
      object: 'customer',
      created: this.seconds(),
      email: p.email ?? null,
      name: p.name ?? null,
      metadata: p.metadata ?? {},
      livemode: false,
      balance: 0,
      currency: null,
      delinquent: false,
      invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  private createSession(p: Obj): Obj {
    if (p.mode !== 'payment') throw missing('mode', 'Only mode=payment is supported here.');
    if (!p.success_url) throw missing('success_url');
    if (p.customer) this.mustGet(this.customers, p.customer, 'customer', 'customer');
    const items: Obj[] = p.line_items ?? [];
    if (items.length === 0) throw missing('line_items');
    let total = 0;
    let currency = '';
    items.forEach((item, i) => {
      const unit = int(item.price_data?.unit_amount, `line_items[${i}][price_data][unit_amount]`);
      total += unit * int(item.quantity ?? '1', `line_items[${i}][quantity]`);
      currency = item.price_data?.currency ?? currency;
    });
    const id = `cs_test_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'a')}`;
    const session = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: total,
      amount_total: total,
      currency,
      customer: p.customer ?? null,
      client_reference_id: p.client_reference_id ?? null,
      metadata: p.metadata ?? {},
      success_url: p.success_url,
      cancel_url: p.cancel_url ?? null,
      payment_intent: null,
      url: `${this.url}/c/pay/${id}`,
      created: this.seconds(),
      expires_at: this.seconds() + 24 * 3600,
      livemode: false,
    };
    this.sessions.set(id, session);
    // Kept aside: Stripe puts it on the PaymentIntent it creates at payment time.
    Object.defineProperty(session, 'payment_intent_data_metadata', {
      value: p.payment_intent_data?.metadata ?? {},
      enumerable: false,
    });
    // Kept aside for the hosted page (Stripe lists line items at their own endpoint).
    Object.defineProperty(session, 'line_item_names', {
      value: items.map((item) => String(item.price_data?.product_data?.name ?? 'Item')),
      enumerable: false,
    });
    return session;
  }

  private createInvoice(p: Obj): Obj {
    const customer = this.mustGet(this.customers, p.customer, 'customer', 'customer');
    if (p.collection_method === 'send_invoice' && p.days_until_due === undefined)
      throw missing('days_until_due', 'days_until_due is required with collection_method=send_invoice.');
    const id = this.id('in');
    const invoice = {
      id,
      object: 'invoice',
      customer: customer.id,
      currency: p.currency ?? 'usd',
      description: p.description ?? null,
      collection_method: p.collection_method ?? 'charge_automatically',
      days_until_due: p.days_until_due === undefined ? null : int(p.days_until_due, 'days_until_due'),
      auto_advance: p.auto_advance === 'true',
      metadata: p.metadata ?? {},
      status: 'draft',
      number: null,
      amount_due: 0,
      amount_paid: 0,
      amount_remaining: 0,
      subtotal: 0,
      total: 0,
      attempt_count: 0,
      attempted: false,
      lines: {
        object: 'list',
        data: [] as Obj[],
        has_more: false,
        total_count: 0,
        url: `/v1/invoices/${id}/lines`,
      },
      hosted_invoice_url: null,
      invoice_pdf: null,
      period_start: this.seconds(),
      period_end: this.seconds(),
      created: this.seconds(),
      due_date: null,
      status_transitions: {
        finalized_at: null,
        paid_at: null,
        voided_at: null,
        marked_uncollectible_at: null,
      },
      livemode: false,
    };
    this.invoices.set(id, invoice);
    return invoice;
  }

  private createInvoiceItem(p: Obj): Obj {
    const customer = this.mustGet(this.customers, p.customer, 'customer', 'customer');
    const invoice = p.invoice ? this.mustGet(this.invoices, p.invoice, 'invoice', 'invoice') : null;
    if (invoice && invoice.status !== 'draft')
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'invoice_not_editable',
        param: 'invoice',
        message: `You can only add invoice items to draft invoices; ${invoice.id} is ${invoice.status}.`,
      });
    const quantity = int(p.quantity ?? '1', 'quantity');
    let amount: number;
    let unit: string;
    if (p.unit_amount_decimal !== undefined) {
      unit = String(p.unit_amount_decimal);
      amount = Math.round(quantity * Number(unit));
    } else if (p.amount !== undefined) {
      amount = int(p.amount, 'amount');
      unit = String(amount / quantity);
    } else throw missing('amount', 'One of amount, unit_amount_decimal, price_data or pricing is required.');
    const item = {
      id: this.id('ii'),
      object: 'invoiceitem',
      amount,
      currency: p.currency ?? invoice?.currency ?? 'usd',
      customer: customer.id,
      date: this.seconds(),
      description: p.description ?? null,
      discountable: true,
      invoice: invoice?.id ?? null,
      livemode: false,
      metadata: p.metadata ?? {},
      period: {
        start: int(p.period?.start ?? String(this.seconds()), 'period[start]'),
        end: int(p.period?.end ?? String(this.seconds()), 'period[end]'),
      },
      pricing: { type: 'price_details', unit_amount_decimal: unit },
      proration: false,
      quantity,
      quantity_decimal: String(quantity),
    };
    this.invoiceItems.set(item.id, item);
    if (invoice) {
      invoice.lines.data.push({
        id: this.id('il'),
        object: 'line_item',
        amount,
        currency: item.currency,
        description: item.description,
        quantity,
        period: item.period,
        metadata: item.metadata,
        invoice: invoice.id,
      });
      invoice.lines.total_count = invoice.lines.data.length;
      invoice.subtotal =
        invoice.total =
        invoice.amount_due =
        invoice.amount_remaining =
          invoice.lines.data.reduce((s: number, l: Obj) => s + l.amount, 0);
      invoice.period_start = Math.min(...invoice.lines.data.map((l: Obj) => l.period.start));
      invoice.period_end = Math.max(...invoice.lines.data.map((l: Obj) => l.period.end));
    }
    return item;
  }

  private finalize(id: string, p: Obj): Obj {
    const invoice = this.mustGet(this.invoices, id, 'invoice');
    if (invoice.status !== 'draft')
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'invoice_not_editable',
        message: `This invoice is already finalized, you can't re-finalize a non-draft invoice.`,
      });
    const customer = this.customers.get(invoice.customer)!;
    Object.assign(invoice, {
      status: 'open',
      number: `${customer.invoice_prefix}-${String(++this.invoiceSeq).padStart(4, '0')}`,
      hosted_invoice_url: `${this.url}/i/${invoice.id}`,
      invoice_pdf: `${this.url}/i/${invoice.id}/pdf`,
      auto_advance: p.auto_advance === undefined ? invoice.auto_advance : p.auto_advance === 'true',
      due_date: invoice.days_until_due === null ? null : this.seconds() + invoice.days_until_due * 86_400,
    });
    invoice.status_transitions.finalized_at = this.seconds();
    this.emit('invoice.finalized', invoice);
    return invoice;
  }

  private invoiceAction(id: string, action: 'pay' | 'void' | 'mark_uncollectible'): StripeEvent {
    const invoice = this.mustGet(this.invoices, id, 'invoice');
    const allowed = action === 'void' ? ['open', 'uncollectible'] : ['open', 'uncollectible'];
    if (!allowed.includes(invoice.status))
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'invoice_unexpected_state',
        message: `Invoice ${id} is ${invoice.status}; it cannot be ${action === 'pay' ? 'paid' : action === 'void' ? 'voided' : 'marked uncollectible'}.`,
      });
    const now = this.seconds();
    if (action === 'pay') {
      Object.assign(invoice, { status: 'paid', amount_paid: invoice.amount_due, amount_remaining: 0 });
      invoice.status_transitions.paid_at = now;
      return this.emit('invoice.paid', invoice);
    }
    if (action === 'void') {
      invoice.status = 'void';
      invoice.status_transitions.voided_at = now;
      return this.emit('invoice.voided', invoice);
    }
    invoice.status = 'uncollectible';
    invoice.status_transitions.marked_uncollectible_at = now;
    return this.emit('invoice.marked_uncollectible', invoice);
  }

  private createRefund(p: Obj): StripeEvent {
    const pi = p.payment_intent
      ? this.mustGet(this.paymentIntents, p.payment_intent, 'payment_intent', 'payment_intent')
      : null;
    const charge = pi
      ? this.charges.get(pi.latest_charge)
      : p.charge
        ? this.mustGet(this.charges, p.charge, 'charge', 'charge')
        : null;
    if (!charge) throw missing('payment_intent', 'One of payment_intent or charge is required.');
    const left = charge.amount - charge.amount_refunded;
    const amount = p.amount === undefined ? left : int(p.amount, 'amount');
    if (amount <= 0 || amount > left)
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        param: 'amount',
        message: `Refund amount (${amount}) is greater than the unrefunded amount on the charge (${left}).`,
      });
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    return this.emit('charge.refunded', charge);
  }

  private newPayment(amount: number, currency: string, customer: string | null, metadata: Obj): Obj {
    const pi = {
      id: this.id('pi'),
      object: 'payment_intent',
      amount,
      currency,
      customer,
      status: 'succeeded',
      metadata,
      latest_charge: '',
    };
    const charge = {
      id: this.id('ch'),
      object: 'charge',
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      currency,
      customer,
      payment_intent: pi.id,
      paid: true,
      refunded: false,
      disputed: false,
      status: 'succeeded',
      metadata,
      created: this.seconds(),
      livemode: false,
    };
    pi.latest_charge = charge.id;
    this.paymentIntents.set(pi.id, pi);
    this.charges.set(charge.id, charge);
    return pi;
  }

  private emit(type: string, object: Obj): StripeEvent {
    const event: StripeEvent = {
      id: this.id('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: this.seconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    return event;
  }

  private mustGet(map: Map<string, Obj>, id: string | undefined, kind: string, param?: string): Obj {
    if (!id) throw missing(param ?? 'id');
    const found = map.get(id);
    if (!found)
      throw new StripeApiError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        ...(param ? { param } : {}),
        message: `No such ${kind}: '${id}'`,
      });
    return found;
  }

  private seconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private id(prefix: string): string {
    return `${prefix}_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorBody(error: StripeApiError['body']): string {
  return JSON.stringify({ error: { ...error, doc_url: 'https://docs.stripe.com/error-codes' } }, null, 2);
}

function missing(param: string, message = `Missing required param: ${param}.`): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    param,
    message,
  });
}

function int(value: unknown, param: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'parameter_invalid_integer',
      param,
      message: `Invalid integer: ${String(value)}`,
    });
  return n;
}
