// The `audit_log` table: the hash-chained rows of the audit trail. Appending reads the chain's head
// and writes the next row in one IMMEDIATE transaction, so concurrent writers keep the chain linear.

import type { Db } from '../storage/database.ts';

/** One row as stored: `details` is JSON text, `hash` covers every other column. */
export interface AuditRow {
  seq: number;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  partner_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditQuery {
  partnerId?: string;
  actorType?: string;
  actorId?: string;
  /** An exact action, or a prefix ending in `*` (`team.*`). */
  action?: string;
  targetType?: string;
  targetId?: string;
  /** ISO times: entries at or after `from`, before `until`. */
  from?: string;
  until?: string;
  limit: number;
  beforeSeq?: number;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /**
   * Appends the row `next` builds from the current head (undefined for the first entry). Joins the
   * caller's transaction when there is one.
   */
  append(next: (head: { seq: number; hash: string } | undefined) => AuditRow): AuditRow {
    return this.db
      .transaction(() => {
        const head = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
          | { seq: number; hash: string }
          | undefined;
        const row = next(head);
        this.db
          .prepare(
            `INSERT INTO audit_log (seq, at, actor_type, actor_id, action, target_type, target_id, partner_id, details, prev_hash, hash)
             VALUES (@seq, @at, @actor_type, @actor_id, @action, @target_type, @target_id, @partner_id, @details, @prev_hash, @hash)`,
          )
          .run(row);
        return row;
      })
      .immediate();
  }

  /** The whole chain in order, streamed (it can be long). */
  chain(): Iterable<AuditRow> {
    return this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as Iterable<AuditRow>;
  }

  /** Newest first. */
  list(query: AuditQuery): AuditRow[] {
    const prefix = query.action?.endsWith('*') ? query.action.slice(0, -1) : null;
    return this.db
      .prepare(
        `SELECT * FROM audit_log WHERE (@partnerId IS NULL OR partner_id = @partnerId)
         AND (@actorType IS NULL OR actor_type = @actorType) AND (@actorId IS NULL OR actor_id = @actorId)
         AND (@action IS NULL OR action = @action)
         AND (@prefix IS NULL OR substr(action, 1, length(@prefix)) = @prefix)
         AND (@targetType IS NULL OR target_type = @targetType) AND (@targetId IS NULL OR target_id = @targetId)
         AND (@from IS NULL OR at >= @from) AND (@until IS NULL OR at < @until)
         AND (@before IS NULL OR seq < @before)
         ORDER BY seq DESC LIMIT @limit`,
      )
      .all({
        partnerId: query.partnerId ?? null,
        actorType: query.actorType ?? null,
        actorId: query.actorId ?? null,
        action: prefix === null ? (query.action ?? null) : null,
        prefix,
        targetType: query.targetType ?? null,
        targetId: query.targetId ?? null,
        from: query.from ?? null,
        until: query.until ?? null,
        before: query.beforeSeq ?? null,
        limit: query.limit,
      }) as AuditRow[];
  }
}
