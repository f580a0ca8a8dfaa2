-- twin of 020_billing.sql sha256:8f2b702aa218106c
-- Money: credit purchases through Stripe Checkout, the operator's prices and bundles, monthly
-- invoices and the reports of each month close, billing status per partner and the inbox of signed
-- Stripe events (each stored once, by its id, before it is acted on).

-- The credit ledger gains the Stripe-backed reasons, the Stripe object behind an entry and the
-- shortfall of a take-back the balance could not cover (never below zero: the rest is recorded).
-- (PostgreSQL changes the table in place where SQLite rebuilds it: same columns, same order, same
-- checks; the append-only triggers of 005 stay. New columns fire no row triggers.)
ALTER TABLE credit_entries DROP CONSTRAINT credit_entries_reason_check;
ALTER TABLE credit_entries ADD CONSTRAINT credit_entries_reason_check CHECK (reason IN ('grant',
  'adjustment', 'purchase', 'purchase_refund', 'dispute_lost', 'fax_reservation', 'fax_refund'));
ALTER TABLE credit_entries DROP CONSTRAINT credit_entries_amount_check;
-- The Checkout Session, charge or dispute the entry comes from (purchases and their reversals).
ALTER TABLE credit_entries ADD COLUMN stripe_object_id TEXT;
-- Credits a take-back could not take because the balance was lower: owed, shown, never negative.
ALTER TABLE credit_entries ADD COLUMN shortfall INTEGER NOT NULL DEFAULT 0 CHECK (shortfall >= 0);
ALTER TABLE credit_entries ADD CHECK (amount <> 0 OR shortfall > 0);
-- A purchase is credited once, whatever Stripe delivers twice.
CREATE UNIQUE INDEX credit_entries_purchase ON credit_entries (stripe_object_id) WHERE reason = 'purchase';

-- Monthly price and inbound allowance per tier; overage per page NULL = reported, not billed.
-- Amounts are in the currency's minor unit (cents).
CREATE TABLE billing_prices (
  tier TEXT PRIMARY KEY CHECK (tier IN ('personal', 'business')),
  monthly_amount INTEGER NOT NULL CHECK (monthly_amount >= 0),
  included_pages INTEGER NOT NULL CHECK (included_pages >= 0),
  overage_amount INTEGER CHECK (overage_amount IS NULL OR overage_amount >= 0),
  currency TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
INSERT INTO billing_prices VALUES
  ('personal', 250, 200, NULL, 'usd', '1970-01-01T00:00:00.000Z'),
  ('business', 750, 1000, NULL, 'usd', '1970-01-01T00:00:00.000Z');

-- What partners can buy. The id is the operator's own name for it (what POST /purchase names);
-- a bundle removed from the list stays as inactive so past purchases still name it.
CREATE TABLE credit_bundles (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  credits INTEGER NOT NULL CHECK (credits > 0),
  amount INTEGER NOT NULL CHECK (amount > 0),
  currency TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  position INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
INSERT INTO credit_bundles VALUES
  ('credits-100', '100 fax credits', 100, 1000, 'usd', 1, 1, '1970-01-01T00:00:00.000Z'),
  ('credits-500', '500 fax credits', 500, 4500, 'usd', 1, 2, '1970-01-01T00:00:00.000Z'),
  ('credits-2500', '2,500 fax credits', 2500, 20000, 'usd', 1, 3, '1970-01-01T00:00:00.000Z');

-- One row per partner once billing first concerns it: its Stripe Customer and billing status.
-- `derived_status` is what the Stripe events say; `status` is what applies (an operator override
-- stands until the events say something new).
CREATE TABLE billing_accounts (
  partner_id TEXT PRIMARY KEY REFERENCES partners (id),
  stripe_customer_id TEXT UNIQUE,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'past_due', 'canceled')),
  derived_status TEXT NOT NULL DEFAULT 'active' CHECK (derived_status IN ('active', 'past_due', 'canceled')),
  past_due_since TEXT,
  status_changed_at TEXT,
  override_note TEXT,
  override_by TEXT,
  override_at TEXT,
  updated_at TEXT NOT NULL
);

-- A bundle bought through Stripe Checkout: written before Stripe is called, credited once when the
-- signed checkout.session.completed arrives, reversed (in proportion) by refunds and lost disputes.
CREATE TABLE credit_purchases (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  bundle_id TEXT NOT NULL,
  credits INTEGER NOT NULL CHECK (credits > 0),
  amount INTEGER NOT NULL CHECK (amount > 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'open', 'paid', 'expired')),
  checkout_session_id TEXT UNIQUE,
  checkout_url TEXT,
  payment_intent_id TEXT UNIQUE,
  -- The most Stripe has reported refunded on the payment (charge.amount_refunded only grows).
  refunded_amount INTEGER NOT NULL DEFAULT 0,
  disputed_amount INTEGER NOT NULL DEFAULT 0,
  -- Credits taken back so far, shortfalls included.
  credits_taken_back INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  paid_at TEXT
);
CREATE INDEX credit_purchases_partner ON credit_purchases (partner_id, id);

-- Lost disputes already counted against a purchase (a payment can be disputed more than once).
CREATE TABLE credit_purchase_disputes (
  dispute_id TEXT PRIMARY KEY,
  purchase_id TEXT NOT NULL REFERENCES credit_purchases (id),
  amount INTEGER NOT NULL,
  closed_at TEXT NOT NULL
);

-- One invoice per partner and closed month (written before any Stripe call: the close's
-- idempotency anchor), or an invoice Stripe told us about that the appliance did not make (month NULL).
CREATE TABLE invoices (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  month TEXT,
  number TEXT NOT NULL,
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  -- JSON array of the lines (tier, kind, quantity, unit amount, amount, description).
  lines TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
  stripe_invoice_id TEXT UNIQUE,
  -- Lines already added to the Stripe invoice: where a close interrupted halfway resumes.
  stripe_lines_added INTEGER NOT NULL DEFAULT 0,
  hosted_invoice_url TEXT,
  pdf_url TEXT,
  -- Each set once, to the earliest Stripe event that reported it (so event order does not matter).
  finalized_at TEXT,
  payment_failed_at TEXT,
  paid_at TEXT,
  uncollectible_at TEXT,
  voided_at TEXT,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX invoices_partner_month ON invoices (partner_id, month) WHERE month IS NOT NULL;
CREATE INDEX invoices_partner ON invoices (partner_id, id);

-- One report per month-close run: every partner, its amount and its Stripe invoice id (JSON lines).
CREATE TABLE billing_closes (
  id TEXT PRIMARY KEY,
  month TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'cli')),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  partners INTEGER NOT NULL,
  invoiced INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  stripe_calls INTEGER NOT NULL,
  lines TEXT NOT NULL
);
CREATE INDEX billing_closes_month ON billing_closes (month, id);

-- The Stripe event inbox: every verified event once, in the order it arrived, with what it did.
CREATE TABLE stripe_events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  stripe_created_at TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL,
  partner_id TEXT,
  -- applied | ignored | deferred (waits for the purchase it reverses) | unhandled (type not used)
  outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'ignored', 'deferred', 'unhandled')),
  detail TEXT,
  -- For a deferred event: the payment it waits for.
  waits_for TEXT
);
CREATE INDEX stripe_events_waiting ON stripe_events (waits_for) WHERE outcome = 'deferred';
CREATE INDEX stripe_events_partner ON stripe_events (partner_id, seq);
