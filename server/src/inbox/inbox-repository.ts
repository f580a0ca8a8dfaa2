// Reads behind the inbox API: a partner's faxes per user, newest first, with FTS5 search over OCR
// text, one fax in full, and inbound pages per number per month against the tier allowance.
// Every query is scoped by partner: another partner's fax id reads as absent.

import type { Tier } from '../numbers/number-schema.ts';
import { TIERS } from '../numbers/tiers.ts';
import type { Db } from '../storage/database.ts';

export interface InboxItem {
  id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  externalUserId: string | null;
  from: string | null;
  to: string | null;
  pages: number;
  ocrStatus: string;
  extractionStatus: string;
  overage: boolean;
  createdAt: string;
  purgedAt: string | null;
  /** Search only: the matching OCR text with `<mark>`…`</mark>` around the hits. */
  snippet?: string;
}

export interface InboxQuery {
  partnerId: string;
  externalUserId?: string;
  /** An FTS5 query (see search-query.ts). */
  match?: string;
  since?: string;
  until?: string;
  before?: string;
  limit: number;
}

export interface FaxDetail extends InboxItem {
  completedAt: string | null;
  ocrText: string | null;
  ocrConfidence: number | null;
  extractedData: Record<string, unknown> | null;
  extractionEvidence: Record<string, unknown> | null;
  failureCode: string | null;
  retryable: boolean | null;
  pagesDelivered: number | null;
  t30Code: number | null;
  t30Text: string | null;
  purgeAt: string | null;
  pdfBlob: string | null;
  pageDetails: {
    page: number;
    width: number;
    height: number;
    xResolution: number;
    yResolution: number;
    ocrText: string | null;
    ocrConfidence: number | null;
  }[];
}

export interface NumberUsage {
  numberId: string;
  number: string;
  externalUserId: string;
  tier: Tier;
  allowancePages: number;
  inboundFaxes: number;
  inboundPages: number;
  overagePages: number;
}

const ITEM_COLUMNS = `f.id, f.direction, f.status, su.external_user_id AS externalUserId, f.from_number AS "from",
  f.to_number AS "to", f.pages, f.ocr_status AS ocrStatus, f.extraction_status AS extractionStatus,
  f.overage, f.created_at AS createdAt, f.purged_at AS purgedAt`;

type ItemRow = Omit<InboxItem, 'overage'> & { overage: number };
const toItem = ({ overage, snippet, ...rest }: ItemRow): InboxItem => ({
  ...rest,
  overage: overage === 1,
  ...(snippet !== undefined ? { snippet } : {}),
});

export class InboxRepository {
  constructor(private readonly db: Db) {}

