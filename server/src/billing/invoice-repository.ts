// `invoices` (one per partner and closed month, plus any Stripe told us about that the appliance
// did not make) and `billing_closes` (the report of each month-close run).

import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type {
  CloseLine,
  CloseReport,
  CloseSummary,
  Invoice,
  InvoiceLine,
  InvoiceStatus,
} from './billing-schema.ts';

/** The stored invoice: the API's Invoice plus its partner and what the close and Stripe's events recorded. */
export interface InvoiceRecord extends Invoice {
  partnerId: string;
  stripeLinesAdded: number;
  finalizedAt: string | null;
  paymentFailedAt: string | null;
  paidAt: string | null;
  uncollectibleAt: string | null;
  voidedAt: string | null;
}

/** What Stripe's events set on an invoice (the service merges them so order does not matter). */
export type StripeInvoiceState = Pick<
  InvoiceRecord,
  | 'status'
  | 'number'
  | 'hostedInvoiceUrl'
  | 'pdfUrl'
  | 'stripeInvoiceId'
  | 'finalizedAt'
  | 'paymentFailedAt'
  | 'paidAt'
  | 'uncollectibleAt'
  | 'voidedAt'
>;

interface InvoiceRow {
  id: string;
  partner_id: string;
  month: string | null;
  number: string;
  period_start: string;
  period_end: string;
  amount: number;
  currency: string;
  lines: string;
  status: InvoiceStatus;
  stripe_invoice_id: string | null;
  stripe_lines_added: number;
  hosted_invoice_url: string | null;
  pdf_url: string | null;
  finalized_at: string | null;
  payment_failed_at: string | null;
  paid_at: string | null;
  uncollectible_at: string | null;
  voided_at: string | null;
  created_at: string;
}

const toInvoice = (r: InvoiceRow): InvoiceRecord => ({
  id: r.id,
  partnerId: r.partner_id,
  number: r.number,
  month: r.month,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  amount: r.amount,
  currency: r.currency,
  status: r.status,
  lines: JSON.parse(r.lines) as InvoiceLine[],
  stripeInvoiceId: r.stripe_invoice_id,
  stripeLinesAdded: r.stripe_lines_added,
  hostedInvoiceUrl: r.hosted_invoice_url,
  pdfUrl: r.pdf_url,
  finalizedAt: r.finalized_at,
  paymentFailedAt: r.payment_failed_at,
  paidAt: r.paid_at,
  uncollectibleAt: r.uncollectible_at,
  voidedAt: r.voided_at,
  createdAt: r.created_at,
});

export interface NewInvoice {
  partnerId: string;
  month: string | null;
  number: string;
  periodStart: string;
  periodEnd: string;
  amount: number;
  currency: string;
  lines: InvoiceLine[];
  status: InvoiceStatus;
  stripeInvoiceId?: string | null;
  finalizedAt?: string | null;
  createdAt: string;
}

interface CloseRow {
  id: string;
  month: string;
  trigger: CloseSummary['trigger'];
  started_at: string;
  finished_at: string;
  partners: number;
  invoiced: number;
  failed: number;
  amount: number;
  currency: string;
  stripe_calls: number;
  lines: string;
}

const toSummary = (r: CloseRow): CloseSummary => ({
  id: r.id,
  month: r.month,
  trigger: r.trigger,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  partners: r.partners,
  invoiced: r.invoiced,
  failed: r.failed,
  total: { amount: r.amount, currency: r.currency },
  stripeCalls: r.stripe_calls,
});

