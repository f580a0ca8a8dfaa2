// The credits ledger: every change to a partner's balance is an append-only CreditEntry carrying its
// reason and the balance after it. Each change is one IMMEDIATE transaction, so concurrent sends
// serialise on the write lock and the balance can never go below zero.

import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';

/** Below this balance the partner gets one low-balance email per crossing. */
export const LOW_BALANCE_THRESHOLD = 10;

export type CreditReason = 'grant' | 'adjustment' | 'purchase' | 'fax_reservation' | 'fax_refund';

export interface CreditEntry {
  id: string;
  partnerId: string;
  amount: number;
  balanceAfter: number;
  reason: CreditReason;
  faxId: string | null;
  note: string | null;
  actor: string;
  createdAt: string;
}

interface EntryRow {
  id: string;
  partner_id: string;
  amount: number;
  balance_after: number;
  reason: CreditReason;
  fax_id: string | null;
  note: string | null;
  actor: string;
  created_at: string;
}

const toEntry = (r: EntryRow): CreditEntry => ({
  id: r.id,
  partnerId: r.partner_id,
  amount: r.amount,
  balanceAfter: r.balance_after,
  reason: r.reason,
  faxId: r.fax_id,
  note: r.note,
  actor: r.actor,
  createdAt: r.created_at,
});

export interface CreditChange {
  partnerId: string;
  /** Signed number of credits (pages). */
  amount: number;
  reason: CreditReason;
  faxId?: string | null;
  note?: string | null;
  actor: string;
}

export type CreditChangeResult =
  | { ok: true; entry: CreditEntry; balance: number; crossedBelowThreshold: boolean }
  | { ok: false; code: 'insufficient_credits'; balance: number; required: number };

export class CreditLedger {
  /** Called after a change took the balance below the threshold for the first time in this crossing. */
  onLowBalance: (partnerId: string, balance: number) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  balance(partnerId: string): number {
    const row = this.db.prepare('SELECT balance FROM credit_balances WHERE partner_id = ?').get(partnerId) as
      | { balance: number }
      | undefined;
    return row?.balance ?? 0;
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
    const current = this.db
      .prepare('SELECT balance, low_balance_notified FROM credit_balances WHERE partner_id = ?')
      .get(change.partnerId) as { balance: number; low_balance_notified: number } | undefined;
    const before = current?.balance ?? 0;
    const after = before + change.amount;
    if (after < 0)
      return { ok: false, code: 'insufficient_credits', balance: before, required: -change.amount };
    // One email per crossing: armed again once the balance is back at or above the threshold.
    const crossed = after < LOW_BALANCE_THRESHOLD && current?.low_balance_notified !== 1 && change.amount < 0;
    const notified = after >= LOW_BALANCE_THRESHOLD ? 0 : crossed ? 1 : (current?.low_balance_notified ?? 0);
    this.db
      .prepare(
        `INSERT INTO credit_balances (partner_id, balance, low_balance_notified, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (partner_id) DO UPDATE SET balance = excluded.balance,
           low_balance_notified = excluded.low_balance_notified, updated_at = excluded.updated_at`,
      )
      .run(change.partnerId, after, notified, now);
    const id = newId('crd');
    this.db
      .prepare(
        `INSERT INTO credit_entries (id, partner_id, amount, balance_after, reason, fax_id, note, actor, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        change.partnerId,
        change.amount,
        after,
        change.reason,
        change.faxId ?? null,
        change.note ?? null,
        change.actor,
        now,
      );
    return {
      ok: true,
      entry: this.entry(id)!,
      balance: after,
      crossedBelowThreshold: crossed,
    };
  }

  notifyIfCrossed(partnerId: string, result: CreditChangeResult): void {
    if (result.ok && result.crossedBelowThreshold) this.onLowBalance(partnerId, result.balance);
  }

  entry(id: string): CreditEntry | null {
    const row = this.db.prepare('SELECT * FROM credit_entries WHERE id = ?').get(id) as EntryRow | undefined;
    return row ? toEntry(row) : null;
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  log(partnerId: string, query: { limit: number; before?: string; faxId?: string }): CreditEntry[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM credit_entries WHERE partner_id = @partnerId AND (@before IS NULL OR id < @before)
             AND (@faxId IS NULL OR fax_id = @faxId) ORDER BY id DESC LIMIT @limit`,
        )
        .all({
          partnerId,
          before: query.before ?? null,
          faxId: query.faxId ?? null,
          limit: query.limit,
        }) as EntryRow[]
    ).map(toEntry);
  }

  /** Net credits a fax holds: its reservation minus refunds so far (what settlement may still return). */
  heldByFax(faxId: string): number {
    const row = this.db
      .prepare('SELECT COALESCE(-SUM(amount), 0) AS held FROM credit_entries WHERE fax_id = ?')
      .get(faxId) as { held: number };
    return row.held;
  }
}
