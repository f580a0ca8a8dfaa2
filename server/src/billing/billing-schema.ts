// Money as the API shows it: prices and credit bundles, purchases through Stripe Checkout, the
// partner's billing status and invoices, month-close reports and the operator's billing view.
// Amounts are integers in the currency's minor unit (cents), as Stripe counts them.

import { type Static, Type } from 'typebox';
import { CreditBalanceSchema } from '../credits/credit-schema.ts';
import { literals, nullable, Page, PageQuery, Timestamp } from '../http/schema.ts';
import { TierSchema } from '../numbers/number-schema.ts';

const Cents = Type.Integer({ minimum: 0, description: "In the currency's minor unit (cents)" });
const Currency = Type.String({ pattern: '^[a-z]{3}$', description: 'ISO 4217, lower case (usd)' });
const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (UTC)' });

export const MoneySchema = Type.Object({ amount: Cents, currency: Currency });
export type Money = Static<typeof MoneySchema>;

export const BillingStatusSchema = literals('active', 'past_due', 'canceled');
export type BillingStatus = Static<typeof BillingStatusSchema>;

// --- prices and bundles (operator-set, in the database) ---

export const TierPriceSchema = Type.Object(
  {
    monthlyAmount: Type.Integer({
      minimum: 0,
      maximum: 10_000_000,
      description: 'Per number per month, cents',
    }),
    includedPages: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: 'Inbound pages per number per month',
    }),
    overagePerPage: nullable(
      Type.Integer({
        minimum: 0,
        maximum: 100_000,
        description: 'Cents per inbound page past the allowance',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TierPrice = Static<typeof TierPriceSchema>;

export const PricesSchema = Type.Object(
  {
    currency: Currency,
    tiers: Type.Object(
      { personal: TierPriceSchema, business: TierPriceSchema },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description: 'overagePerPage null: overage is reported on the invoice but not billed',
  },
);
export type Prices = Static<typeof PricesSchema>;

export const BundleSchema = Type.Object({
  id: Type.String({ description: 'What POST /credits/purchase names as `bundle`' }),
  name: Type.String(),
  credits: Type.Integer({ description: '1 credit sends 1 page' }),
  price: MoneySchema,
});
export type Bundle = Static<typeof BundleSchema>;

export const BundleListSchema = Type.Object({ items: Type.Array(BundleSchema) });
export type BundleList = Static<typeof BundleListSchema>;

export const BundleInputSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    credits: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    price: Type.Object(
      { amount: Type.Integer({ minimum: 50, maximum: 99_999_999 }), currency: Currency },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export const BundlesPutSchema = Type.Object(
  { items: Type.Array(BundleInputSchema, { maxItems: 50 }) },
  { additionalProperties: false, description: 'The whole list: bundles left out can no longer be bought' },
);
export type BundlesPut = Static<typeof BundlesPutSchema>;

// --- purchases ---

// Not format 'uri': Stripe's {CHECKOUT_SESSION_ID} template (replaced by Stripe on the way back)
// has braces, which RFC 3986 leaves out; everything else is a URI's own characters.
const ReturnUrl = Type.String({
  maxLength: 2000,
  pattern: "^https?://[A-Za-z0-9._~:/?#\\[\\]@!$&'()*+,;=%{}-]+$",
  description: 'An http(s) URL; {CHECKOUT_SESSION_ID} in it becomes the Checkout Session id',
});

export const PurchaseRequestSchema = Type.Object(
  {
    bundle: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'A bundle id from GET /credits/bundles',
    }),
    successUrl: Type.Optional(ReturnUrl),
    cancelUrl: Type.Optional(ReturnUrl),
  },
  { additionalProperties: false },
);
export type PurchaseRequest = Static<typeof PurchaseRequestSchema>;

export const PurchaseResultSchema = Type.Object({
  checkoutUrl: Type.String({ description: "Stripe Checkout: send the buyer's browser here" }),
  checkoutSessionId: Type.String(),
  purchaseId: Type.String(),
  credits: Type.Integer(),
  price: MoneySchema,
});
export type PurchaseResult = Static<typeof PurchaseResultSchema>;

export const PurchaseStatusSchema = literals('pending', 'open', 'paid', 'expired');

export const PurchaseSchema = Type.Object({
  id: Type.String(),
  bundleId: Type.String(),
  credits: Type.Integer(),
  price: MoneySchema,
  status: PurchaseStatusSchema,
  checkoutSessionId: nullable(Type.String()),
  paymentIntentId: nullable(Type.String()),
  refundedAmount: Type.Integer(),
  disputedAmount: Type.Integer(),
  creditsTakenBack: Type.Integer(),
  createdAt: Timestamp,
  paidAt: nullable(Timestamp),
});
export type Purchase = Static<typeof PurchaseSchema>;

// --- invoices ---

export const InvoiceLineSchema = Type.Object({
  kind: literals('numbers', 'overage'),
  tier: TierSchema,
  description: Type.String(),
  quantity: Type.Integer({ description: 'Numbers active at any time in the month, or overage pages' }),
  unitAmount: nullable(Type.Integer({ description: 'Cents; null for overage the operator does not price' })),
  amount: Cents,
  billed: Type.Boolean({ description: 'false: reported only (unpriced overage)' }),
});
export type InvoiceLine = Static<typeof InvoiceLineSchema>;

export const InvoiceStatusSchema = literals('draft', 'open', 'paid', 'void', 'uncollectible');
export type InvoiceStatus = Static<typeof InvoiceStatusSchema>;

export const InvoiceSchema = Type.Object({
  id: Type.String(),
  number: Type.String({ description: "Stripe's invoice number once issued there, else the appliance's own" }),
  month: nullable(Month),
  periodStart: Timestamp,
  periodEnd: Timestamp,
  amount: Cents,
  currency: Currency,
  status: InvoiceStatusSchema,
  lines: Type.Array(InvoiceLineSchema),
  stripeInvoiceId: nullable(Type.String()),
  hostedInvoiceUrl: nullable(Type.String({ description: "Stripe's payment page; null without Stripe" })),
  pdfUrl: nullable(Type.String()),
  createdAt: Timestamp,
});
export type Invoice = Static<typeof InvoiceSchema>;

export const InvoicePageSchema = Page(InvoiceSchema);
export type InvoicePage = Static<typeof InvoicePageSchema>;
export const InvoiceListQuerySchema = Type.Object({ ...PageQuery }, { additionalProperties: false });

// --- the partner's billing overview ---

export const MonthUsageSchema = Type.Object({
  month: Month,
  numbers: Type.Object({ personal: Type.Integer(), business: Type.Integer() }),
  inboundPages: Type.Integer(),
  overagePages: Type.Integer(),
  estimatedAmount: MoneySchema,
});
export type MonthUsage = Static<typeof MonthUsageSchema>;

export const BillingOverviewSchema = Type.Object({
  status: BillingStatusSchema,
  lastInvoiceAt: nullable(Timestamp),
  nextInvoiceAt: Timestamp,
  pastDueSince: nullable(Timestamp),
  graceEndsAt: nullable(
    Type.String({ format: 'date-time', description: 'Past due: from then on outbound sends get 402' }),
  ),
  currentMonth: MonthUsageSchema,
});
export type BillingOverview = Static<typeof BillingOverviewSchema>;

// --- month close ---

export const CloseLineSchema = Type.Object({
  partnerId: Type.String(),
  companyName: Type.String(),
  outcome: literals('invoiced', 'already_invoiced', 'local_only', 'nothing_to_bill', 'failed'),
  amount: Cents,
  currency: Currency,
  numbers: Type.Object({ personal: Type.Integer(), business: Type.Integer() }),
  overagePages: Type.Integer(),
  invoiceId: nullable(Type.String()),
  invoiceNumber: nullable(Type.String()),
  stripeInvoiceId: nullable(Type.String()),
  error: nullable(Type.String()),
});
export type CloseLine = Static<typeof CloseLineSchema>;

export const CloseSummarySchema = Type.Object({
  id: Type.String(),
  month: Month,
  trigger: literals('schedule', 'cli'),
  startedAt: Timestamp,
  finishedAt: Timestamp,
  partners: Type.Integer(),
  invoiced: Type.Integer({ description: 'Partners with an invoice for the month after this run' }),
  failed: Type.Integer(),
  total: MoneySchema,
  stripeCalls: Type.Integer(),
});
export type CloseSummary = Static<typeof CloseSummarySchema>;

export const CloseReportSchema = Type.Intersect([
  CloseSummarySchema,
  Type.Object({ lines: Type.Array(CloseLineSchema) }),
]);
export type CloseReport = Static<typeof CloseReportSchema>;

export const CloseListSchema = Page(CloseSummarySchema);
export type CloseList = Static<typeof CloseListSchema>;
export const CloseListQuerySchema = Type.Object(
  { ...PageQuery, month: Type.Optional(Month) },
  { additionalProperties: false },
);

// --- the operator's view of one partner ---

export const StripeEventSummarySchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  createdAt: Timestamp,
  receivedAt: Timestamp,
  outcome: literals('applied', 'ignored', 'deferred', 'unhandled'),
  detail: nullable(Type.String()),
});
export type StripeEventSummary = Static<typeof StripeEventSummarySchema>;

export const AdminBillingSchema = Type.Object({
  partnerId: Type.String(),
  companyName: Type.String(),
  status: BillingStatusSchema,
  statusFromStripe: BillingStatusSchema,
  pastDueSince: nullable(Timestamp),
  graceEndsAt: nullable(Timestamp),
  override: nullable(Type.Object({ note: Type.String(), by: Type.String(), at: Timestamp })),
  stripeCustomerId: nullable(Type.String()),
  credits: Type.Intersect([
    CreditBalanceSchema,
    Type.Object({ shortfall: Type.Integer({ description: 'Credits owed by take-backs past the balance' }) }),
  ]),
  currentMonth: MonthUsageSchema,
  invoices: Type.Array(InvoiceSchema),
  purchases: Type.Array(PurchaseSchema),
  events: Type.Array(StripeEventSummarySchema),
});
export type AdminBilling = Static<typeof AdminBillingSchema>;

export const StatusOverrideSchema = Type.Object(
  {
    status: BillingStatusSchema,
    note: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'Why: kept with the status and in the audit log',
    }),
  },
  { additionalProperties: false },
);
export type StatusOverride = Static<typeof StatusOverrideSchema>;
