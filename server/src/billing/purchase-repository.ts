// Credit purchases (`credit_purchases`) and the lost disputes counted against them
// (`credit_purchase_disputes`): what was bought, whether Stripe says it was paid, and how much of
// it refunds and disputes have taken back.

import type { Db } from '../storage/database.ts';
import type { Purchase } from './billing-schema.ts';

/** The stored purchase: the API's Purchase plus its partner. */
export interface PurchaseRecord extends Purchase {
  partnerId: string;
}

interface PurchaseRow {
  id: string;
  partner_id: string;
  bundle_id: string;
  credits: number;
  amount: number;
  currency: string;
  status: Purchase['status'];
  checkout_session_id: string | null;
  payment_intent_id: string | null;
  refunded_amount: number;
  disputed_amount: number;
  credits_taken_back: number;
  created_at: string;
  paid_at: string | null;
}

const toPurchase = (r: PurchaseRow): PurchaseRecord => ({
  id: r.id,
  partnerId: r.partner_id,
  bundleId: r.bundle_id,
  credits: r.credits,
  price: { amount: r.amount, currency: r.currency },
  status: r.status,
  checkoutSessionId: r.checkout_session_id,
  paymentIntentId: r.payment_intent_id,
  refundedAmount: r.refunded_amount,
  disputedAmount: r.disputed_amount,
  creditsTakenBack: r.credits_taken_back,
  createdAt: r.created_at,
  paidAt: r.paid_at,
});

export interface NewPurchase {
  id: string;
  partnerId: string;
  bundleId: string;
  credits: number;
  amount: number;
  currency: string;
  status: 'pending' | 'paid';
  checkoutSessionId?: string | null;
  createdAt: string;
}

export class PurchaseRepository {
  constructor(private readonly db: Db) {}

  insert(p: NewPurchase): PurchaseRecord {
    this.db
      .prepare(
        `INSERT INTO credit_purchases (id, partner_id, bundle_id, credits, amount, currency, status,
           checkout_session_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.id,
        p.partnerId,
        p.bundleId,
        p.credits,
        p.amount,
        p.currency,
        p.status,
        p.checkoutSessionId ?? null,
        p.createdAt,
      );
    return this.get(p.id)!;
  }

  get(id: string): PurchaseRecord | null {
    const row = this.db.prepare('SELECT * FROM credit_purchases WHERE id = ?').get(id) as
      | PurchaseRow
      | undefined;
    return row ? toPurchase(row) : null;
  }

  bySession(checkoutSessionId: string): PurchaseRecord | null {
    const row = this.db
      .prepare('SELECT * FROM credit_purchases WHERE checkout_session_id = ?')
      .get(checkoutSessionId) as PurchaseRow | undefined;
    return row ? toPurchase(row) : null;
  }

  byPaymentIntent(paymentIntentId: string): PurchaseRecord | null {
    const row = this.db
      .prepare('SELECT * FROM credit_purchases WHERE payment_intent_id = ?')
      .get(paymentIntentId) as PurchaseRow | undefined;
    return row ? toPurchase(row) : null;
  }

  openCheckout(id: string, checkoutSessionId: string, checkoutUrl: string): void {
    this.db
      .prepare(
        "UPDATE credit_purchases SET status = 'open', checkout_session_id = ?, checkout_url = ? WHERE id = ? AND status = 'pending'",
      )
      .run(checkoutSessionId, checkoutUrl, id);
  }

  markPaid(id: string, checkoutSessionId: string, paymentIntentId: string | null, at: string): void {
    this.db
      .prepare(
        `UPDATE credit_purchases SET status = 'paid', checkout_session_id = ?, payment_intent_id = ?, paid_at = ?
         WHERE id = ?`,
      )
      .run(checkoutSessionId, paymentIntentId, at, id);
  }

  markExpired(id: string): void {
    this.db
      .prepare(
        "UPDATE credit_purchases SET status = 'expired' WHERE id = ? AND status IN ('pending', 'open')",
      )
      .run(id);
  }

  /** charge.amount_refunded only grows: keep the largest reported. */
  recordRefunded(id: string, amountRefunded: number): void {
    this.db
      .prepare(
        `UPDATE credit_purchases SET refunded_amount = ${this.db.dialect.greatest('refunded_amount', '?')} WHERE id = ?`,
      )
      .run(amountRefunded, id);
  }

  /** Counts a lost dispute once; false when it was counted already. */
  recordLostDispute(id: string, disputeId: string, amount: number, at: string): boolean {
    const inserted = this.db
      .prepare(
        `INSERT INTO credit_purchase_disputes (dispute_id, purchase_id, amount, closed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (dispute_id) DO NOTHING`,
      )
      .run(disputeId, id, amount, at).changes;
    if (inserted === 0) return false;
    this.db
      .prepare('UPDATE credit_purchases SET disputed_amount = disputed_amount + ? WHERE id = ?')
      .run(amount, id);
    return true;
  }

  setTakenBack(id: string, credits: number): void {
    this.db.prepare('UPDATE credit_purchases SET credits_taken_back = ? WHERE id = ?').run(credits, id);
  }

  recent(partnerId: string, limit: number): PurchaseRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM credit_purchases WHERE partner_id = ? ORDER BY id DESC LIMIT ?')
        .all(partnerId, limit) as PurchaseRow[]
    ).map(toPurchase);
  }
}
