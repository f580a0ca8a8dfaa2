// The webhook outbox and delivery log: events are written synchronously inside the caller's
// transaction, each with one delivery to the URL routing picked; the dispatcher claims and records.

import type { Statement } from 'better-sqlite3';
import type { Clock } from '../clock.ts';
import type { SettingsRepository } from '../settings/settings-repository.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { type WebhookEventPayloads, type WebhookEventType, webhookBody } from './webhook-event.ts';

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'failed' | 'skipped';

export interface Attempt {
  number: number;
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: WebhookEventType;
  url: string | null;
  status: DeliveryStatus;
  /** Why a delivery was skipped (`no_endpoint`). */
  reason: string | null;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  replayOf: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  attempts: Attempt[];
}

export interface EnqueueOptions {
  /** A per-request callback URL (outbound fax status); wins over the partner's webhook URL. */
  callbackUrl?: string | null;
}

export interface EnqueuedEvent {
  eventId: string;
  deliveryId: string;
  status: 'pending' | 'skipped';
}

/** What the dispatcher needs to make one attempt. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  eventType: string;
  partnerId: string;
  url: string;
  body: string;
  attemptCount: number;
}

export interface AttemptOutcome {
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  succeeded: boolean;
  /** When to try again; null when this was the last attempt (or it succeeded). */
  retryAt: string | null;
}

export type ReplayResult =
  | { ok: true; delivery: Delivery }
  | { ok: false; code: 'delivery_not_found' | 'delivery_in_progress' | 'webhook_url_not_set' };

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: WebhookEventType;
  url: string | null;
  status: DeliveryStatus;
  reason: string | null;
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  replay_of: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt_number: number;
  started_at: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

const DELIVERY_COLUMNS = `d.id, d.event_id, e.event_type, d.url, d.status, d.reason, d.attempt_count, d.next_attempt_at,
  d.last_status_code, d.last_error, d.last_latency_ms, d.replay_of, d.created_at, d.updated_at, d.completed_at`;

