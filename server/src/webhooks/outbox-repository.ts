// The webhook outbox tables (webhook_events, webhook_deliveries, webhook_attempts): events and their
// deliveries as written inside the callers' transactions, the dispatcher's claims and attempt log,
// and the partner's delivery log. Routing and replay rules are in outbox.ts. Event bodies carry
// OCR text and extracted data: they are sealed with the master key, and the fax an event is about
// is kept beside them (fax_id) so nothing needs to look inside a body to find it.

import type { Clock } from '../clock.ts';
import type { Db, Statement } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { MasterKey } from '../storage/master-key.ts';
import { columnContext } from '../storage/sealed-column-repository.ts';
import type { Attempt, Delivery, DeliveryStatus } from './delivery-schema.ts';
import type { WebhookEventType } from './webhook-event.ts';

export type { Delivery, DeliveryStatus };

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

const bodyContext = (eventId: string) => columnContext('webhook_events', 'body', eventId);

const DELIVERY_COLUMNS = `d.id, d.event_id, e.event_type, d.url, d.status, d.reason, d.attempt_count, d.next_attempt_at,
  d.last_status_code, d.last_error, d.last_latency_ms, d.replay_of, d.created_at, d.completed_at`;

export class OutboxRepository {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly masterKey: MasterKey,
  ) {}

  insertEvent(event: {
    id: string;
    partnerId: string;
    type: WebhookEventType;
    body: string;
    targetUrl: string | null;
    createdAt: string;
  }): void {
    const faxId = (JSON.parse(event.body) as { faxId?: unknown }).faxId;
    this.sql(
      `INSERT INTO webhook_events (id, partner_id, event_type, body, fax_id, target_url, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      event.id,
      event.partnerId,
      event.type,
      this.masterKey.sealString(event.body, bodyContext(event.id)),
      typeof faxId === 'string' ? faxId : null,
      event.targetUrl,
      event.createdAt,
    );
  }

  /** A delivery of the event to `url`; without a URL it is recorded as skipped (`no_endpoint`). */
  insertDelivery(
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

  /** What a replay of the partner's delivery starts from: its state, its event and the event's own target. */
  replaySource(
    partnerId: string,
    deliveryId: string,
  ): { status: DeliveryStatus; eventId: string; targetUrl: string | null } | null {
    const row = this.sql(
      `SELECT d.status, d.event_id AS eventId, e.target_url AS targetUrl
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         WHERE d.id = ? AND d.partner_id = ?`,
    ).get(deliveryId, partnerId) as
      | { status: DeliveryStatus; eventId: string; targetUrl: string | null }
      | undefined;
    return row ?? null;
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

  /** Every event recorded about one fax, oldest first, with its body as sent (support: was it sent, once?). */
  eventsOfFax(faxId: string): { id: string; event: WebhookEventType; body: string; createdAt: string }[] {
    const rows = this.sql(
      `SELECT id, event_type AS event, body, created_at AS createdAt FROM webhook_events
         WHERE fax_id = ? ORDER BY id`,
    ).all(faxId) as { id: string; event: WebhookEventType; body: string; createdAt: string }[];
    return rows.map((r) => ({ ...r, body: this.masterKey.openString(r.body, bodyContext(r.id)) }));
  }

  /** Retention: the kept bodies of a fax's events lose their OCR text and extracted data. */
  scrubFaxContent(partnerId: string, faxId: string): void {
    const rows = this.sql(
      `SELECT id, body FROM webhook_events
         WHERE partner_id = ? AND event_type IN ('fax.received', 'fax.extracted') AND fax_id = ?`,
    ).all(partnerId, faxId) as { id: string; body: string }[];
    const update = this.sql('UPDATE webhook_events SET body = ? WHERE id = ?');
    for (const row of rows) {
      const body = JSON.parse(this.masterKey.openString(row.body, bodyContext(row.id)));
      // Only the fields the event has: a fax.extracted body has no ocrText to blank.
      if ('ocrText' in body) body.ocrText = '';
      if ('extractedData' in body) body.extractedData = null;
      if ('evidence' in body) body.evidence = null;
      update.run(this.masterKey.sealString(JSON.stringify(body), bodyContext(row.id)), row.id);
    }
  }

  // ---- dispatcher side ----

  /** Deliveries a crash left `delivering` become due again; returns how many. */
  recoverInterrupted(): number {
    const now = this.clock.now().toISOString();
    return this.sql(
      "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE status = 'delivering'",
    ).run(now, now).changes;
  }

  /**
   * Marks up to `limit` due deliveries `delivering` and returns them, oldest due first, with at most
   * `perUrl` in flight to one URL counting `inFlight` (attempts already running, by URL). A URL at its
   * cap is left out of the query, so its backlog never hides another endpoint's due deliveries.
   */
  claimDue(
    limit: number,
    perUrl = Number.POSITIVE_INFINITY,
    inFlight: ReadonlyMap<string, number> = new Map(),
  ): ClaimedDelivery[] {
    return this.db.transaction(() => {
      const now = this.clock.now().toISOString();
      const busy = new Map(inFlight);
      const full = new Set([...busy].filter(([, n]) => n >= perUrl).map(([url]) => url));
      const claimed: ClaimedDelivery[] = [];
      // Each round either fills `limit`, runs out of due rows, or fills at least one more URL.
      for (;;) {
        const want = limit - claimed.length;
        if (want <= 0) break;
        const rows = this.sql(
          `SELECT d.id, d.event_id AS eventId, e.event_type AS eventType, d.partner_id AS partnerId, d.url, e.body,
               d.attempt_count AS attemptCount
             FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= ?
               AND d.url NOT IN ${this.db.dialect.jsonArrayValues('?')} AND d.id NOT IN ${this.db.dialect.jsonArrayValues('?')}
             ORDER BY d.next_attempt_at LIMIT ?${this.db.dialect.skipLocked('d')}`,
        ).all(
          now,
          JSON.stringify([...full]),
          JSON.stringify(claimed.map((c) => c.id)),
          want,
        ) as ClaimedDelivery[];
        if (rows.length === 0) break;
        for (const row of rows) {
          const n = busy.get(row.url) ?? 0;
          if (n >= perUrl || claimed.length >= limit) continue;
          busy.set(row.url, n + 1);
          if (n + 1 >= perUrl) full.add(row.url);
          claimed.push(row);
        }
        if (rows.length < want) break; // that was every due row
      }
      const mark = this.sql(
        "UPDATE webhook_deliveries SET status = 'delivering', updated_at = ? WHERE id = ?",
      );
      for (const row of claimed) {
        row.body = this.masterKey.openString(row.body, bodyContext(row.eventId));
        mark.run(now, row.id);
      }
      return claimed;
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
      event: r.event_type,
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
      completedAt: r.completed_at,
      attempts: byDelivery.get(r.id) ?? [],
    }));
  }
}
