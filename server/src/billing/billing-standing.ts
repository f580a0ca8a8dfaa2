// A partner's billing status: derived from the state of its invoices as Stripe's signed events
// report them (paid → active, a failed payment → past_due, uncollectible or voided unpaid past the
// grace days → canceled), overridable by an operator, and the one check outbound sends make.
// Each invoice's state only moves forward and keeps the earliest time of each fact, so the same
// events in any order, or twice, give the same status.

import type { AuditLog } from '../audit/audit-log.ts';
import { addDays, type Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { Mailer } from '../email/mailer.ts';
import type { PartnerRepository } from '../partners/partner-repository.ts';
import type { Db } from '../storage/database.ts';
import type { MembershipRepository } from '../team/membership-repository.ts';
import type { BillingAccount, BillingAccountRepository } from './billing-account-repository.ts';
import { statusChangeEmail } from './billing-email.ts';
import type { BillingStatus } from './billing-schema.ts';
import type { InvoiceRecord, InvoiceRepository, StripeInvoiceState } from './invoice-repository.ts';

/** What one Stripe invoice event says happened to the invoice. */
export type InvoiceFact = 'finalized' | 'payment_failed' | 'paid' | 'uncollectible' | 'voided';

export interface Standing {
  status: BillingStatus;
  pastDueSince: string | null;
}

const earliest = (a: string | null, b: string): string => (a !== null && a < b ? a : b);

/**
 * Merges one fact into an invoice's state. Forward only: draft → open → (uncollectible) → paid |
 * void; times keep the earliest report. Order-independent and idempotent by construction.
 */
export function mergeInvoiceFact(
  state: StripeInvoiceState,
  fact: InvoiceFact,
  at: string,
): StripeInvoiceState {
  const next = { ...state };
  switch (fact) {
    case 'finalized':
      next.finalizedAt = earliest(state.finalizedAt, at);
      if (state.status === 'draft') next.status = 'open';
      break;
    case 'payment_failed':
      next.paymentFailedAt = earliest(state.paymentFailedAt, at);
      if (state.status === 'draft') next.status = 'open';
      break;
    case 'paid':
      next.paidAt = earliest(state.paidAt, at);
      if (state.status !== 'void') next.status = 'paid';
      break;
    case 'uncollectible':
      next.uncollectibleAt = earliest(state.uncollectibleAt, at);
      if (state.status === 'draft' || state.status === 'open') next.status = 'uncollectible';
      break;
    case 'voided':
      next.voidedAt = earliest(state.voidedAt, at);
      if (state.status !== 'paid') next.status = 'void';
      break;
  }
  return next;
}

/** The status a partner's invoices imply, with the grace days that separate a late void from a correction. */
export function deriveStanding(invoices: InvoiceRecord[], graceDays: number): Standing {
  const graceMs = graceDays * 24 * 3600_000;
  let canceled = false;
  let pastDueSince: string | null = null;
  for (const inv of invoices) {
    const unpaidPastGrace =
      inv.status === 'void' &&
      inv.paymentFailedAt !== null &&
      inv.voidedAt !== null &&
      Date.parse(inv.voidedAt) - Date.parse(inv.paymentFailedAt) > graceMs;
    if (inv.status === 'uncollectible' || unpaidPastGrace) canceled = true;
    if ((inv.status === 'open' || inv.status === 'uncollectible' || unpaidPastGrace) && inv.paymentFailedAt)
      pastDueSince = earliest(pastDueSince, inv.paymentFailedAt);
  }
  if (canceled) return { status: 'canceled', pastDueSince };
  return pastDueSince ? { status: 'past_due', pastDueSince } : { status: 'active', pastDueSince: null };
}

export class BillingStanding {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      accounts: BillingAccountRepository;
      invoices: InvoiceRepository;
      partners: PartnerRepository;
      memberships: Pick<MembershipRepository, 'ofPartner'>;
      mailer: Mailer;
      audit: AuditLog;
      graceDays: number;
      publicUrl: string;
    },
  ) {}

  get graceDays(): number {
    return this.deps.graceDays;
  }

  account(partnerId: string): BillingAccount {
    return this.deps.accounts.get(partnerId);
  }

  /** When outbound sends start to be refused (past due only). */
  graceEndsAt(account: BillingAccount): string | null {
    if (account.status !== 'past_due' || !account.pastDueSince) return null;
    return addDays(new Date(account.pastDueSince), this.deps.graceDays).toISOString();
  }

  /** Throws 402 billing_past_due when the partner is past due beyond the grace days, or canceled. */
  assertMaySend(partnerId: string): void {
    const account = this.deps.accounts.get(partnerId);
    if (account.status === 'active') return;
    const graceEndsAt = this.graceEndsAt(account);
    if (account.status === 'past_due' && graceEndsAt && this.deps.clock.now().toISOString() < graceEndsAt)
      return;
    throw new DomainError(
      'payment_required',
      'billing_past_due',
      'Billing is past due',
      account.status === 'canceled'
        ? 'The account is canceled for non-payment; outbound faxes are refused until billing is settled. Inbound faxes keep arriving.'
        : `An invoice is unpaid since ${account.pastDueSince} and the ${this.deps.graceDays}-day grace period has ended; outbound faxes are refused until it is paid. Inbound faxes keep arriving.`,
      { billingStatus: account.status, pastDueSince: account.pastDueSince },
    );
  }

  /**
   * Re-derives the partner's status from its invoices inside the caller's transaction. A change in
   * what Stripe says replaces an operator override; each change of the status in force emails the
   * billing people once (queued with the change; the caller flushes the mailer after commit).
   */
  refresh(partnerId: string, cause: string): boolean {
    const account = this.deps.accounts.get(partnerId);
    const derived = deriveStanding(this.deps.invoices.allOf(partnerId), this.deps.graceDays);
    const next: BillingAccount = { ...account, derivedStatus: derived.status };
    if (derived.status !== account.derivedStatus) {
      next.status = derived.status;
      next.override = null;
    }
    if (!next.override) next.pastDueSince = derived.pastDueSince;
    return this.save(account, next, { actorType: 'system', actorId: 'stripe', cause });
  }

  /** The operator's override: stands until Stripe's events say something new. */
  override(
    partnerId: string,
    status: BillingStatus,
    note: string,
    operator: { id: string; username: string },
  ): BillingAccount {
    return this.deps.db
      .transaction(() => {
        const account = this.deps.accounts.get(partnerId);
        const at = this.deps.clock.now().toISOString();
        const next: BillingAccount = {
          ...account,
          status,
          override: { note, by: operator.username, at },
          pastDueSince: status === 'active' ? null : account.status === status ? account.pastDueSince : at,
        };
        this.save(account, next, {
          actorType: 'operator',
          actorId: operator.id,
          cause: 'operator override',
          note,
        });
        return this.deps.accounts.get(partnerId);
      })
      .immediate();
  }

  private save(
    before: BillingAccount,
    next: BillingAccount,
    why: { actorType: 'system' | 'operator'; actorId: string; cause: string; note?: string },
  ): boolean {
    const at = this.deps.clock.now().toISOString();
    const changed = next.status !== before.status;
    if (changed) next.statusChangedAt = at;
    this.deps.accounts.save(next, at);
    // An operator's override is always on record, even when it confirms the status in force.
    if (!changed && why.actorType !== 'operator') return false;
    this.deps.audit.record({
      actorType: why.actorType,
      actorId: why.actorId,
      action: why.actorType === 'operator' ? 'billing.status_overridden' : 'billing.status_changed',
      targetType: 'partner',
      targetId: next.partnerId,
      partnerId: next.partnerId,
      details: { from: before.status, to: next.status, cause: why.cause, note: why.note ?? null },
    });
    if (changed) this.emailBillingPeople(next);
    return changed;
  }

  private emailBillingPeople(account: BillingAccount): void {
    const partner = this.deps.partners.get(account.partnerId);
    if (!partner) return;
    const people = this.deps.memberships
      .ofPartner(account.partnerId)
      .filter((m) => m.role === 'owner' || m.role === 'billing')
      .map((m) => m.email);
    // Until the partner has a team, its contact address is its billing contact.
    const to = people.length > 0 ? [...new Set(people)] : [partner.email];
    const email = statusChangeEmail(
      partner.companyName,
      account,
      this.graceEndsAt(account),
      this.deps.publicUrl,
    );
    for (const address of to) this.deps.mailer.queue({ ...email, to: address });
  }
}
