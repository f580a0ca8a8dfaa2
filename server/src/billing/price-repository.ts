// The operator's prices (`billing_prices`: monthly price and inbound allowance per tier, the
// optional overage price) and the credit bundles partners can buy (`credit_bundles`).

import type { Tier } from '../numbers/number-schema.ts';
import type { Db } from '../storage/database.ts';
import type { Bundle, BundlesPut, Prices, TierPrice } from './billing-schema.ts';

interface PriceRow {
  tier: Tier;
  monthly_amount: number;
  included_pages: number;
  overage_amount: number | null;
  currency: string;
}

interface BundleRow {
  id: string;
  name: string;
  credits: number;
  amount: number;
  currency: string;
}

const toBundle = (r: BundleRow): Bundle => ({
  id: r.id,
  name: r.name,
  credits: r.credits,
  price: { amount: r.amount, currency: r.currency },
});

export class PriceRepository {
  constructor(private readonly db: Db) {}

  prices(): Prices {
    const rows = this.db.prepare('SELECT * FROM billing_prices').all() as PriceRow[];
    const tier = (name: Tier): TierPrice => {
      const r = rows.find((row) => row.tier === name)!;
      return {
        monthlyAmount: r.monthly_amount,
        includedPages: r.included_pages,
        overagePerPage: r.overage_amount,
      };
    };
    return { currency: rows[0].currency, tiers: { personal: tier('personal'), business: tier('business') } };
  }

  /** Inbound pages each tier includes per number and month. */
  allowances(): Record<Tier, number> {
    const { tiers } = this.prices();
    return { personal: tiers.personal.includedPages, business: tiers.business.includedPages };
  }

  savePrices(prices: Prices, at: string): void {
    const update = this.db.prepare(
      `UPDATE billing_prices SET monthly_amount = ?, included_pages = ?, overage_amount = ?, currency = ?,
         updated_at = ? WHERE tier = ?`,
    );
    this.db.transaction(() => {
      for (const tier of ['personal', 'business'] as const) {
        const p = prices.tiers[tier];
        update.run(p.monthlyAmount, p.includedPages, p.overagePerPage, prices.currency, at, tier);
      }
    })();
  }

  /** The bundles on sale, in the operator's order. */
  bundles(): Bundle[] {
    return (
      this.db
        .prepare('SELECT * FROM credit_bundles WHERE active = 1 ORDER BY position, id')
        .all() as BundleRow[]
    ).map(toBundle);
  }

  bundle(id: string): Bundle | null {
    const row = this.db.prepare('SELECT * FROM credit_bundles WHERE id = ? AND active = 1').get(id) as
      | BundleRow
      | undefined;
    return row ? toBundle(row) : null;
  }

  /** Replaces the list on sale; bundles left out stay as inactive rows (past purchases name them). */
  replaceBundles(bundles: BundlesPut['items'], at: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE credit_bundles SET active = 0').run();
      const upsert = this.db.prepare(
        `INSERT INTO credit_bundles (id, name, credits, amount, currency, active, position, updated_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, credits = excluded.credits, amount = excluded.amount,
           currency = excluded.currency, active = 1, position = excluded.position, updated_at = excluded.updated_at`,
      );
      bundles.forEach((b, i) => {
        upsert.run(b.id, b.name, b.credits, b.price.amount, b.price.currency, i + 1, at);
      });
    })();
  }
}