export class InvoiceRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the invoice unless the partner already has one for the month; returns the one that stands. */
  insert(invoice: NewInvoice): InvoiceRecord {
    const id = newId('ivc');
    this.db
      .prepare(
        `INSERT INTO invoices (id, partner_id, month, number, period_start, period_end, amount, currency, lines,
           status, stripe_invoice_id, finalized_at, created_at)
         VALUES (@id, @partnerId, @month, @number, @periodStart, @periodEnd, @amount, @currency, @lines, @status,
           @stripeInvoiceId, @finalizedAt, @createdAt)
         ON CONFLICT DO NOTHING`,
      )
      .run({
        ...invoice,
        id,
        lines: JSON.stringify(invoice.lines),
        stripeInvoiceId: invoice.stripeInvoiceId ?? null,
        finalizedAt: invoice.finalizedAt ?? null,
      });
    return invoice.month !== null
      ? this.forMonth(invoice.partnerId, invoice.month)!
      : this.byStripeId(invoice.stripeInvoiceId!)!;
  }

  get(id: string): InvoiceRecord | null {
    const row = this.db.prepare('SELECT * FROM invoices WHERE id = ?').get(id) as InvoiceRow | undefined;
    return row ? toInvoice(row) : null;
  }

  forMonth(partnerId: string, month: string): InvoiceRecord | null {
    const row = this.db
      .prepare('SELECT * FROM invoices WHERE partner_id = ? AND month = ?')
      .get(partnerId, month) as InvoiceRow | undefined;
    return row ? toInvoice(row) : null;
  }

  /** Every invoice of a month, by partner (the close reads them in one query). */
  allForMonth(month: string): Map<string, InvoiceRecord> {
    const rows = this.db.prepare('SELECT * FROM invoices WHERE month = ?').all(month) as InvoiceRow[];
    return new Map(rows.map((r) => [r.partner_id, toInvoice(r)]));
  }

  byStripeId(stripeInvoiceId: string): InvoiceRecord | null {
    const row = this.db.prepare('SELECT * FROM invoices WHERE stripe_invoice_id = ?').get(stripeInvoiceId) as
      | InvoiceRow
      | undefined;
    return row ? toInvoice(row) : null;
  }

  /** The appliance's own number for the next invoice of `month`: FS-YYYYMM-000001 upwards. */
  nextNumber(month: string): string {
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM invoices WHERE month = ?').get(month) as {
      n: number;
    };
    return `FS-${month.replace('-', '')}-${String(n + 1).padStart(6, '0')}`;
  }

  setStripeInvoice(id: string, stripeInvoiceId: string): void {
    this.db.prepare('UPDATE invoices SET stripe_invoice_id = ? WHERE id = ?').run(stripeInvoiceId, id);
  }

  setLinesAdded(id: string, count: number): void {
    this.db.prepare('UPDATE invoices SET stripe_lines_added = ? WHERE id = ?').run(count, id);
  }

  saveStripeState(id: string, state: StripeInvoiceState): void {
    this.db
      .prepare(
        `UPDATE invoices SET status = @status, number = @number, hosted_invoice_url = @hostedInvoiceUrl,
           pdf_url = @pdfUrl, stripe_invoice_id = @stripeInvoiceId, finalized_at = @finalizedAt,
           payment_failed_at = @paymentFailedAt, paid_at = @paidAt, uncollectible_at = @uncollectibleAt,
           voided_at = @voidedAt WHERE id = @id`,
      )
      .run({ ...state, id });
  }

  /** Newest first; `before` is the id of the last item of the previous page. */
  list(partnerId: string, query: { limit: number; before?: string }): InvoiceRecord[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM invoices WHERE partner_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?',
        )
        .all(partnerId, query.before ?? null, query.before ?? null, query.limit) as InvoiceRow[]
    ).map(toInvoice);
  }

  /** Every invoice of a partner (billing status is derived from all of them). */
  allOf(partnerId: string): InvoiceRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM invoices WHERE partner_id = ? ORDER BY id')
        .all(partnerId) as InvoiceRow[]
    ).map(toInvoice);
  }

  lastInvoiceAt(partnerId: string): string | null {
    const row = this.db
      .prepare(
        "SELECT MAX(COALESCE(finalized_at, created_at)) AS at FROM invoices WHERE partner_id = ? AND status <> 'draft'",
      )
      .get(partnerId) as { at: string | null };
    return row.at;
  }

  addClose(report: Omit<CloseReport, 'id'>): CloseReport {
    const id = newId('cls');
    this.db
      .prepare(
        `INSERT INTO billing_closes (id, month, trigger, started_at, finished_at, partners, invoiced, failed, amount,
           currency, stripe_calls, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        report.month,
        report.trigger,
        report.startedAt,
        report.finishedAt,
        report.partners,
        report.invoiced,
        report.failed,
        report.total.amount,
        report.total.currency,
        report.stripeCalls,
        JSON.stringify(report.lines),
      );
    return { ...report, id };
  }

  closes(query: { limit: number; before?: string; month?: string }): CloseSummary[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM billing_closes WHERE (@month IS NULL OR month = @month) AND (@before IS NULL OR id < @before)
           ORDER BY id DESC LIMIT @limit`,
        )
        .all({ month: query.month ?? null, before: query.before ?? null, limit: query.limit }) as CloseRow[]
    ).map(toSummary);
  }

  close(id: string): CloseReport | null {
    const row = this.db.prepare('SELECT * FROM billing_closes WHERE id = ?').get(id) as CloseRow | undefined;
    return row ? { ...toSummary(row), lines: JSON.parse(row.lines) as CloseLine[] } : null;
  }
}
