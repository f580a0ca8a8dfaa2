// The `credit_balances` and `credit_entries` tables: one balance row per partner (with whether the
// low-balance email went out for the current crossing) and the append-only log of changes.

import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { CreditEntry, CreditReason } from './credit-schema.ts';

/** The stored entry: the API's CreditEntry plus its partner and who made it (not shown there). */
export interface CreditEntryRecord extends CreditEntry {
  partnerId: string;
  actor: string;
}

export interface StoredBalance {
  balance: number;
  /** The low-balance email went out since the balance last fell below the threshold. */
  lowBalanceNotified: boolean;
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
  stripe_object_id: string | null;
  shortfall: number;
}

const toEntry = (r: EntryRow): CreditEntryRecord => ({
  id: r.id,
  partnerId: r.partner_id,
  amount: r.amount,
  balanceAfter: r.balance_after,
  reason: r.reason,
  faxId: r.fax_id,
  stripeObjectId: r.stripe_object_id,
  shortfall: r.shortfall,
  note: r.note,
  actor: r.actor,
  createdAt: r.created_at,
});

export class CreditRepository {
  constructor(private readonly db: Db) {}

  balanceOf(partnerId: string): StoredBalance | null {
    const row = this.db
      .prepare('SELECT balance, low_balance_notified FROM credit_balances WHERE partner_id = ?')
      .get(partnerId) as { balance: number; low_balance_notified: number } | undefined;
    return row ? { balance: row.balance, lowBalanceNotified: row.low_balance_notified === 1 } : null;
  }

  saveBalance(partnerId: string, balance: StoredBalance, at: string): void {
    this.db
      .prepare(
        `INSERT INTO credit_balances (partner_id, balance, low_balance_notified, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (partner_id) DO UPDATE SET balance = excluded.balance,
           low_balance_notified = excluded.low_balance_notified, updated_at = excluded.updated_at`,
      )
      .run(partnerId, balance.balance, balance.lowBalanceNotified ? 1 : 0, at);
  }

  addEntry(entry: Omit<CreditEntryRecord, 'id'>): CreditEntryRecord {
    const id = newId('crd');
    this.db
      .prepare(
        `INSERT INTO credit_entries (id, partner_id, amount, balance_after, reason, fax_id, note, actor,
           created_at, stripe_object_id, shortfall)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        entry.partnerId,
        entry.amount,
        entry.balanceAfter,
        entry.reason,
        entry.faxId,
        entry.note,
        entry.actor,
        entry.createdAt,
        entry.stripeObjectId,
        entry.shortfall,
      );
    return this.entry(id)!;
  }

  entry(id: string): CreditEntryRecord | null {
    const row = this.db.prepare('SELECT * FROM credit_entries WHERE id = ?').get(id) as EntryRow | undefined;
    return row ? toEntry(row) : null;
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  log(partnerId: string, query: { limit: number; before?: string; faxId?: string }): CreditEntryRecord[] {
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

  /** Credits owed by take-backs the balance could not cover, over the partner's whole history. */
  shortfallOf(partnerId: string): number {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(shortfall), 0) AS owed FROM credit_entries WHERE partner_id = ?')
      .get(partnerId) as { owed: number };
    return row.owed;
  }

  /** Net credits a fax holds: its reservation minus refunds so far. */
  heldByFax(faxId: string): number {
    const row = this.db
      .prepare('SELECT COALESCE(-SUM(amount), 0) AS held FROM credit_entries WHERE fax_id = ?')
      .get(faxId) as { held: number };
    return row.held;
  }
}
