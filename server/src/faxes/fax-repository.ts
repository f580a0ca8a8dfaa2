// Faxes, inbound and outbound, with their pages and search rows (faxes, fax_pages, fax_search): the
// one place that reads and writes them. Intake inserts inbound faxes, the pipeline stores OCR and
// purges, extraction stores results, the dialer moves outbound faxes through their status machine,
// and the inbox lists and searches. Writes are synchronous, so they run inside callers' transactions.
// Records extend the API types of fax-schema.ts and outbound-fax-schema.ts (type imports only).
// OCR text, OCR words, extracted data, evidence and cover text are sealed with the master key
// here, on the way in and out; only fax_search keeps text in the clear, so the inbox can search.

import type { Clock } from '../clock.ts';
import type { ExtractionSchema } from '../extraction/extraction-schema.ts';
import type { NumberUsage } from '../inbox/usage-schema.ts';
import type { Tier } from '../numbers/number-schema.ts';
import type { OcrPage, OcrWord } from '../ocr/ocr-result.ts';
import type { FailureCode } from '../outbound/failure-code.ts';
import type { CoverRequest, OutboundFax, OutboundStatus } from '../outbound/outbound-fax-schema.ts';
import type { Db } from '../storage/database.ts';
import type { MasterKey } from '../storage/master-key.ts';
import { columnContext } from '../storage/sealed-column-repository.ts';
import type { Fax, FaxPageDetail, FaxSummary } from './fax-schema.ts';

/** How an inbound fax ended. */
export type InboundStatus = 'received' | 'partial' | 'failed';
/** An inbound fax row is `receiving` from the answer until its call ends (or a restart ends it). */
export type StoredInboundStatus = InboundStatus | 'receiving';
export type OcrStatus = 'pending' | 'done' | 'failed' | 'skipped';
export type ExtractionStatus = OcrStatus;

/**
 * A fax as stored: the API's fax (without the page list and the signed link, which are added per
 * request) and what the API never shows — blobs, call details, the pipeline's progress, the
 * extraction schema snapshot, the outbound fax's delivery state.
 */
export interface FaxRecord extends Omit<Fax, 'pageDetails' | 'pdfUrl' | 'pdfUrlExpiresAt' | 'snippet'> {
  partnerId: string;
  numberId: string | null;
  shadowUserId: string | null;
  ocrStatus: OcrStatus;
  extractionStatus: ExtractionStatus;
  callId: string | null;
  trunkId: string | null;
  transport: 't38' | 'audio' | null;
  remoteStationId: string | null;
  bitRate: number | null;
  ecm: boolean | null;
  resolution: string | null;
  sipStatus: number | null;
  startedAt: string | null;
  durationMs: number | null;
  pdfBlob: string | null;
  tiffBlob: string | null;
  searchRowid: number | null;
  /** The one `fax.received` event of this fax, once queued. */
  receivedEventId: string | null;
  /** The partner's extraction schema when the fax arrived or was re-extracted (null: no extraction). */
  extractionSchema: ExtractionSchema | null;
  failureDetail: string | null;
  callbackUrl: string | null;
  cover: CoverRequest | null;
  creditsReserved: number;
  attempts: number;
  nextAttemptAt: string | null;
}

/**
 * An outbound fax: the API's OutboundFax (fields the API hides stay in the record) with the columns
 * an outbound row always has. Outbound rows are only written by insertOutbound, which sets them all.
 */
export interface OutboundFaxRecord
  extends Omit<FaxRecord, keyof OutboundFax | 'numberId' | 'shadowUserId' | 'pdfBlob'>,
    OutboundFax {
  numberId: string;
  shadowUserId: string;
  pdfBlob: string;
  failureCode: FailureCode | null;
}

/** A page as stored: the API's page details, its image, and the fax it belongs to. */
export interface FaxPageRecord extends FaxPageDetail {
  faxId: string;
  imageBlob: string | null;
}

export type NewInboundFax = Pick<
  FaxRecord,
  | 'id'
  | 'partnerId'
  | 'numberId'
  | 'shadowUserId'
  | 'from'
  | 'to'
  | 'callId'
  | 'trunkId'
  | 'transport'
  | 'pages'
  | 'remoteStationId'
  | 'bitRate'
  | 'ecm'
  | 'resolution'
  | 't30Code'
  | 't30Text'
  | 'startedAt'
  | 'completedAt'
  | 'durationMs'
  | 'overage'
  | 'pdfBlob'
  | 'purgeAt'
  | 'extractionSchema'
  | 'createdAt'
