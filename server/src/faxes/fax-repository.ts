// Faxes, inbound and outbound, and their pages. Rows are written once the carrier-side outcome is
// known; everything later (OCR, extraction, purge) updates them through the pipeline.

import type { ExtractionSchema } from '../extraction/extraction-schema.ts';
import type { Db } from '../storage/database.ts';

export type FaxDirection = 'inbound' | 'outbound';
export type InboundStatus = 'received' | 'partial' | 'failed';

export interface Fax {
  id: string;
  partnerId: string;
  numberId: string | null;
  shadowUserId: string | null;
  direction: FaxDirection;
  status: string;
  from: string | null;
  to: string | null;
  callId: string | null;
  trunkId: string | null;
  transport: 't38' | 'audio' | null;
  pages: number;
  remoteStationId: string | null;
  bitRate: number | null;
  ecm: boolean | null;
  resolution: string | null;
  t30Code: number | null;
  t30Text: string | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  overage: boolean;
  pdfBlob: string | null;
  ocrStatus: 'pending' | 'done' | 'failed' | 'skipped';
  ocrText: string | null;
  purgeAt: string | null;
  purgedAt: string | null;
  /** The partner's extraction schema when the fax arrived (null: no extraction). */
  extractionSchema: ExtractionSchema | null;
  createdAt: string;
}

export interface FaxPageRow {
  faxId: string;
  page: number;
  width: number;
  height: number;
  xResolution: number;
  yResolution: number;
  imageBlob: string | null;
}

interface FaxRow {
  id: string;
  partner_id: string;
  number_id: string | null;
  shadow_user_id: string | null;
  direction: FaxDirection;
  status: string;
  from_number: string | null;
  to_number: string | null;
  call_id: string | null;
  trunk_id: string | null;
  transport: 't38' | 'audio' | null;
  pages: number;
  remote_station_id: string | null;
  bit_rate: number | null;
  ecm: number | null;
  resolution: string | null;
  t30_code: number | null;
  t30_text: string | null;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  overage: number;
  pdf_blob: string | null;
  ocr_status: Fax['ocrStatus'];
  ocr_text: string | null;
  purge_at: string | null;
  purged_at: string | null;
  extraction_schema: string | null;
  created_at: string;
}

const toFax = (r: FaxRow): Fax => ({
  id: r.id,
  partnerId: r.partner_id,
  numberId: r.number_id,
  shadowUserId: r.shadow_user_id,
  direction: r.direction,
  status: r.status,
  from: r.from_number,
  to: r.to_number,
  callId: r.call_id,
  trunkId: r.trunk_id,
  transport: r.transport,
  pages: r.pages,
  remoteStationId: r.remote_station_id,
  bitRate: r.bit_rate,
  ecm: r.ecm === null ? null : r.ecm === 1,
  resolution: r.resolution,
  t30Code: r.t30_code,
  t30Text: r.t30_text,
  startedAt: r.started_at,
  completedAt: r.completed_at,
  durationMs: r.duration_ms,
  overage: r.overage === 1,
  pdfBlob: r.pdf_blob,
  ocrStatus: r.ocr_status,
  ocrText: r.ocr_text,
  purgeAt: r.purge_at,
  purgedAt: r.purged_at,
  extractionSchema: r.extraction_schema ? JSON.parse(r.extraction_schema) : null,
  createdAt: r.created_at,
});

export type NewInboundFax = Omit<Fax, 'direction' | 'ocrStatus' | 'ocrText' | 'purgedAt' | 'status'> & {
  status: InboundStatus;
};

export class FaxRepository {
  constructor(private readonly db: Db) {}

  insertInbound(fax: NewInboundFax, pages: FaxPageRow[]): void {
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
        ocrStatus: fax.pages > 0 ? 'pending' : 'skipped',
      });
    const insertPage = this.db.prepare(
      `INSERT INTO fax_pages (fax_id, page, width, height, x_resolution, y_resolution, image_blob)
       VALUES (@faxId, @page, @width, @height, @xResolution, @yResolution, @imageBlob)`,
    );
    for (const page of pages) insertPage.run(page);
  }

  get(id: string): Fax | null {
    const row = this.db.prepare('SELECT * FROM faxes WHERE id = ?').get(id) as FaxRow | undefined;
    return row ? toFax(row) : null;
  }

  /** A fax as its partner may see it: another partner's id reads as absent. */
  getForPartner(partnerId: string, id: string): Fax | null {
    const row = this.db.prepare('SELECT * FROM faxes WHERE id = ? AND partner_id = ?').get(id, partnerId) as
      | FaxRow
      | undefined;
    return row ? toFax(row) : null;
  }

  pages(faxId: string): FaxPageRow[] {
    return this.db
      .prepare(
        `SELECT fax_id AS faxId, page, width, height, x_resolution AS xResolution, y_resolution AS yResolution,
         image_blob AS imageBlob FROM fax_pages WHERE fax_id = ? ORDER BY page`,
      )
      .all(faxId) as FaxPageRow[];
  }

  /** Inbound pages already received this calendar month (UTC) on a number: the tier allowance meter. */
  inboundPagesThisMonth(numberId: string, now: Date): number {
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    return (
      this.db
        .prepare(
          "SELECT COALESCE(SUM(pages), 0) AS n FROM faxes WHERE number_id = ? AND direction = 'inbound' AND created_at >= ?",
        )
        .get(numberId, monthStart) as { n: number }
    ).n;
  }
}
