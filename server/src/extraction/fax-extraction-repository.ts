// A fax as extraction sees it: the schema snapshot taken when it arrived (faxes.extraction_schema), its
// OCR pages rebuilt from fax_pages, and the stored result. The SQL of the extraction domain lives here.

import type { OcrPage, OcrWord } from '../ocr/ocr-result.ts';
import type { Db } from '../storage/database.ts';
import type { FieldEvidence, ProviderName } from './extraction-provider.ts';
import type { ExtractionSchema } from './extraction-schema.ts';

export type ExtractionStatus = 'pending' | 'done' | 'failed' | 'skipped';

export interface ExtractionSubject {
  id: string;
  partnerId: string;
  externalUserId: string | null;
  direction: 'inbound' | 'outbound';
  from: string | null;
  to: string | null;
  pages: number;
  ocrStatus: 'pending' | 'done' | 'failed' | 'skipped';
  ocrText: string | null;
  purgedAt: string | null;
  extractionStatus: ExtractionStatus;
  /** The snapshot exactly as stored: the job compares it at commit to notice a re-extract in between. */
  schemaJson: string | null;
}

/** What `faxes.extraction_evidence` holds: the evidence per field path, and who produced it. */
export interface StoredEvidence {
  provider: ProviderName;
  /** Set when the configured provider failed and `rules` answered instead. */
  fallback: { from: ProviderName; code: string } | null;
  fields: Record<string, FieldEvidence>;
}

interface SubjectRow {
  id: string;
  partner_id: string;
  external_user_id: string | null;
  direction: 'inbound' | 'outbound';
  from_number: string | null;
  to_number: string | null;
  pages: number;
  ocr_status: ExtractionSubject['ocrStatus'];
  ocr_text: string | null;
  purged_at: string | null;
  extraction_status: ExtractionStatus;
  extraction_schema: string | null;
}

interface PageRow {
  page: number;
  width: number;
  height: number;
  x_resolution: number;
  y_resolution: number;
  ocr_text: string | null;
  ocr_confidence: number | null;
  ocr_words: string | null;
}

export class FaxExtractionRepository {
  constructor(private readonly db: Db) {}

  /** The fax, or null; `partnerId` scopes it to one partner (another partner's fax reads as absent). */
  subject(faxId: string, partnerId?: string): ExtractionSubject | null {
    const row = this.db
      .prepare(
        `SELECT f.id, f.partner_id, u.external_user_id, f.direction, f.from_number, f.to_number, f.pages,
           f.ocr_status, f.ocr_text, f.purged_at, f.extraction_status, f.extraction_schema
         FROM faxes f LEFT JOIN shadow_users u ON u.id = f.shadow_user_id
         WHERE f.id = ? AND (? IS NULL OR f.partner_id = ?)`,
      )
      .get(faxId, partnerId ?? null, partnerId ?? null) as SubjectRow | undefined;
    if (!row) return null;
    return {
      id: row.id,
      partnerId: row.partner_id,
      externalUserId: row.external_user_id,
      direction: row.direction,
      from: row.from_number,
      to: row.to_number,
      pages: row.pages,
      ocrStatus: row.ocr_status,
      ocrText: row.ocr_text,
      purgedAt: row.purged_at,
      extractionStatus: row.extraction_status,
      schemaJson: row.extraction_schema,
    };
  }

  /** The OCR of every page that has some, as the OCR pool produced it (words with their boxes). */
  ocrPages(faxId: string): OcrPage[] {
    const rows = this.db
      .prepare(
        `SELECT page, width, height, x_resolution, y_resolution, ocr_text, ocr_confidence, ocr_words
         FROM fax_pages WHERE fax_id = ? AND ocr_text IS NOT NULL ORDER BY page`,
      )
      .all(faxId) as PageRow[];
    return rows.map((r) => ({
      page: r.page,
      width: r.width,
      height: r.height,
      xResolution: r.x_resolution,
      yResolution: r.y_resolution,
      text: r.ocr_text ?? '',
      confidence: r.ocr_confidence ?? 0,
      words: r.ocr_words ? (JSON.parse(r.ocr_words) as OcrWord[]) : [],
    }));
  }

  /**
   * Stores a result if the fax still waits for exactly this run: pending, not purged, same schema
   * snapshot. False means another run (or a re-extract, or the purge) got there first: send nothing.
   * Call inside the transaction that also enqueues `fax.extracted`.
   */
  complete(
    faxId: string,
    schemaJson: string,
    data: Record<string, unknown>,
    evidence: StoredEvidence,
  ): boolean {
    return (
      this.db
        .prepare(
          `UPDATE faxes SET extracted_data = ?, extraction_evidence = ?, extraction_status = 'done'
           WHERE id = ? AND extraction_status = 'pending' AND purged_at IS NULL AND extraction_schema = ?`,
        )
        .run(JSON.stringify(data), JSON.stringify(evidence), faxId, schemaJson).changes === 1
    );
  }

  /** Marks a pending extraction as ended without a result (`skipped`: nothing to do; `failed`: gave up). */
  finish(faxId: string, status: 'skipped' | 'failed'): void {
    this.db
      .prepare("UPDATE faxes SET extraction_status = ? WHERE id = ? AND extraction_status = 'pending'")
      .run(status, faxId);
  }

  /** Points the fax at `schema` and makes it pending again: the next `fax.extract` run answers with it. */
  reset(faxId: string, schema: ExtractionSchema): void {
    this.db
      .prepare("UPDATE faxes SET extraction_schema = ?, extraction_status = 'pending' WHERE id = ?")
      .run(JSON.stringify(schema), faxId);
  }
}
