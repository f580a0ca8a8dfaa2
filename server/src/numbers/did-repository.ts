// The `dids` table: the numbers bought from a carrier, their state in the pool (available,
// assigned, quarantined, disabled) and the trunk each belongs to.

import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { Did, DidStatus, DidStock } from './did-schema.ts';
import { areaCodeOf } from './e164.ts';

/** The stored DID: the admin API's Did plus the trunk it belongs to (not shown there). */
export interface DidRecord extends Did {
  status: DidStatus;
  trunkId: string | null;
}

interface DidRow {
  id: string;
  e164: string;
  area_code: string;
  status: DidStatus;
  quarantined_until: string | null;
  trunk_id: string | null;
  source: string;
  created_at: string;
}

const toDid = (r: DidRow): DidRecord => ({
  id: r.id,
  number: r.e164,
  areaCode: r.area_code,
  status: r.status,
  quarantinedUntil: r.quarantined_until,
  trunkId: r.trunk_id,
  source: r.source,
  createdAt: r.created_at,
});

// A DID is free when it was never assigned or its quarantine has ended.
const FREE = `(status = 'available' OR (status = 'quarantined' AND quarantined_until <= @now))`;

export class DidRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM dids').get() as { n: number }).n;
  }

  /** Adds `numbers` (E.164) as available DIDs in one transaction; returns how many were new. */
  /** Adds the numbers not pooled yet; returns those it added (the others were already there). */
  addAvailable(numbers: string[], source: string): Set<string> {
    const insert = this.db.prepare(
      `INSERT INTO dids (id, e164, area_code, status, source, created_at)
       VALUES (?, ?, ?, 'available', ?, ?) ON CONFLICT (e164) DO NOTHING`,
    );
    const now = this.clock.now().toISOString();
    return this.db.transaction(
      () =>
        new Set(
          numbers.filter((e164) => insert.run(newId('did'), e164, areaCodeOf(e164), source, now).changes > 0),
        ),
    )();
  }

  /** Takes one free DID (in `areaCode` when given) and marks it assigned. Call inside a transaction. */
  claim(areaCode?: string): DidRecord | null {
    const area = areaCode ? 'AND area_code = @areaCode' : '';
    // Never-used DIDs first; then those whose quarantine ended longest ago.
    const row = (this.db
      .prepare(`SELECT * FROM dids WHERE status = 'available' ${area} ORDER BY e164 LIMIT 1`)
      .get({ areaCode }) ??
      this.db
        .prepare(
          `SELECT * FROM dids WHERE status = 'quarantined' AND quarantined_until <= @now ${area}
           ORDER BY quarantined_until LIMIT 1`,
        )
        .get({ areaCode, now: this.clock.now().toISOString() })) as DidRow | undefined;
    if (!row) return null;
    this.db.prepare("UPDATE dids SET status = 'assigned', quarantined_until = NULL WHERE id = ?").run(row.id);
    return { ...toDid(row), status: 'assigned', quarantinedUntil: null };
  }

  quarantine(didId: string, until: Date): void {
    this.db
      .prepare("UPDATE dids SET status = 'quarantined', quarantined_until = ? WHERE id = ?")
      .run(until.toISOString(), didId);
  }

  /** Takes a DID out of the pool for good (a number the carrier took back, a test drain). */
  disable(didId: string): void {
    this.db.prepare("UPDATE dids SET status = 'disabled', quarantined_until = NULL WHERE id = ?").run(didId);
  }

  /** Area codes that still have free DIDs, with how many. */
  stock(): DidStock[] {
    return this.db
      .prepare(
        `SELECT area_code AS areaCode, COUNT(*) AS available FROM dids WHERE ${FREE} GROUP BY area_code ORDER BY area_code`,
      )
      .all({ now: this.clock.now().toISOString() }) as DidStock[];
  }

  /**
   * In number order; `after` is the last number of the previous page, `digits` matches anywhere in
   * the number; an assigned DID carries its owner.
   */
  list(status?: DidStatus, limit = 200, after?: string, digits?: string): DidRecord[] {
    const rows = this.db
      .prepare(
        `SELECT d.*, n.partner_id AS owner_partner_id, p.company_name AS owner_company, s.external_user_id AS owner_user
         FROM dids d
         LEFT JOIN numbers n ON n.did_id = d.id AND n.status = 'active'
         LEFT JOIN partners p ON p.id = n.partner_id
         LEFT JOIN shadow_users s ON s.id = n.shadow_user_id
         WHERE (@status IS NULL OR d.status = @status) AND (@after IS NULL OR d.e164 > @after)
           AND (@digits IS NULL OR d.e164 LIKE '%' || @digits || '%')
         ORDER BY d.e164 LIMIT @limit`,
      )
      .all({ status: status ?? null, after: after ?? null, digits: digits || null, limit }) as (DidRow & {
      owner_partner_id: string | null;
      owner_company: string | null;
      owner_user: string | null;
    })[];
    return rows.map((r) => ({
      ...toDid(r),
      owner: r.owner_partner_id
        ? {
            partnerId: r.owner_partner_id,
            companyName: r.owner_company ?? '',
            externalUserId: r.owner_user ?? '',
          }
        : null,
    }));
  }

  byE164(e164: string): DidRecord | null {
    const row = this.db.prepare('SELECT * FROM dids WHERE e164 = ?').get(e164) as DidRow | undefined;
    return row ? toDid(row) : null;
  }
}
