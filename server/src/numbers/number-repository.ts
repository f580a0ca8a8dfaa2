// Shadow users (a partner's own externalUserId, namespaced by partner) and the fax numbers they
// hold. Provisioning and release are single transactions: a DID is never shared, never lost.

import { addDays, type Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { DidRepository } from './did-repository.ts';
import type { FaxNumber, NumberStatus, Tier } from './number-schema.ts';
import { type Allowances, defaultAllowances, TIERS } from './tiers.ts';

/** The stored number: the API's FaxNumber plus the owner and DID ids it deliberately does not show. */
export interface FaxNumberRecord extends FaxNumber {
  partnerId: string;
  shadowUserId: string;
  didId: string;
}

interface NumberRow {
  id: string;
  partner_id: string;
  shadow_user_id: string;
  external_user_id: string;
  e164: string;
  did_id: string;
  tier: Tier;
  status: NumberStatus;
  created_at: string;
  released_at: string | null;
}

const toNumber = (r: NumberRow, allowances: Allowances): FaxNumberRecord => ({
  id: r.id,
  partnerId: r.partner_id,
  shadowUserId: r.shadow_user_id,
  externalUserId: r.external_user_id,
  number: r.e164,
  didId: r.did_id,
  tier: r.tier,
  status: r.status,
  inboundPagesPerMonth: allowances[r.tier],
  maxRetentionDays: TIERS[r.tier].maxRetentionDays,
  createdAt: r.created_at,
  releasedAt: r.released_at,
});

const SELECT = `SELECT n.*, s.external_user_id FROM numbers n JOIN shadow_users s ON s.id = n.shadow_user_id`;

export class NumberRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly dids: DidRepository,
    private readonly quarantineDays: number,
    /** The allowance each number shows (the operator's billing prices). */
    private readonly allowances: () => Allowances = defaultAllowances,
  ) {}

  private toNumber(row: NumberRow): FaxNumberRecord {
    return toNumber(row, this.allowances());
  }

  /**
   * The active number of `externalUserId`, provisioning one when there is none. `created` tells a
   * new number (201) from an existing one (200). BEGIN IMMEDIATE serialises concurrent claims even
   * across processes sharing the file.
   */
  provision(
    partnerId: string,
    externalUserId: string,
    tier: Tier,
    areaCode?: string,
  ): { number: FaxNumberRecord; created: boolean } {
    return this.db
      .transaction(() => {
        const now = this.clock.now().toISOString();
        const shadowUserId = this.ensureShadowUser(partnerId, externalUserId, now);
        const existing = this.activeFor(partnerId, externalUserId);
        if (existing) return { number: existing, created: false };
        const did = this.dids.claim(areaCode);
        if (!did) {
          const stock = this.dids.stock();
          throw DomainError.conflict(
            'no_numbers_available',
            areaCode
              ? `No number is free in area code ${areaCode}. Area codes with stock: ${stock.map((s) => s.areaCode).join(', ') || 'none'}.`
              : 'The number pool is empty. Ask the operator to import DIDs.',
            { availableAreaCodes: stock.map((s) => s.areaCode) },
          );
        }
        const id = newId('num');
        this.db
          .prepare(
            `INSERT INTO numbers (id, partner_id, shadow_user_id, did_id, e164, tier, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'active', ?)`,
          )
          .run(id, partnerId, shadowUserId, did.id, did.number, tier, now);
        return { number: this.byId(id)!, created: true };
      })
      .immediate();
  }

  release(partnerId: string, externalUserId: string): FaxNumberRecord | null {
    return this.db
      .transaction(() => {
        const number = this.activeFor(partnerId, externalUserId);
        if (!number) return null;
        const now = this.clock.now();
        this.db
          .prepare("UPDATE numbers SET status = 'released', released_at = ? WHERE id = ?")
          .run(now.toISOString(), number.id);
        this.dids.quarantine(number.didId, addDays(now, this.quarantineDays));
        return this.byId(number.id);
      })
      .immediate();
  }

  activeFor(partnerId: string, externalUserId: string): FaxNumberRecord | null {
    const row = this.db
      .prepare(`${SELECT} WHERE n.partner_id = ? AND s.external_user_id = ? AND n.status = 'active'`)
      .get(partnerId, externalUserId) as NumberRow | undefined;
    return row ? this.toNumber(row) : null;
  }

  /** The active number that owns `e164` (the call router's lookup), whatever partner it is. */
  activeByE164(e164: string): FaxNumberRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE n.e164 = ? AND n.status = 'active'`).get(e164) as
      | NumberRow
      | undefined;
    return row ? this.toNumber(row) : null;
  }

  byId(id: string): FaxNumberRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE n.id = ?`).get(id) as NumberRow | undefined;
    return row ? this.toNumber(row) : null;
  }

  /** Newest first; `before` is the id of the last item of the previous page. */
  list(
    partnerId: string,
    options: { limit: number; before?: string; status?: NumberStatus; q?: string },
  ): FaxNumberRecord[] {
    const allowances = this.allowances();
    // `q` matches inside the user id, or the number's digits (typed with or without +1, spaces, dashes).
    const digits = options.q?.replace(/\D/g, '') ?? '';
    const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return (
      this.db
        .prepare(
          `${SELECT} WHERE n.partner_id = @partnerId AND (@before IS NULL OR n.id < @before)
           AND (@status IS NULL OR n.status = @status)
           AND (@q IS NULL OR s.external_user_id LIKE @q ESCAPE '\\' OR (@digits != '' AND n.e164 LIKE @digits))
           ORDER BY n.id DESC LIMIT @limit`,
        )
        .all({
          partnerId,
          before: options.before ?? null,
          status: options.status ?? null,
          q: options.q ? like(options.q) : null,
          digits: digits ? like(digits) : '',
          limit: options.limit,
        }) as NumberRow[]
    ).map((row) => toNumber(row, allowances));
  }

  /** Active numbers per tier (the operator's partner detail). */
  activeByTier(partnerId: string): Record<Tier, number> {
    const rows = this.db
      .prepare(
        "SELECT tier, COUNT(*) AS count FROM numbers WHERE partner_id = ? AND status = 'active' GROUP BY tier",
      )
      .all(partnerId) as { tier: Tier; count: number }[];
    const counts: Record<Tier, number> = { personal: 0, business: 0 };
    for (const r of rows) counts[r.tier] = r.count;
    return counts;
  }

  private ensureShadowUser(partnerId: string, externalUserId: string, now: string): string {
    this.db
      .prepare(
        `INSERT INTO shadow_users (id, partner_id, external_user_id, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (partner_id, external_user_id) DO NOTHING`,
      )
      .run(newId('usr'), partnerId, externalUserId, now);
    return (
      this.db
        .prepare('SELECT id FROM shadow_users WHERE partner_id = ? AND external_user_id = ?')
        .get(partnerId, externalUserId) as { id: string }
    ).id;
  }
}