> & { status: StoredInboundStatus };

/** What the end of a call (or the restart after it died) adds to a receiving fax. */
export type InboundOutcome = Pick<
  FaxRecord,
  | 'transport'
  | 'remoteStationId'
  | 'bitRate'
  | 'ecm'
  | 'resolution'
  | 't30Code'
  | 't30Text'
  | 'completedAt'
  | 'durationMs'
  | 'overage'
  | 'pdfBlob'
> & { status: InboundStatus };

export type NewFaxPage = Omit<FaxPageRecord, 'ocrText' | 'ocrConfidence'>;

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
  /** When the document and its rendering are purged (retention, as for inbound faxes). */
  purgeAt: string;
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

export interface InboxQuery {
  partnerId: string;
  externalUserId?: string;
  /** An FTS5 query (see inbox/search-query.ts). */
  match?: string;
  since?: string;
  until?: string;
  before?: string;
  limit: number;
}

export interface DueFax {
  id: string;
  partnerId: string;
  searchRowid: number | null;
}

interface FaxRow {
  id: string;
  partner_id: string;
  number_id: string | null;
  shadow_user_id: string | null;
  external_user_id: string | null;
  direction: 'inbound' | 'outbound';
  status: string;
  from_number: string | null;
  to_number: string | null;
  call_id: string | null;
  trunk_id: string | null;
  transport: 't38' | 'audio' | null;
  pages: number;
  pages_delivered: number | null;
  remote_station_id: string | null;
  bit_rate: number | null;
  ecm: number | null;
  resolution: string | null;
  t30_code: number | null;
  t30_text: string | null;
  sip_status: number | null;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  overage: number;
  pdf_blob: string | null;
  tiff_blob: string | null;
  ocr_status: OcrStatus;
  ocr_text: string | null;
  ocr_confidence: number | null;
  search_rowid: number | null;
  received_event_id: string | null;
  extraction_status: ExtractionStatus;
  extraction_schema: string | null;
  extracted_data: string | null;
  extraction_evidence: string | null;
  failure_code: string | null;
  failure_detail: string | null;
  retryable: number | null;
  callback_url: string | null;
  cover: string | null;
  credits_reserved: number;
  send_attempts: number;
  next_attempt_at: string | null;
  purge_at: string | null;
  purged_at: string | null;
  created_at: string;
}

const json = <T>(text: string | null): T | null => (text ? (JSON.parse(text) as T) : null);
const flag = (value: number | null): boolean | null => (value === null ? null : value === 1);

const openEvidence = (r: FaxRow, key: MasterKey) =>
  json<Record<string, unknown>>(
    key.openColumn(r.extraction_evidence, columnContext('faxes', 'extraction_evidence', r.id)),
  );

const toFax = (r: FaxRow, key: MasterKey): FaxRecord => {
  const evidence = openEvidence(r, key);
  return {
    id: r.id,
    partnerId: r.partner_id,
    numberId: r.number_id,
    shadowUserId: r.shadow_user_id,
    externalUserId: r.external_user_id,
    direction: r.direction,
    status: r.status,
    from: r.from_number,
    to: r.to_number,
    callId: r.call_id,
    trunkId: r.trunk_id,
    transport: r.transport,
    pages: r.pages,
    pagesDelivered: r.pages_delivered,
    remoteStationId: r.remote_station_id,
    bitRate: r.bit_rate,
    ecm: flag(r.ecm),
    resolution: r.resolution,
    t30Code: r.t30_code,
    t30Text: r.t30_text,
    sipStatus: r.sip_status,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    durationMs: r.duration_ms,
    overage: r.overage === 1,
    pdfBlob: r.pdf_blob,
    tiffBlob: r.tiff_blob,
    ocrStatus: r.ocr_status,
    ocrText: key.openColumn(r.ocr_text, columnContext('faxes', 'ocr_text', r.id)),
    ocrConfidence: r.ocr_confidence,
    searchRowid: r.search_rowid,
    receivedEventId: r.received_event_id,
    extractionStatus: r.extraction_status,
    extractionSchema: json<ExtractionSchema>(r.extraction_schema),
    extractedData: json<Record<string, unknown>>(
      key.openColumn(r.extracted_data, columnContext('faxes', 'extracted_data', r.id)),
    ),
    evidence,
    needsReview: (evidence as { needsReview?: string[] } | null)?.needsReview ?? null,
    failureCode: r.failure_code,
    failureDetail: r.failure_detail,
    retryable: flag(r.retryable),
    callbackUrl: r.callback_url,
    cover: json<CoverRequest>(key.openColumn(r.cover, columnContext('faxes', 'cover', r.id))),
    creditsReserved: r.credits_reserved,
    attempts: r.send_attempts,
    nextAttemptAt: r.next_attempt_at,
    purgeAt: r.purge_at,
    purgedAt: r.purged_at,
    createdAt: r.created_at,
  };
};

