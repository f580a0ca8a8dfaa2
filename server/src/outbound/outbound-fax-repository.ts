// Outbound faxes in the shared `faxes` table (direction 'outbound'): the row a submission creates and
// the transitions of its status machine, queued → sending → delivered | failed, with retries back
// to queued. Every transition is a guarded UPDATE, so a cancel and a dial can never both win.

import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import type { FailureCode } from './failure-code.ts';

export type OutboundStatus = 'queued' | 'sending' | 'delivered' | 'failed';

export interface CoverRequest {
  subject: string;
  notes: string;
}

export interface OutboundFax {
  id: string;
  partnerId: string;
  numberId: string;
  shadowUserId: string;
  externalUserId: string;
  from: string;
  to: string;
  status: OutboundStatus;
  pages: number;
  pagesDelivered: number;
  creditsReserved: number;
  failureCode: FailureCode | null;
  failureDetail: string | null;
  retryable: boolean | null;
  t30Code: number | null;
  t30Text: string | null;
  sipStatus: number | null;
  callbackUrl: string | null;
  cover: CoverRequest | null;
  pdfBlob: string;
  tiffBlob: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  trunkId: string | null;
  callId: string | null;
  transport: 't38' | 'audio' | null;
  remoteStationId: string | null;
  bitRate: number | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  createdAt: string;
}

interface Row {
  id: string;
  partner_id: string;
  number_id: string;
  shadow_user_id: string;
  external_user_id: string;
  from_number: string;
  to_number: string;
  status: OutboundStatus;
  pages: number;
  pages_delivered: number | null;
  credits_reserved: number;
  failure_code: FailureCode | null;
  failure_detail: string | null;
  retryable: number | null;
  t30_code: number | null;
  t30_text: string | null;
  sip_status: number | null;
  callback_url: string | null;
  cover: string | null;
  pdf_blob: string;
  tiff_blob: string | null;
  send_attempts: number;
  next_attempt_at: string | null;
  trunk_id: string | null;
  call_id: string | null;
  transport: 't38' | 'audio' | null;
  remote_station_id: string | null;
  bit_rate: number | null;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  created_at: string;
}

const toFax = (r: Row): OutboundFax => ({
  id: r.id,
  partnerId: r.partner_id,
  numberId: r.number_id,
  shadowUserId: r.shadow_user_id,
  externalUserId: r.external_user_id,
  from: r.from_number,
  to: r.to_number,
  status: r.status,
  pages: r.pages,
  pagesDelivered: r.pages_delivered ?? 0,
  creditsReserved: r.credits_reserved,
  failureCode: r.failure_code,
  failureDetail: r.failure_detail,
  retryable: r.retryable === null ? null : r.retryable === 1,
  t30Code: r.t30_code,
  t30Text: r.t30_text,
  sipStatus: r.sip_status,
  callbackUrl: r.callback_url,
  cover: r.cover ? (JSON.parse(r.cover) as CoverRequest) : null,
  pdfBlob: r.pdf_blob,
  tiffBlob: r.tiff_blob,
  attempts: r.send_attempts,
  nextAttemptAt: r.next_attempt_at,
  trunkId: r.trunk_id,
  callId: r.call_id,
  transport: r.transport,
  remoteStationId: r.remote_station_id,
  bitRate: r.bit_rate,
  startedAt: r.started_at,
  completedAt: r.completed_at,
  durationMs: r.duration_ms,
  createdAt: r.created_at,
});

const SELECT = `SELECT f.*, s.external_user_id FROM faxes f JOIN shadow_users s ON s.id = f.shadow_user_id`;

export interface NewOutboundFax {
  id: string;
  partnerId: string;
  numberId: string;
  shadowUserId: string;
  from: string;
  to: string;
  pages: number;
  callbackUrl: string | null;
  cover: CoverRequest | null;
  pdfBlob: string;
}

/** What one call attempt left behind, recorded whatever its outcome. */
export interface AttemptRecord {
  trunkId: string | null;
  callId: string | null;
  transport: 't38' | 'audio' | null;
  pagesDelivered: number;
  sipStatus: number | null;
  t30Code: number | null;
  t30Text: string | null;
  remoteStationId: string | null;
  bitRate: number | null;
  durationMs: number | null;
}

export interface FailureRecord {
  code: FailureCode;
  retryable: boolean;
  detail: string | null;
}