  /** Newest first; `before` is the id of the previous page's last item. Throws SqliteError on a bad MATCH. */
  list(query: InboxQuery): InboxItem[] {
    const params = {
      partnerId: query.partnerId,
      externalUserId: query.externalUserId ?? null,
      match: query.match ?? null,
      since: query.since ?? null,
      until: query.until ?? null,
      before: query.before ?? null,
      limit: query.limit,
    };
    const filters = `f.partner_id = @partnerId
      AND (@externalUserId IS NULL OR su.external_user_id = @externalUserId)
      AND (@since IS NULL OR f.created_at >= @since) AND (@until IS NULL OR f.created_at < @until)
      AND (@before IS NULL OR f.id < @before)`;
    const sql = query.match
      ? `SELECT ${ITEM_COLUMNS}, snippet(fax_search, 0, '<mark>', '</mark>', '…', 16) AS snippet
         FROM fax_search JOIN faxes f ON f.search_rowid = fax_search.rowid
         LEFT JOIN shadow_users su ON su.id = f.shadow_user_id
         WHERE fax_search MATCH @match AND ${filters} ORDER BY f.id DESC LIMIT @limit`
      : `SELECT ${ITEM_COLUMNS} FROM faxes f LEFT JOIN shadow_users su ON su.id = f.shadow_user_id
         WHERE ${filters} ORDER BY f.id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as ItemRow[]).map(toItem);
  }

  get(partnerId: string, faxId: string): FaxDetail | null {
    const row = this.db
      .prepare(
        `SELECT ${ITEM_COLUMNS}, f.completed_at AS completedAt, f.ocr_text AS ocrText, f.ocr_confidence AS ocrConfidence,
           f.extracted_data AS extractedData, f.extraction_evidence AS extractionEvidence, f.failure_code AS failureCode,
           f.retryable, f.pages_delivered AS pagesDelivered, f.t30_code AS t30Code, f.t30_text AS t30Text,
           f.purge_at AS purgeAt, f.pdf_blob AS pdfBlob
         FROM faxes f LEFT JOIN shadow_users su ON su.id = f.shadow_user_id WHERE f.id = ? AND f.partner_id = ?`,
      )
      .get(faxId, partnerId) as
      | (ItemRow & {
          completedAt: string | null;
          ocrText: string | null;
          ocrConfidence: number | null;
          extractedData: string | null;
          extractionEvidence: string | null;
          failureCode: string | null;
          retryable: number | null;
          pagesDelivered: number | null;
          t30Code: number | null;
          t30Text: string | null;
          purgeAt: string | null;
          pdfBlob: string | null;
        })
      | undefined;
    if (!row) return null;
    const pageDetails = this.db
      .prepare(
        `SELECT page, width, height, x_resolution AS xResolution, y_resolution AS yResolution, ocr_text AS ocrText,
           ocr_confidence AS ocrConfidence FROM fax_pages WHERE fax_id = ? ORDER BY page`,
      )
      .all(faxId) as FaxDetail['pageDetails'];
    const { extractedData, extractionEvidence, retryable, ...rest } = row;
    return {
      ...rest,
      ...toItem(rest),
      extractedData: extractedData ? JSON.parse(extractedData) : null,
      extractionEvidence: extractionEvidence ? JSON.parse(extractionEvidence) : null,
      retryable: retryable === null ? null : retryable === 1,
      pageDetails,
    };
  }

  /** Where a fax's PDF is, for the signed download (no partner scope: the signature is the authority). */
  pdfOf(faxId: string): { partnerId: string; pdfBlob: string | null; purgedAt: string | null } | null {
    const row = this.db
      .prepare(
        'SELECT partner_id AS partnerId, pdf_blob AS pdfBlob, purged_at AS purgedAt FROM faxes WHERE id = ?',
      )
      .get(faxId) as { partnerId: string; pdfBlob: string | null; purgedAt: string | null } | undefined;
    return row ?? null;
  }

  /**
   * Inbound pages per number in the calendar month starting at `monthStart` (UTC), for every number
   * active at some point in it. Overage: pages past the tier allowance (faxes are never dropped).
   */
  usage(partnerId: string, monthStart: Date): NumberUsage[] {
    const from = monthStart.toISOString();
    const to = new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1)).toISOString();
    const rows = this.db
      .prepare(
        `SELECT n.id AS numberId, n.e164 AS number, su.external_user_id AS externalUserId, n.tier,
           COUNT(f.id) AS inboundFaxes, COALESCE(SUM(f.pages), 0) AS inboundPages
         FROM numbers n JOIN shadow_users su ON su.id = n.shadow_user_id
         LEFT JOIN faxes f ON f.number_id = n.id AND f.direction = 'inbound' AND f.created_at >= @from AND f.created_at < @to
         WHERE n.partner_id = @partnerId AND n.created_at < @to AND (n.released_at IS NULL OR n.released_at >= @from)
         GROUP BY n.id ORDER BY n.id`,
      )
      .all({ partnerId, from, to }) as Omit<NumberUsage, 'allowancePages' | 'overagePages'>[];
    return rows.map((r) => {
      const allowancePages = TIERS[r.tier].inboundPagesPerMonth;
      return { ...r, allowancePages, overagePages: Math.max(0, r.inboundPages - allowancePages) };
    });
  }
}