export class WebhookOutbox {
  /** Called after every enqueue and replay; the dispatcher hooks it to wake up (it acts after the caller's commit). */
  onEnqueue: (status: 'pending' | 'skipped') => void = () => {};

  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly settings: SettingsRepository,
  ) {}

  /**
   * Records an event and its delivery. Synchronous, so it runs inside the caller's better-sqlite3
   * transaction and commits (or rolls back) with the state change that caused the event.
   */
  enqueue<E extends WebhookEventType>(
    partnerId: string,
    event: E,
    payload: WebhookEventPayloads[E],
    options: EnqueueOptions = {},
  ): EnqueuedEvent {
    const now = this.clock.now().toISOString();
    const eventId = newId('evt');
    const target = options.callbackUrl ?? null;
    const result = this.db.transaction(() => {
      this.sql(
        'INSERT INTO webhook_events (id, partner_id, event_type, body, target_url, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(eventId, partnerId, event, webhookBody(eventId, event, now, payload), target, now);
      return this.insertDelivery(
        partnerId,
        eventId,
        target ?? this.settings.get(partnerId).webhookUrl,
        now,
        null,
      );
    })();
    this.onEnqueue(result.status);
    return { eventId, ...result };
  }

  /** A new delivery (a fresh attempt cycle) of the same event, routed as the event would be today. */
  replay(partnerId: string, deliveryId: string): ReplayResult {
    const result = this.db.transaction((): ReplayResult => {
      const row = this.sql(
        `SELECT d.status, d.event_id, e.target_url FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
           WHERE d.id = ? AND d.partner_id = ?`,
      ).get(deliveryId, partnerId) as
        | { status: DeliveryStatus; event_id: string; target_url: string | null }
        | undefined;
      if (!row) return { ok: false, code: 'delivery_not_found' };
      if (row.status === 'pending' || row.status === 'delivering')
        return { ok: false, code: 'delivery_in_progress' };
      const url = row.target_url ?? this.settings.get(partnerId).webhookUrl;
      if (!url) return { ok: false, code: 'webhook_url_not_set' };
      const created = this.insertDelivery(
        partnerId,
        row.event_id,
        url,
        this.clock.now().toISOString(),
        deliveryId,
      );
      return { ok: true, delivery: this.get(partnerId, created.deliveryId)! };
    })();
    if (result.ok) this.onEnqueue('pending');
    return result;
  }

  get(partnerId: string, deliveryId: string): Delivery | null {
    const row = this.sql(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         WHERE d.id = ? AND d.partner_id = ?`,
    ).get(deliveryId, partnerId) as DeliveryRow | undefined;
    return row ? this.withAttempts([row])[0] : null;
  }

  /** Newest first; `before` is the id of the last item of the previous page. */
  list(partnerId: string, query: { limit: number; before?: string; status?: DeliveryStatus }): Delivery[] {
    const rows = this.sql(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         WHERE d.partner_id = @partnerId AND (@status IS NULL OR d.status = @status) AND (@before IS NULL OR d.id < @before)
         ORDER BY d.id DESC LIMIT @limit`,
    ).all({
      partnerId,
      status: query.status ?? null,
      before: query.before ?? null,
      limit: query.limit,
    }) as DeliveryRow[];
    return this.withAttempts(rows);
  }

  // ---- dispatcher side ----

  /** Deliveries a crash left `delivering` become due again; returns how many. */
  recoverInterrupted(): number {
    const now = this.clock.now().toISOString();
    return this.sql(
      "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE status = 'delivering'",
    ).run(now, now).changes;
  }

  /** Marks up to `limit` due deliveries `delivering` and returns them, oldest due first. */
  claimDue(limit: number): ClaimedDelivery[] {
    return this.db.transaction(() => {
      const now = this.clock.now().toISOString();
      const rows = this.sql(
        `SELECT d.id, d.event_id AS eventId, e.event_type AS eventType, d.partner_id AS partnerId, d.url, e.body,
             d.attempt_count AS attemptCount
           FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
           WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`,
      ).all(now, limit) as ClaimedDelivery[];
      const mark = this.sql(
        "UPDATE webhook_deliveries SET status = 'delivering', updated_at = ? WHERE id = ?",
      );
      for (const row of rows) mark.run(now, row.id);
      return rows;
    })();
  }

  /** When the next pending delivery falls due (ISO), or null when nothing is pending. */
  nextDueAt(): string | null {
    const row = this.sql(
      "SELECT MIN(next_attempt_at) AS next FROM webhook_deliveries WHERE status = 'pending'",
    ).get() as { next: string | null };
    return row.next;
  }

  /**
   * Logs finished attempts and moves each delivery on: succeeded, pending again, or failed. One
   * transaction for the batch: the dispatcher collects what finished in one event-loop turn.
   */
  recordAttempts(batch: { delivery: ClaimedDelivery; outcome: AttemptOutcome }[]): DeliveryStatus[] {
    const now = this.clock.now().toISOString();
    const insert = this.sql(
      `INSERT INTO webhook_attempts (delivery_id, attempt_number, started_at, status_code, latency_ms, error, response_excerpt)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const update = this.sql(
      `UPDATE webhook_deliveries SET status = ?, attempt_count = attempt_count + 1, next_attempt_at = ?,
         last_status_code = ?, last_error = ?, last_latency_ms = ?, updated_at = ?, completed_at = ?
       WHERE id = ?`,
    );
    return this.db.transaction(() =>
      batch.map(({ delivery, outcome: o }) => {
        const status: DeliveryStatus = o.succeeded ? 'succeeded' : o.retryAt ? 'pending' : 'failed';
        const attempt = delivery.attemptCount + 1;
        insert.run(delivery.id, attempt, o.startedAt, o.statusCode, o.latencyMs, o.error, o.responseExcerpt);
        const finished = status === 'pending' ? null : now;
        update.run(status, o.retryAt, o.statusCode, o.error, o.latencyMs, now, finished, delivery.id);
        return status;
      }),
    )();
  }

  countUnfinished(): number {
    return (
      this.sql(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'delivering')",
      ).get() as {
        n: number;
      }
    ).n;
  }

  /** Gives back a claim without logging an attempt (the appliance is stopping mid-attempt). */
  release(deliveryId: string): void {
    const now = this.clock.now().toISOString();
    this.sql(
      "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'delivering'",
    ).run(now, now, deliveryId);
  }

  /** Prepared once per SQL text: preparing costs more than running these statements. */
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private insertDelivery(
    partnerId: string,
    eventId: string,
    url: string | null,
    now: string,
    replayOf: string | null,
  ): { deliveryId: string; status: 'pending' | 'skipped' } {
    const deliveryId = newId('dlv');
    const status = url ? 'pending' : 'skipped';
    this.sql(
      `INSERT INTO webhook_deliveries (id, event_id, partner_id, url, status, reason, next_attempt_at, replay_of, created_at, updated_at, completed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      deliveryId,
      eventId,
      partnerId,
      url,
      status,
      url ? null : 'no_endpoint',
      url ? now : null,
      replayOf,
      now,
      now,
      url ? null : now,
    );
    return { deliveryId, status };
  }

  private withAttempts(rows: DeliveryRow[]): Delivery[] {
    if (rows.length === 0) return [];
    const attempts = this.sql(
      `SELECT delivery_id, attempt_number, started_at, status_code, latency_ms, error, response_excerpt
         FROM webhook_attempts WHERE delivery_id IN (${rows.map(() => '?').join(', ')}) ORDER BY attempt_number`,
    ).all(...rows.map((r) => r.id)) as AttemptRow[];
    const byDelivery = new Map<string, Attempt[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push({
        number: a.attempt_number,
        startedAt: a.started_at,
        statusCode: a.status_code,
        latencyMs: a.latency_ms,
        error: a.error,
        responseExcerpt: a.response_excerpt,
      });
      byDelivery.set(a.delivery_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.event_type,
      url: r.url,
      status: r.status,
      reason: r.reason,
      attemptCount: r.attempt_count,
      nextAttemptAt: r.next_attempt_at,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      lastLatencyMs: r.last_latency_ms,
      replayOf: r.replay_of,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      completedAt: r.completed_at,
      attempts: byDelivery.get(r.id) ?? [],
    }));
  }
}
