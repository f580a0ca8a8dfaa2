// `stripe_events`: the inbox of verified Stripe events. Each event is stored once, by Stripe's id,
// in the transaction that acts on it; a deferred event waits for the payment it refers to.

import type { Db } from '../storage/database.ts';
import type { StripeEventSummary } from './billing-schema.ts';

export type EventOutcome = StripeEventSummary['outcome'];

export interface StoredStripeEvent extends StripeEventSummary {
  seq: number;
  partnerId: string | null;
  payload: string;
}

interface EventRow {
  seq: number;
  id: string;
  type: string;
  stripe_created_at: string;
  received_at: string;
  partner_id: string | null;
  outcome: EventOutcome;
  detail: string | null;
  payload: string;
}

const toEvent = (r: EventRow): StoredStripeEvent => ({
  seq: r.seq,
  id: r.id,
  type: r.type,
  createdAt: r.stripe_created_at,
  receivedAt: r.received_at,
  partnerId: r.partner_id,
  outcome: r.outcome,
  detail: r.detail,
  payload: r.payload,
});

export interface EventResult {
  outcome: EventOutcome;
  partnerId?: string | null;
  detail?: string | null;
  waitsFor?: string | null;
}

export class StripeEventRepository {
  constructor(private readonly db: Db) {}

  has(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM stripe_events WHERE id = ?').get(id) !== undefined;
  }

  insert(
    event: { id: string; type: string; createdAt: string; livemode: boolean; payload: string },
    result: EventResult,
    receivedAt: string,
  ): void {
    this.db
      .prepare(
        `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, payload, received_at, partner_id, outcome,
           detail, waits_for) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        event.id,
        event.type,
        event.createdAt,
        event.livemode ? 1 : 0,
        event.payload,
        receivedAt,
        result.partnerId ?? null,
        result.outcome,
        result.detail ?? null,
        result.waitsFor ?? null,
      );
  }

  /** Events deferred until the payment `waitsFor` is known, in the order they arrived. */
  waitingFor(waitsFor: string): StoredStripeEvent[] {
    return (
      this.db
        .prepare("SELECT * FROM stripe_events WHERE outcome = 'deferred' AND waits_for = ? ORDER BY seq")
        .all(waitsFor) as EventRow[]
    ).map(toEvent);
  }

  settle(id: string, result: EventResult): void {
    this.db
      .prepare('UPDATE stripe_events SET outcome = ?, partner_id = ?, detail = ?, waits_for = ? WHERE id = ?')
      .run(result.outcome, result.partnerId ?? null, result.detail ?? null, result.waitsFor ?? null, id);
  }

  recent(partnerId: string, limit: number): StoredStripeEvent[] {
    return (
      this.db
        .prepare('SELECT * FROM stripe_events WHERE partner_id = ? ORDER BY seq DESC LIMIT ?')
        .all(partnerId, limit) as EventRow[]
    ).map(toEvent);
  }

  /** The whole log in arrival order (replays, audits). */
  all(): StoredStripeEvent[] {
    return (this.db.prepare('SELECT * FROM stripe_events ORDER BY seq').all() as EventRow[]).map(toEvent);
  }
}