export class OutboundFaxRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  insert(fax: NewOutboundFax): void {
    this.db
      .prepare(
        `INSERT INTO faxes (id, partner_id, number_id, shadow_user_id, direction, status, from_number, to_number,
           pages, pages_delivered, credits_reserved, callback_url, cover, pdf_blob, ocr_status, extraction_status, created_at)
         VALUES (@id, @partnerId, @numberId, @shadowUserId, 'outbound', 'queued', @from, @to, @pages, 0, @pages,
           @callbackUrl, @cover, @pdfBlob, 'skipped', 'skipped', @now)`,
      )
      .run({ ...fax, cover: fax.cover ? JSON.stringify(fax.cover) : null, now: this.now() });
  }

  get(id: string): OutboundFax | null {
    const row = this.db.prepare(`${SELECT} WHERE f.id = ? AND f.direction = 'outbound'`).get(id) as
      | Row
      | undefined;
    return row ? toFax(row) : null;
  }

  /** Another partner's fax reads as absent. */
  getForPartner(partnerId: string, id: string): OutboundFax | null {
    const fax = this.get(id);
    return fax && fax.partnerId === partnerId ? fax : null;
  }

  /** Newest first; `before` is the id of the last item of the previous page. */
  list(
    partnerId: string,
    query: { limit: number; before?: string; status?: OutboundStatus; externalUserId?: string },
  ): OutboundFax[] {
    return (
      this.db
        .prepare(
          `${SELECT} WHERE f.partner_id = @partnerId AND f.direction = 'outbound'
             AND (@before IS NULL OR f.id < @before) AND (@status IS NULL OR f.status = @status)
             AND (@externalUserId IS NULL OR s.external_user_id = @externalUserId)
           ORDER BY f.id DESC LIMIT @limit`,
        )
        .all({
          partnerId,
          before: query.before ?? null,
          status: query.status ?? null,
          externalUserId: query.externalUserId ?? null,
          limit: query.limit,
        }) as Row[]
    ).map(toFax);
  }

  setTiff(id: string, tiffBlob: string, pages: number): void {
    this.db.prepare('UPDATE faxes SET tiff_blob = ?, pages = ? WHERE id = ?').run(tiffBlob, pages, id);
  }

  /** queued → sending; false when the fax is no longer queued (canceled meanwhile). */
  beginAttempt(id: string): boolean {
    const now = this.now();
    return (
      this.db
        .prepare(
          `UPDATE faxes SET status = 'sending', send_attempts = send_attempts + 1, next_attempt_at = NULL,
             started_at = COALESCE(started_at, ?) WHERE id = ? AND status = 'queued'`,
        )
        .run(now, id).changes === 1
    );
  }

  recordAttempt(id: string, a: AttemptRecord): void {
    this.db
      .prepare(
        `UPDATE faxes SET trunk_id = COALESCE(@trunkId, trunk_id), call_id = COALESCE(@callId, call_id),
           transport = COALESCE(@transport, transport), pages_delivered = @pagesDelivered, sip_status = @sipStatus,
           t30_code = @t30Code, t30_text = @t30Text, remote_station_id = COALESCE(@remoteStationId, remote_station_id),
           bit_rate = COALESCE(@bitRate, bit_rate), duration_ms = COALESCE(duration_ms, 0) + COALESCE(@durationMs, 0)
         WHERE id = @id`,
      )
      .run({ id, ...a });
  }

  /** sending → queued, waiting for another attempt at `at`; the last failure stays visible. */
  scheduleRetry(id: string, at: Date, failure: FailureRecord): void {
    this.db
      .prepare(
        `UPDATE faxes SET status = 'queued', next_attempt_at = ?, failure_code = ?, retryable = 1, failure_detail = ?
         WHERE id = ? AND status = 'sending'`,
      )
      .run(at.toISOString(), failure.code, failure.detail, id);
  }

  /** sending (or queued, for cancel and pre-call failures) → delivered | failed. */
  finish(
    id: string,
    status: 'delivered' | 'failed',
    failure: FailureRecord | null,
    from: OutboundStatus[],
  ): boolean {
    return (
      this.db
        .prepare(
          `UPDATE faxes SET status = ?, failure_code = ?, retryable = ?, failure_detail = ?, next_attempt_at = NULL,
             completed_at = ? WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
        )
        .run(
          status,
          failure?.code ?? null,
          failure ? (failure.retryable ? 1 : 0) : null,
          failure?.detail ?? null,
          this.now(),
          id,
          ...from,
        ).changes === 1
    );
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
