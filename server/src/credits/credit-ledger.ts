// The credits ledger: every change to a partner's balance is an append-only CreditEntry carrying its
// reason and the balance after it. Each change is one IMMEDIATE transaction, so concurrent sends
// serialise on the write lock and the balance can never go below zero: a debit that must happen
// anyway (a refunded purchase) takes what is there and records the rest as a shortfall.

import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import type { CreditEntryRecord, CreditRepository } from './credit-repository.ts';
import type { CreditReason } from './credit-schema.ts';

/** Below this balance the partner gets one low-balance email per crossing. */
export const LOW_BALANCE_THRESHOLD = 10;

export interface CreditChange {
  partnerId: string;
  /** Signed number of credits (pages). */
  amount: number;
  reason: CreditReason;
  faxId?: string | null;
  /** The Stripe object behind a purchase or its reversal. */
  stripeObjectId?: string | null;
  /**
   * A debit the partner cannot refuse (a refund or lost dispute taking purchased credits back):
   * past the balance it takes what is there and records the rest as `shortfall` instead of failing.
   */
  allowShortfall?: boolean;
  note?: string | null;
  actor: string;
}

export type CreditChangeResult =
  | { ok: true; entry: CreditEntryRecord; balance: number; crossedBelowThreshold: boolean }
  | { ok: false; code: 'insufficient_credits'; balance: number; required: number };

export class CreditLedger {
  /** Called after a change took the balance below the threshold for the first time in this crossing. */
  onLowBalance: (partnerId: string, balance: number) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly repository: CreditRepository,
  ) {}

  balance(partnerId: string): number {
    return this.repository.balanceOf(partnerId)?.balance ?? 0;
  }

  /**
   * Applies one change in its own IMMEDIATE transaction. A debit larger than the balance is refused
   * (nothing is written). Use `applyInTransaction` to join a caller's transaction instead.
   */
  apply(change: CreditChange): CreditChangeResult {
    const result = this.db.transaction(() => this.applyInTransaction(change)).immediate();
    this.notifyIfCrossed(change.partnerId, result);
    return result;
  }

  /**
   * The same change inside a transaction the caller already holds (a fax row and its reservation
   * commit together). The caller must call `notifyIfCrossed` after its commit.
   */
  applyInTransaction(change: CreditChange): CreditChangeResult {
    if (!Number.isInteger(change.amount) || change.amount === 0)
      throw new RangeError('credit amount must be a non-zero integer');
    const now = this.clock.now().toISOString();
    const current = this.repository.balanceOf(change.partnerId);
    const before = current?.balance ?? 0;
    const wanted = before + change.amount;
    if (wanted < 0 && !change.allowShortfall)
      return { ok: false, code: 'insufficient_credits', balance: before, required: -change.amount };
    const after = Math.max(0, wanted);
    const shortfall = after - wanted;
    // One email per crossing: armed again once the balance is back at or above the threshold.
    const crossed =
      after < LOW_BALANCE_THRESHOLD && !current?.lowBalanceNotified && change.amount < 0 && after < before;
    const notified =
      after >= LOW_BALANCE_THRESHOLD ? false : crossed || (current?.lowBalanceNotified ?? false);
    this.repository.saveBalance(change.partnerId, { balance: after, lowBalanceNotified: notified }, now);
    const entry = this.repository.addEntry({
      partnerId: change.partnerId,
      amount: after - before,
      balanceAfter: after,
      reason: change.reason,
      faxId: change.faxId ?? null,
      stripeObjectId: change.stripeObjectId ?? null,
      shortfall,
      note: change.note ?? null,
      actor: change.actor,
      createdAt: now,
    });
    return { ok: true, entry, balance: after, crossedBelowThreshold: crossed };
  }

  notifyIfCrossed(partnerId: string, result: CreditChangeResult): void {
    if (result.ok && result.crossedBelowThreshold) this.onLowBalance(partnerId, result.balance);
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  log(partnerId: string, query: { limit: number; before?: string; faxId?: string }): CreditEntryRecord[] {
    return this.repository.log(partnerId, query);
  }

  /** Credits owed by take-backs the balance could not cover. */
  shortfall(partnerId: string): number {
    return this.repository.shortfallOf(partnerId);
  }

  /** Net credits a fax holds: its reservation minus refunds so far (what settlement may still return). */
  heldByFax(faxId: string): number {
    return this.repository.heldByFax(faxId);
  }
}
