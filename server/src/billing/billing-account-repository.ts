// `billing_accounts`: per partner, its Stripe Customer and its billing status (what Stripe's events
// say, what applies after an operator override, since when it is past due). A partner without a
// row is active and has no customer yet.

import type { Db } from '../storage/database.ts';
import type { BillingStatus } from './billing-schema.ts';

export interface BillingAccount {
  partnerId: string;
  stripeCustomerId: string | null;
  status: BillingStatus;
  derivedStatus: BillingStatus;
  pastDueSince: string | null;
  statusChangedAt: string | null;
  override: { note: string; by: string; at: string } | null;
}

interface AccountRow {
  partner_id: string;
  stripe_customer_id: string | null;
  status: BillingStatus;
  derived_status: BillingStatus;
  past_due_since: string | null;
  status_changed_at: string | null;
  override_note: string | null;
  override_by: string | null;
  override_at: string | null;
}

const toAccount = (r: AccountRow): BillingAccount => ({
  partnerId: r.partner_id,
  stripeCustomerId: r.stripe_customer_id,
  status: r.status,
  derivedStatus: r.derived_status,
  pastDueSince: r.past_due_since,
  statusChangedAt: r.status_changed_at,
  override:
    r.override_note !== null
      ? { note: r.override_note, by: r.override_by ?? '', at: r.override_at ?? '' }
      : null,
});

export class BillingAccountRepository {
  constructor(private readonly db: Db) {}

  get(partnerId: string): BillingAccount {
    const row = this.db.prepare('SELECT * FROM billing_accounts WHERE partner_id = ?').get(partnerId) as
      | AccountRow
      | undefined;
    return row
      ? toAccount(row)
      : {
          partnerId,
          stripeCustomerId: null,
          status: 'active',
          derivedStatus: 'active',
          pastDueSince: null,
          statusChangedAt: null,
          override: null,
        };
  }

  byCustomer(stripeCustomerId: string): BillingAccount | null {
    const row = this.db
      .prepare('SELECT * FROM billing_accounts WHERE stripe_customer_id = ?')
      .get(stripeCustomerId) as AccountRow | undefined;
    return row ? toAccount(row) : null;
  }

  /** Customer ids of every partner that has one, for the month close. */
  customers(): Map<string, string> {
    const rows = this.db
      .prepare(
        'SELECT partner_id, stripe_customer_id FROM billing_accounts WHERE stripe_customer_id IS NOT NULL',
      )
      .all() as { partner_id: string; stripe_customer_id: string }[];
    return new Map(rows.map((r) => [r.partner_id, r.stripe_customer_id]));
  }

  setCustomer(partnerId: string, stripeCustomerId: string, at: string): void {
    this.db
      .prepare(
        `INSERT INTO billing_accounts (partner_id, stripe_customer_id, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (partner_id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id,
           updated_at = excluded.updated_at`,
      )
      .run(partnerId, stripeCustomerId, at);
  }

  save(account: BillingAccount, at: string): void {
    this.db
      .prepare(
        `INSERT INTO billing_accounts (partner_id, stripe_customer_id, status, derived_status, past_due_since,
           status_changed_at, override_note, override_by, override_at, updated_at)
         VALUES (@partnerId, @customer, @status, @derived, @since, @changed, @note, @by, @overrideAt, @at)
         ON CONFLICT (partner_id) DO UPDATE SET status = excluded.status, derived_status = excluded.derived_status,
           past_due_since = excluded.past_due_since, status_changed_at = excluded.status_changed_at,
           override_note = excluded.override_note, override_by = excluded.override_by,
           override_at = excluded.override_at, updated_at = excluded.updated_at`,
      )
      .run({
        partnerId: account.partnerId,
        customer: account.stripeCustomerId,
        status: account.status,
        derived: account.derivedStatus,
        since: account.pastDueSince,
        changed: account.statusChangedAt,
        note: account.override?.note ?? null,
        by: account.override?.by ?? null,
        overrideAt: account.override?.at ?? null,
        at,
      });
  }

  /** Every partner whose billing status is not active (the send check's cache warms from it). */
  notActive(): BillingAccount[] {
    return (
      this.db.prepare("SELECT * FROM billing_accounts WHERE status <> 'active'").all() as AccountRow[]
    ).map(toAccount);
  }
}
