// What the pipeline writes: a fax's OCR result with its search row, and the purge of a fax's
// content down to a metadata tombstone. Synchronous statements, run inside the callers' transactions.

import type { OcrPage } from '../ocr/ocr-result.ts';
import type { Db } from '../storage/database.ts';

export interface FaxProgress {
  ocrStatus: 'pending' | 'done' | 'failed' | 'skipped';
  pdfBlob: string | null;
  searchRowid: number | null;
  receivedEventId: string | null;
  purgedAt: string | null;
}

export interface DueFax {
  id: string;
  partnerId: string;
  searchRowid: number | null;
}

export class PipelineRepository {
  /** Every `*_blob` column of faxes (pdf_blob, the outbound tiff_blob…): what retention must delete. */
  private readonly faxBlobColumns: string[];

  constructor(private readonly db: Db) {
    this.faxBlobColumns = (db.prepare('PRAGMA table_info(faxes)').all() as { name: string }[])
      .map((c) => c.name)
      .filter((name) => /^[a-z_]+_blob$/.test(name));
  }

  progress(faxId: string): FaxProgress | null {
    const row = this.db
      .prepare(
        `SELECT ocr_status AS ocrStatus, pdf_blob AS pdfBlob, search_rowid AS searchRowid,
           received_event_id AS receivedEventId, purged_at AS purgedAt FROM faxes WHERE id = ?`,
      )
      .get(faxId) as FaxProgress | undefined;
    return row ?? null;
  }

  externalUserId(shadowUserId: string | null): string {
    if (!shadowUserId) return '';
    const row = this.db
      .prepare('SELECT external_user_id AS id FROM shadow_users WHERE id = ?')
      .get(shadowUserId) as { id: string } | undefined;
    return row?.id ?? '';
  }

  /** Stores the OCR of every page and indexes the fax's text for inbox search (replacing any older row). */
  saveOcr(
    faxId: string,
    result: { pages: OcrPage[]; text: string; confidence: number; status: 'done' | 'failed' },
    pdfBlob: string,
    previousSearchRowid: number | null,
    completedAt: string,
  ): void {
    const updatePage = this.db.prepare(
      'UPDATE fax_pages SET ocr_text = ?, ocr_confidence = ?, ocr_words = ? WHERE fax_id = ? AND page = ?',
    );
    for (const page of result.pages) {
      updatePage.run(page.text, page.confidence, JSON.stringify(page.words), faxId, page.page);
    }
    if (previousSearchRowid !== null)
      this.db.prepare('DELETE FROM fax_search WHERE rowid = ?').run(previousSearchRowid);
    const searchRowid =
      result.text.trim() === ''
        ? null
        : Number(
            this.db.prepare('INSERT INTO fax_search (ocr_text) VALUES (?)').run(result.text).lastInsertRowid,
          );
    this.db
      .prepare(
        `UPDATE faxes SET ocr_text = ?, ocr_confidence = ?, ocr_status = ?, ocr_completed_at = ?, pdf_blob = ?,
           search_rowid = ? WHERE id = ?`,
      )
      .run(result.text, result.confidence, result.status, completedAt, pdfBlob, searchRowid, faxId);
  }

  setReceivedEvent(faxId: string, eventId: string): void {
    this.db.prepare('UPDATE faxes SET received_event_id = ? WHERE id = ?').run(eventId, faxId);
  }

  skipExtraction(faxId: string): void {
    this.db.prepare("UPDATE faxes SET extraction_status = 'skipped' WHERE id = ?").run(faxId);
  }

  /** Faxes whose retention ran out and whose content is still here, oldest first. */
  duePurge(now: string, limit: number): DueFax[] {
    return this.db
      .prepare(
        `SELECT id, partner_id AS partnerId, search_rowid AS searchRowid FROM faxes
         WHERE purged_at IS NULL AND purge_at <= ? ORDER BY purge_at LIMIT ?`,
      )
      .all(now, limit) as DueFax[];
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
   * billing and audit. Webhook bodies kept for replay lose their OCR text and extracted data too.
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
    this.db
      .prepare(
        `UPDATE webhook_events SET body = json_replace(body, '$.ocrText', '', '$.extractedData', NULL, '$.evidence', NULL)
         WHERE partner_id = ? AND event_type IN ('fax.received', 'fax.extracted') AND json_extract(body, '$.faxId') = ?`,
      )
      .run(fax.partnerId, fax.id);
  }

  recordPurge(report: {
    trigger: 'schedule' | 'cli';
    startedAt: string;
    finishedAt: string;
    faxIds: string[];
    blobsDeleted: number;
  }): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO purge_reports (trigger, started_at, finished_at, faxes_purged, blobs_deleted, fax_ids)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          report.trigger,
          report.startedAt,
          report.finishedAt,
          report.faxIds.length,
          report.blobsDeleted,
          JSON.stringify(report.faxIds),
        ).lastInsertRowid,
    );
  }
}
