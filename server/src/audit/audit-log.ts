// The append-only audit trail compliance staff read: every access to fax content, key and
// settings change and admin action. Each entry hashes the previous one, so editing or removing
// any row breaks the chain and `faxseal audit verify` reports where.

import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { AuditQuery, AuditRepository, AuditRow } from './audit-repository.ts';

export interface AuditEvent {
  /** `webhook`: a delivery to the partner's endpoint (actorId: the delivery id). */
  actorType: 'partner_key' | 'portal_account' | 'operator' | 'webhook' | 'system';
  actorId: string | null;
  /** What happened, e.g. `fax.pdf_downloaded`, `fax.ocr_read`, `settings.changed`, `key.revoked`. */
  action: string;
  targetType?: string;
  targetId?: string;
  partnerId?: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  at: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

export class AuditLog {
  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /** Appends inside the caller's transaction when there is one; the chain stays linear either way. */
  record(event: AuditEvent): AuditEntry {
    const { seq, at, hash } = this.repository.append((head) => {
      const row = {
        seq: (head?.seq ?? 0) + 1,
        at: this.clock.now().toISOString(),
        actor_type: event.actorType,
        actor_id: event.actorId,
        action: event.action,
        target_type: event.targetType ?? null,
        target_id: event.targetId ?? null,
        partner_id: event.partnerId ?? null,
        details: JSON.stringify(event.details ?? {}),
        prev_hash: head?.hash ?? GENESIS,
      };
      return { ...row, hash: entryHash(row) };
    });
    return { ...event, seq, at, hash };
  }

  /** Walks the whole chain; returns the first broken link, or ok with the head hash to anchor elsewhere. */
  verify(): { ok: true; entries: number; head: string } | { ok: false; seq: number; reason: string } {
    let expectedPrev = GENESIS;
    let expectedSeq = 1;
    let entries = 0;
    for (const row of this.repository.chain()) {
      if (row.seq !== expectedSeq)
        return { ok: false, seq: expectedSeq, reason: `entry ${expectedSeq} is missing` };
      if (row.prev_hash !== expectedPrev)
        return { ok: false, seq: row.seq, reason: 'does not follow the previous entry' };
      if (entryHash(row) !== row.hash) return { ok: false, seq: row.seq, reason: 'content was altered' };
      expectedPrev = row.hash;
      expectedSeq++;
      entries++;
    }
    return { ok: true, entries, head: expectedPrev };
  }

  list(query: AuditQuery): (AuditEntry & { prevHash: string })[] {
    return this.repository.list(query).map((r) => ({
      prevHash: r.prev_hash,
      seq: r.seq,
      at: r.at,
      hash: r.hash,
      actorType: r.actor_type as AuditEvent['actorType'],
      actorId: r.actor_id,
      action: r.action,
      targetType: r.target_type ?? undefined,
      targetId: r.target_id ?? undefined,
      partnerId: r.partner_id ?? undefined,
      details: JSON.parse(r.details),
    }));
  }
}

function entryHash(row: Omit<AuditRow, 'hash'>): string {
  // Fixed field order: the hash must not depend on how a driver orders columns.
  const canonical = JSON.stringify([
    row.seq,
    row.at,
    row.actor_type,
    row.actor_id,
    row.action,
    row.target_type,
    row.target_id,
    row.partner_id,
    row.details,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