const toOutbound = (fax: FaxRecord | null): OutboundFaxRecord | null =>
  fax?.direction === 'outbound' ? (fax as OutboundFaxRecord) : null;

const SELECT_FAX = `SELECT f.*, su.external_user_id FROM faxes f LEFT JOIN shadow_users su ON su.id = f.shadow_user_id`;

const SUMMARY_COLUMNS = `f.id, f.direction, f.status, su.external_user_id AS externalUserId, f.from_number AS "from",
  f.to_number AS "to", f.pages, f.ocr_status AS ocrStatus, f.extraction_status AS extractionStatus,
  f.overage, f.created_at AS createdAt, f.purged_at AS purgedAt`;

type SummaryRow = Omit<FaxSummary, 'overage'> & { overage: number };
const toSummary = ({ overage, snippet, ...rest }: SummaryRow): FaxSummary => ({
  ...rest,
  overage: overage === 1,
  ...(snippet !== undefined ? { snippet } : {}),
});

export class FaxRepository {
  /** Every `*_blob` column of faxes (pdf_blob, the outbound tiff_blob…): what retention must delete. */
  private readonly faxBlobColumns: string[];

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly masterKey: MasterKey,
  ) {
    this.faxBlobColumns = (db.prepare(db.dialect.tableColumns).all('faxes') as { name: string }[])
      .map((c) => c.name)
      .filter((name) => /^[a-z_]+_blob$/.test(name));
  }

  // ---- every fax ----

  get(id: string): FaxRecord | null {
    const row = this.db.prepare(`${SELECT_FAX} WHERE f.id = ?`).get(id) as FaxRow | undefined;
    return row ? toFax(row, this.masterKey) : null;
  }

  /** A fax as its partner may see it: another partner's id, or a fax still receiving, reads as absent. */
  getForPartner(partnerId: string, id: string): FaxRecord | null {
    const row = this.db
      .prepare(`${SELECT_FAX} WHERE f.id = ? AND f.partner_id = ? AND f.status <> 'receiving'`)
      .get(id, partnerId) as FaxRow | undefined;
    return row ? toFax(row, this.masterKey) : null;
  }

  pages(faxId: string): FaxPageRecord[] {
    return (
      this.db
        .prepare(
          `SELECT fax_id AS faxId, page, width, height, x_resolution AS xResolution, y_resolution AS yResolution,
             ocr_text AS ocrText, ocr_confidence AS ocrConfidence, image_blob AS imageBlob
           FROM fax_pages WHERE fax_id = ? ORDER BY page`,
        )
        .all(faxId) as FaxPageRecord[]
    ).map((p) => ({
      ...p,
      ocrText: this.masterKey.openColumn(p.ocrText, columnContext('fax_pages', 'ocr_text', faxId, p.page)),
    }));
  }

  // ---- inbound intake ----

  insertInbound(fax: NewInboundFax, pages: NewFaxPage[]): void {
    this.db
      .prepare(
        `INSERT INTO faxes (id, partner_id, number_id, shadow_user_id, direction, status, from_number, to_number,
           call_id, trunk_id, transport, pages, remote_station_id, bit_rate, ecm, resolution, t30_code, t30_text,
           started_at, completed_at, duration_ms, overage, pdf_blob, ocr_status, purge_at, extraction_schema, created_at)
         VALUES (@id, @partnerId, @numberId, @shadowUserId, 'inbound', @status, @from, @to, @callId, @trunkId,
           @transport, @pages, @remoteStationId, @bitRate, @ecm, @resolution, @t30Code, @t30Text, @startedAt,
           @completedAt, @durationMs, @overage, @pdfBlob, @ocrStatus, @purgeAt, @extractionSchema, @createdAt)`,
      )
      .run({
        ...fax,
        ecm: fax.ecm === null ? null : fax.ecm ? 1 : 0,
        overage: fax.overage ? 1 : 0,
        extractionSchema: fax.extractionSchema ? JSON.stringify(fax.extractionSchema) : null,
        ocrStatus: fax.pages > 0 || fax.status === 'receiving' ? 'pending' : 'skipped',
      });
    const insertPage = this.db.prepare(
      `INSERT INTO fax_pages (fax_id, page, width, height, x_resolution, y_resolution, image_blob)
       VALUES (@faxId, @page, @width, @height, @xResolution, @yResolution, @imageBlob)`,
    );
    for (const page of pages) insertPage.run(page);
  }

  /** One more page of a fax still receiving, confirmed to the sender only once this has committed. */
  addReceivedPage(page: NewFaxPage): void {
    this.db
      .prepare(
        `INSERT INTO fax_pages (fax_id, page, width, height, x_resolution, y_resolution, image_blob)
         VALUES (@faxId, @page, @width, @height, @xResolution, @yResolution, @imageBlob)`,
      )
      .run(page);
    this.db
      .prepare("UPDATE faxes SET pages = pages + 1 WHERE id = ? AND status = 'receiving'")
      .run(page.faxId);
  }

  /** Inbound faxes whose call has not ended: at start-up, calls the previous process died in. */
  receivingFaxIds(): string[] {
    return (
      this.db
        .prepare("SELECT id FROM faxes WHERE status = 'receiving' AND direction = 'inbound' ORDER BY id")
        .all() as { id: string }[]
    ).map((r) => r.id);
  }

  /**
   * receiving → its outcome, every page now pointing at `imageBlob` (the pages joined in one TIFF).
   * False when the fax was no longer receiving (someone else finished it).
   */
  finishInbound(id: string, outcome: InboundOutcome, imageBlob: string | null): boolean {
    const changed = this.db
      .prepare(
        `UPDATE faxes SET status = @status, transport = COALESCE(@transport, transport),
           remote_station_id = @remoteStationId, bit_rate = @bitRate, ecm = @ecm, resolution = @resolution,
           t30_code = @t30Code, t30_text = @t30Text, completed_at = @completedAt, duration_ms = @durationMs,
           overage = @overage, pdf_blob = @pdfBlob,
           ocr_status = CASE WHEN pages > 0 THEN 'pending' ELSE 'skipped' END
         WHERE id = @id AND status = 'receiving'`,
      )
      .run({
        id,
        ...outcome,
        ecm: outcome.ecm === null ? null : outcome.ecm ? 1 : 0,
        overage: outcome.overage ? 1 : 0,
      }).changes;
    if (changed === 0) return false;
    this.db.prepare('UPDATE fax_pages SET image_blob = ? WHERE fax_id = ?').run(imageBlob, id);
    return true;
  }

  /**
   * Inbound pages already received this calendar month (UTC) on a number: the tier allowance meter.
   * `exceptFaxId`: the fax being metered, whose pages are already counted as they arrive.
   */
  inboundPagesThisMonth(numberId: string, now: Date, exceptFaxId: string | null = null): number {
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    return (
      this.db
        .prepare(
          `SELECT COALESCE(SUM(pages), 0) AS n FROM faxes WHERE number_id = ? AND direction = 'inbound'
             AND created_at >= ? AND id <> COALESCE(?, '')`,
        )
        .get(numberId, monthStart, exceptFaxId) as { n: number }
    ).n;
  }

  // ---- pipeline: OCR ----

  /** Stores the OCR of every page and indexes the fax's text for inbox search (replacing any older row). */
  saveOcr(
    faxId: string,
    result: { pages: OcrPage[]; text: string; confidence: number; status: 'done' | 'failed' },
    pdfBlob: string | null,
    previousSearchRowid: number | null,
    completedAt: string,
  ): void {
    const updatePage = this.db.prepare(
      'UPDATE fax_pages SET ocr_text = ?, ocr_confidence = ?, ocr_words = ? WHERE fax_id = ? AND page = ?',
    );
    for (const page of result.pages) {
      updatePage.run(
        this.masterKey.sealString(page.text, columnContext('fax_pages', 'ocr_text', faxId, page.page)),
        page.confidence,
        this.masterKey.sealString(
          JSON.stringify(page.words),
          columnContext('fax_pages', 'ocr_words', faxId, page.page),
        ),
        faxId,
        page.page,
      );
    }
    if (previousSearchRowid !== null)
      this.db.prepare('DELETE FROM fax_search WHERE rowid = ?').run(previousSearchRowid);
    const searchRowid =
      result.text.trim() === ''
        ? null
        : Number(
            this.db
              .prepare(
                `INSERT INTO fax_search (ocr_text) VALUES (?)${this.db.dialect.returningRowid('rowid')}`,
              )
              .run(result.text).lastInsertRowid,
          );
    this.db
      .prepare(
        `UPDATE faxes SET ocr_text = ?, ocr_confidence = ?, ocr_status = ?, ocr_completed_at = ?, pdf_blob = ?,
           search_rowid = ? WHERE id = ?`,
      )
      .run(
        this.masterKey.sealString(result.text, columnContext('faxes', 'ocr_text', faxId)),
        result.confidence,
        result.status,
        completedAt,
        pdfBlob,
        searchRowid,
        faxId,
      );
  }

  setReceivedEvent(faxId: string, eventId: string): void {
    this.db.prepare('UPDATE faxes SET received_event_id = ? WHERE id = ?').run(eventId, faxId);
  }

  // ---- pipeline: retention ----

  /**
   * Faxes whose retention ran out and whose content is still here, oldest first. A fax still being
   * received or sent keeps its documents until it ends.
   */
  duePurge(now: string, limit: number): DueFax[] {
    return this.db
      .prepare(
        `SELECT id, partner_id AS partnerId, search_rowid AS searchRowid FROM faxes
         WHERE purged_at IS NULL AND purge_at <= ? AND status NOT IN ('receiving', 'queued', 'sending')
         ORDER BY purge_at LIMIT ?`,
      )
      .all(now, limit) as DueFax[];
  }

  /** Every blob any fax or page names: what the start-up sweep must keep. */
  referencedBlobs(): Set<string> {
    const union = [
      ...this.faxBlobColumns.map((c) => `SELECT ${c} AS id FROM faxes WHERE ${c} IS NOT NULL`),
      'SELECT image_blob AS id FROM fax_pages WHERE image_blob IS NOT NULL',
    ].join(' UNION ');
    return new Set((this.db.prepare(union).all() as { id: string }[]).map((r) => r.id));
  }

  /** Every blob a fax holds: its PDF (and other documents) and its pages' images (pages share one TIFF). */
  blobsOf(fax: DueFax): string[] {
    const row = this.db
      .prepare(`SELECT ${this.faxBlobColumns.join(', ')} FROM faxes WHERE id = ?`)
      .get(fax.id) as Record<string, string | null>;
    const images = this.db
      .prepare('SELECT DISTINCT image_blob AS id FROM fax_pages WHERE fax_id = ? AND image_blob IS NOT NULL')
      .all(fax.id) as { id: string }[];
    const documents = Object.values(row).filter((id): id is string => id !== null);
    return [...new Set([...documents, ...images.map((i) => i.id)])];
  }

  /**
   * Drops a fax's content and keeps its metadata (numbers, pages, times, overage) as a tombstone for
   * billing and audit. The webhook bodies kept for replay are the outbox's (OutboxRepository.scrubFaxContent).
   */
  tombstone(fax: DueFax, purgedAt: string): void {
    this.db
      .prepare(
        `UPDATE faxes SET purged_at = ?, ${this.faxBlobColumns.map((c) => `${c} = NULL`).join(', ')},
           ocr_text = NULL, ocr_confidence = NULL, extracted_data = NULL, extraction_evidence = NULL,
           search_rowid = NULL WHERE id = ?`,
      )
      .run(purgedAt, fax.id);
    this.db
      .prepare(
        'UPDATE fax_pages SET image_blob = NULL, ocr_text = NULL, ocr_confidence = NULL, ocr_words = NULL WHERE fax_id = ?',
      )
      .run(fax.id);
    if (fax.searchRowid !== null)
      this.db.prepare('DELETE FROM fax_search WHERE rowid = ?').run(fax.searchRowid);
  }

  // ---- extraction ----

  /** The OCR of every page that has some, as the OCR pool produced it (words with their boxes). */
  ocrPages(faxId: string): OcrPage[] {
    const rows = this.db
      .prepare(
        `SELECT page, width, height, x_resolution, y_resolution, ocr_text, ocr_confidence, ocr_words
         FROM fax_pages WHERE fax_id = ? AND ocr_text IS NOT NULL ORDER BY page`,
      )
      .all(faxId) as {
      page: number;
      width: number;
      height: number;
      x_resolution: number;
      y_resolution: number;
      ocr_text: string | null;
      ocr_confidence: number | null;
      ocr_words: string | null;
    }[];
    const open = (column: string, value: string | null, page: number) =>
      this.masterKey.openColumn(value, columnContext('fax_pages', column, faxId, page));
    return rows.map((r) => ({
      page: r.page,
      width: r.width,
      height: r.height,
      xResolution: r.x_resolution,
      yResolution: r.y_resolution,
      text: open('ocr_text', r.ocr_text, r.page) ?? '',
      confidence: r.ocr_confidence ?? 0,
      words: json<OcrWord[]>(open('ocr_words', r.ocr_words, r.page)) ?? [],
    }));
  }

  /**
   * Stores a result if the fax still waits for exactly this run: pending, not purged, same schema
   * snapshot. False means another run (or a re-extract, or the purge) got there first: send nothing.
   * Call inside the transaction that also enqueues `fax.extracted`.
   */
  completeExtraction(
    faxId: string,
    schema: ExtractionSchema,
    data: Record<string, unknown>,
    evidence: object,
  ): boolean {
    return (
      this.db
        .prepare(
          `UPDATE faxes SET extracted_data = ?, extraction_evidence = ?, extraction_status = 'done'
           WHERE id = ? AND extraction_status = 'pending' AND purged_at IS NULL AND extraction_schema = ?`,
        )
        // The snapshot is always written by JSON.stringify, so the same schema serialises to the same text.
        .run(
          this.masterKey.sealString(JSON.stringify(data), columnContext('faxes', 'extracted_data', faxId)),
          this.masterKey.sealString(
            JSON.stringify(evidence),
            columnContext('faxes', 'extraction_evidence', faxId),
          ),
          faxId,
          JSON.stringify(schema),
        ).changes === 1
    );
  }

  /** Ends a pending extraction without a result (`skipped`: nothing to extract; `failed`: gave up). */
  endExtraction(faxId: string, status: 'skipped' | 'failed'): void {
    this.db
      .prepare("UPDATE faxes SET extraction_status = ? WHERE id = ? AND extraction_status = 'pending'")
      .run(status, faxId);
  }

  /** Points the fax at `schema` and makes it pending again: the next `fax.extract` run answers with it. */
  resetExtraction(faxId: string, schema: ExtractionSchema): void {
    this.db
      .prepare("UPDATE faxes SET extraction_schema = ?, extraction_status = 'pending' WHERE id = ?")
      .run(JSON.stringify(schema), faxId);
  }

  // ---- outbound: queued → sending → delivered | failed, retries back to queued ----
  // Every transition is a guarded UPDATE, so a cancel and a dial can never both win.

  insertOutbound(fax: NewOutboundFax): void {
    this.db
      .prepare(
        `INSERT INTO faxes (id, partner_id, number_id, shadow_user_id, direction, status, from_number, to_number,
           pages, pages_delivered, credits_reserved, callback_url, cover, pdf_blob, ocr_status, extraction_status,
           purge_at, created_at)
         VALUES (@id, @partnerId, @numberId, @shadowUserId, 'outbound', 'queued', @from, @to, @pages, 0, @pages,
           @callbackUrl, @cover, @pdfBlob, 'skipped', 'skipped', @purgeAt, @now)`,
      )
      .run({
        ...fax,
        cover: fax.cover
          ? this.masterKey.sealString(JSON.stringify(fax.cover), columnContext('faxes', 'cover', fax.id))
          : null,
        now: this.now(),
      });
  }

  outbound(id: string): OutboundFaxRecord | null {
    return toOutbound(this.get(id));
  }

  /** Another partner's fax reads as absent. */
  outboundForPartner(partnerId: string, id: string): OutboundFaxRecord | null {
    return toOutbound(this.getForPartner(partnerId, id));
  }

  /** Newest first; `before` is the id of the last item of the previous page. */
  listOutbound(
    partnerId: string,
    query: { limit: number; before?: string; status?: OutboundStatus; externalUserId?: string },
  ): OutboundFaxRecord[] {
    return (
      this.db
        .prepare(
          `${SELECT_FAX} WHERE f.partner_id = @partnerId AND f.direction = 'outbound'
             AND (@before IS NULL OR f.id < @before) AND (@status IS NULL OR f.status = @status)
             AND (@externalUserId IS NULL OR su.external_user_id = @externalUserId)
           ORDER BY f.id DESC LIMIT @limit`,
        )
        .all({
          partnerId,
          before: query.before ?? null,
          status: query.status ?? null,
          externalUserId: query.externalUserId ?? null,
          limit: query.limit,
        }) as FaxRow[]
    ).map((row) => toFax(row, this.masterKey) as OutboundFaxRecord);
  }

  setTiff(id: string, tiffBlob: string, pages: number): void {
    this.db.prepare('UPDATE faxes SET tiff_blob = ?, pages = ? WHERE id = ?').run(tiffBlob, pages, id);
  }

  /** queued → sending; false when the fax is no longer queued (canceled meanwhile). */
  beginAttempt(id: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE faxes SET status = 'sending', send_attempts = send_attempts + 1, next_attempt_at = NULL,
             started_at = COALESCE(started_at, ?) WHERE id = ? AND status = 'queued'`,
        )
        .run(this.now(), id).changes === 1
    );
  }

  /** sending → queued for a fax whose call was cut by the process stopping: the attempt is lost. */
  requeueInterrupted(id: string): void {
    this.db.prepare("UPDATE faxes SET status = 'queued' WHERE id = ? AND status = 'sending'").run(id);
  }

  /**
   * Outbound faxes still queued or sending that no live `fax.send` job will ever pick up (its last
   * attempt failed for good, e.g. cut by one stop after another): they would wait for ever.
   */
  strandedOutbound(sendJobKind: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT f.id FROM faxes f WHERE f.direction = 'outbound' AND f.status IN ('queued', 'sending')
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = ? AND j.status IN ('queued', 'running')
               AND ${this.db.dialect.jsonText('j.payload', 'faxId')} = f.id)
           ORDER BY f.id`,
        )
        .all(sendJobKind) as { id: string }[]
    ).map((r) => r.id);
  }

  /** Pages the far end confirmed during a call, durable at once so a crash resends only the rest. */
  recordPagesDelivered(id: string, pages: number): void {
    this.db.prepare('UPDATE faxes SET pages_delivered = ? WHERE id = ?').run(pages, id);
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
  finishOutbound(
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

  // ---- inbox ----

  /**
   * A partner's faxes newest first, optionally per user, in a time window, or matching an FTS5 query;
   * `before` is the id of the previous page's last item. A malformed query throws the engine's
   * syntax error (FTS5's, or PostgreSQL's "syntax error in tsquery").
   */
  inbox(query: InboxQuery): FaxSummary[] {
    const params = {
      partnerId: query.partnerId,
      externalUserId: query.externalUserId ?? null,
      match: query.match ? this.db.dialect.search.query(query.match) : null,
      since: query.since ?? null,
      until: query.until ?? null,
      before: query.before ?? null,
      limit: query.limit,
    };
    // A fax still receiving is not in the inbox yet: it appears when its call ends.
    const filters = `f.partner_id = @partnerId AND f.status <> 'receiving'
      AND (@externalUserId IS NULL OR su.external_user_id = @externalUserId)
      AND (@since IS NULL OR f.created_at >= @since) AND (@until IS NULL OR f.created_at < @until)
      AND (@before IS NULL OR f.id < @before)`;
    const search = this.db.dialect.search;
    const sql = query.match
      ? `SELECT ${SUMMARY_COLUMNS}, ${search.snippet} AS snippet
         FROM fax_search JOIN faxes f ON f.search_rowid = fax_search.rowid
         LEFT JOIN shadow_users su ON su.id = f.shadow_user_id
         WHERE ${search.condition} AND ${filters} ORDER BY f.id DESC LIMIT @limit`
      : `SELECT ${SUMMARY_COLUMNS} FROM faxes f LEFT JOIN shadow_users su ON su.id = f.shadow_user_id
         WHERE ${filters} ORDER BY f.id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as SummaryRow[]).map(toSummary);
  }

  /**
   * Inbound pages per number in the calendar month starting at `monthStart` (UTC), for every number
   * active at some point in it. Overage: pages past the tier's allowance (faxes are never dropped).
   */
  usage(partnerId: string, monthStart: Date, allowances: Record<Tier, number>): NumberUsage[] {
    const { from, to } = monthBounds(monthStart);
    const rows = this.db
      .prepare(
        `SELECT n.id AS numberId, n.e164 AS number, su.external_user_id AS externalUserId, n.tier,
           COUNT(f.id) AS inboundFaxes, COALESCE(SUM(f.pages), 0) AS inboundPages
         FROM numbers n JOIN shadow_users su ON su.id = n.shadow_user_id
         LEFT JOIN faxes f ON f.number_id = n.id AND f.direction = 'inbound' AND f.created_at >= @from AND f.created_at < @to
         WHERE n.partner_id = @partnerId AND ${ACTIVE_IN_MONTH}
         GROUP BY n.id, su.external_user_id ORDER BY n.id`,
      )
      .all({ partnerId, from, to }) as Omit<NumberUsage, 'allowancePages' | 'overagePages'>[];
    return rows.map((r) => {
      const allowancePages = allowances[r.tier];
      return { ...r, allowancePages, overagePages: Math.max(0, r.inboundPages - allowancePages) };
    });
  }

  /**
   * What a month close bills, per partner and tier: the numbers active at any time in the month and
   * their inbound pages, overage counted per number against its tier's allowance. One query for
   * every partner (or one partner's estimate).
   */
  billableUsage(monthStart: Date, allowances: Record<Tier, number>, partnerId?: string): BillableUsage[] {
    const { from, to } = monthBounds(monthStart);
    // The allowances are cast: PostgreSQL types untyped parameters in a CASE as text.
    return this.db
      .prepare(
        `WITH active AS (
           SELECT n.id, n.partner_id, n.tier FROM numbers n
           WHERE ${ACTIVE_IN_MONTH} AND (@partnerId IS NULL OR n.partner_id = @partnerId)
         ), paged AS (
           SELECT a.id, a.partner_id, a.tier, COALESCE(SUM(f.pages), 0) AS pages
           FROM active a LEFT JOIN faxes f ON f.number_id = a.id AND f.direction = 'inbound'
             AND f.created_at >= @from AND f.created_at < @to
           GROUP BY a.id, a.partner_id, a.tier
         )
         SELECT partner_id AS partnerId, tier, COUNT(*) AS numbers, SUM(pages) AS inboundPages,
           SUM(${this.db.dialect.greatest('0', "pages - CASE tier WHEN 'business' THEN CAST(@business AS integer) ELSE CAST(@personal AS integer) END")}) AS overagePages
         FROM paged GROUP BY partner_id, tier`,
      )
      .all({ from, to, partnerId: partnerId ?? null, ...allowances }) as BillableUsage[];
  }

  /** Faxes and pages per UTC day and direction in `[from, to)`, for the dashboard's chart. */
  dailyActivity(
    partnerId: string,
    from: Date,
    to: Date,
  ): { day: string; direction: 'inbound' | 'outbound'; faxes: number; pages: number }[] {
    return this.db
      .prepare(
        `SELECT substr(created_at, 1, 10) AS day, direction, COUNT(*) AS faxes, COALESCE(SUM(pages), 0) AS pages
         FROM faxes WHERE partner_id = ? AND created_at >= ? AND created_at < ?
         GROUP BY day, direction ORDER BY day`,
      )
      .all(partnerId, from.toISOString(), to.toISOString()) as {
      day: string;
      direction: 'inbound' | 'outbound';
      faxes: number;
      pages: number;
    }[];
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** A number counts for a month when it was active at any instant of it: created before its end, not released before its start. */
const ACTIVE_IN_MONTH = 'n.created_at < @to AND (n.released_at IS NULL OR n.released_at > @from)';

function monthBounds(monthStart: Date): { from: string; to: string } {
  const to = new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1));
  return { from: monthStart.toISOString(), to: to.toISOString() };
}

/** One partner's numbers of one tier in a month, with their inbound and overage pages. */
export interface BillableUsage {
  partnerId: string;
  tier: Tier;
  numbers: number;
  inboundPages: number;
  overagePages: number;
}
