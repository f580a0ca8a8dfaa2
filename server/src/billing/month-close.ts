// The month close: one invoice per partner per calendar month (UTC), a line per tier with the
// numbers active at any time in the month, and overage lines for inbound pages past each number's
// allowance when the operator prices overage. The local invoice row is written before any Stripe
// call and each Stripe write carries a key derived from (partner, month, step), so running the
// close twice, or again after a crash halfway, never bills twice. Runs as a durable job on the 1st.

import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { BillableUsage, FaxRepository } from '../faxes/fax-repository.ts';
import type { DatabaseJobQueue, Job, JobQueue } from '../jobs/job-queue.ts';
import type { Tier } from '../numbers/number-schema.ts';
import type { PartnerRepository } from '../partners/partner-repository.ts';
import type { Partner } from '../partners/partner-schema.ts';
import type { Db } from '../storage/database.ts';
import type { BillingAccountRepository } from './billing-account-repository.ts';
import type { CloseLine, CloseReport, InvoiceLine, MonthUsage, Prices } from './billing-schema.ts';
import { mergeInvoiceFact } from './billing-standing.ts';
import { ensureCustomer } from './credit-purchases.ts';
import type { InvoiceRecord, InvoiceRepository } from './invoice-repository.ts';
import type { PriceRepository } from './price-repository.ts';
import type { StripeGateway } from './stripe-gateway.ts';

export const MONTH_CLOSE_JOB = 'billing.close-month';

/** Partners closed at once: Stripe's live rate limit is 100 requests/s, and 4 in flight stay well under it. */
const PARTNERS_IN_FLIGHT = 4;
const TIERS: Tier[] = ['personal', 'business'];
const TIER_LABEL: Record<Tier, string> = { personal: 'Personal', business: 'Business' };

export const monthOf = (date: Date): string =>
  `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;

export function monthStart(month: string): Date {
  const [year, mm] = month.split('-').map(Number);
  return new Date(Date.UTC(year, mm - 1, 1));
}

export function nextMonth(month: string): string {
  const start = monthStart(month);
  return monthOf(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)));
}

function monthName(month: string): string {
  return monthStart(month).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** The invoice lines of one partner's month (unpriced overage is listed, not billed). */
export function invoiceLines(usage: BillableUsage[], prices: Prices, month: string): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  const name = monthName(month);
  for (const tier of TIERS) {
    const u = usage.find((row) => row.tier === tier);
    if (!u || u.numbers === 0) continue;
    const price = prices.tiers[tier];
    lines.push({
      kind: 'numbers',
      tier,
      description: `${TIER_LABEL[tier]} fax numbers, ${name}`,
      quantity: u.numbers,
      unitAmount: price.monthlyAmount,
      amount: u.numbers * price.monthlyAmount,
      billed: true,
    });
  }
  for (const tier of TIERS) {
    const u = usage.find((row) => row.tier === tier);
    if (!u || u.overagePages === 0) continue;
    const perPage = prices.tiers[tier].overagePerPage;
    lines.push({
      kind: 'overage',
      tier,
      description: `${TIER_LABEL[tier]} inbound pages past the allowance, ${name}`,
      quantity: u.overagePages,
      unitAmount: perPage,
      amount: perPage === null ? 0 : u.overagePages * perPage,
      billed: perPage !== null,
    });
  }
  return lines;
}

export interface MonthCloseDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  stripe: StripeGateway | null;
  prices: PriceRepository;
  invoices: InvoiceRepository;
  accounts: BillingAccountRepository;
  partners: PartnerRepository;
  faxes: FaxRepository;
  audit: AuditLog;
}

export class MonthClose {
  constructor(private readonly deps: MonthCloseDeps) {}

  /** The month so far for one partner: what its invoice would say if the month closed now. */
  estimate(partnerId: string, month: string): MonthUsage {
    const prices = this.deps.prices.prices();
    const usage = this.deps.faxes.billableUsage(monthStart(month), this.deps.prices.allowances(), partnerId);
    const lines = invoiceLines(usage, prices, month);
    const count = (tier: Tier) => usage.find((u) => u.tier === tier)?.numbers ?? 0;
    return {
      month,
      numbers: { personal: count('personal'), business: count('business') },
      inboundPages: usage.reduce((sum, u) => sum + u.inboundPages, 0),
      overagePages: usage.reduce((sum, u) => sum + u.overagePages, 0),
      estimatedAmount: { amount: lines.reduce((sum, l) => sum + l.amount, 0), currency: prices.currency },
    };
  }

  /** Closes `month` for every partner and stores the report. Refuses a month that is not over. */
  async close(month: string, trigger: CloseReport['trigger']): Promise<CloseReport> {
    const { clock, stripe, prices: priceRepo, invoices, partners, faxes, audit, log } = this.deps;
    const startedAt = clock.now();
    if (monthStart(nextMonth(month)) > startedAt)
      throw DomainError.conflict(
        'month_not_over',
        `${month} is not over yet (UTC); a month closes from the 1st of the next.`,
      );
    const callsBefore = stripe?.calls ?? 0;
    const prices = priceRepo.prices();
    const usageByPartner = new Map<string, BillableUsage[]>();
    for (const row of faxes.billableUsage(monthStart(month), priceRepo.allowances())) {
      const list = usageByPartner.get(row.partnerId) ?? [];
      list.push(row);
      usageByPartner.set(row.partnerId, list);
    }
    const existing = invoices.allForMonth(month);
    const all = partners.list();
    const lines: CloseLine[] = new Array(all.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < all.length; i = next++) {
        lines[i] = await this.closePartner(
          all[i],
          month,
          usageByPartner.get(all[i].id) ?? [],
          prices,
          existing.get(all[i].id),
        );
      }
    };
    await Promise.all(Array.from({ length: PARTNERS_IN_FLIGHT }, worker));
    const report = invoices.addClose({
      month,
      trigger,
      startedAt: startedAt.toISOString(),
      finishedAt: clock.now().toISOString(),
      partners: all.length,
      invoiced: lines.filter((l) => l.invoiceId !== null).length,
      failed: lines.filter((l) => l.outcome === 'failed').length,
      total: { amount: lines.reduce((sum, l) => sum + l.amount, 0), currency: prices.currency },
      stripeCalls: (stripe?.calls ?? 0) - callsBefore,
      lines,
    });
    audit.record({
      actorType: trigger === 'cli' ? 'operator' : 'system',
      actorId: trigger === 'cli' ? 'cli' : 'scheduler',
      action: 'billing.month_closed',
      targetType: 'billing_close',
      targetId: report.id,
      details: {
        month,
        partners: report.partners,
        invoiced: report.invoiced,
        failed: report.failed,
        amount: report.total.amount,
      },
    });
    log.info({ month, closeId: report.id, invoiced: report.invoiced, failed: report.failed }, 'month closed');
    return report;
  }

  private async closePartner(
    partner: Partner,
    month: string,
    usage: BillableUsage[],
    prices: Prices,
    existing: InvoiceRecord | undefined,
  ): Promise<CloseLine> {
    const { db, clock, stripe, invoices } = this.deps;
    const count = (tier: Tier) => usage.find((u) => u.tier === tier)?.numbers ?? 0;
    const base = {
      partnerId: partner.id,
      companyName: partner.companyName,
      numbers: { personal: count('personal'), business: count('business') },
      overagePages: usage.reduce((sum, u) => sum + u.overagePages, 0),
    };
    const line = (
      outcome: CloseLine['outcome'],
      invoice: InvoiceRecord | null,
      error: string | null = null,
    ): CloseLine => ({
      ...base,
      outcome,
      amount: invoice?.amount ?? 0,
      currency: invoice?.currency ?? prices.currency,
      invoiceId: invoice?.id ?? null,
      invoiceNumber: invoice?.number ?? null,
      stripeInvoiceId: invoice?.stripeInvoiceId ?? null,
      error,
    });

    let invoice = existing ?? null;
    if (!invoice) {
      const lines = invoiceLines(usage, prices, month);
      const amount = lines.reduce((sum, l) => sum + l.amount, 0);
      if (amount === 0) return line('nothing_to_bill', null);
      const now = clock.now().toISOString();
      // The anchor of idempotency: once this row exists the month's amounts for the partner are fixed.
      // Re-read inside the write lock: a CLI close and the scheduled job may race for the partner.
      let created = false;
      invoice = db
        .transaction(() => {
          const raced = invoices.forMonth(partner.id, month);
          if (raced) return raced;
          created = true;
          return invoices.insert({
            partnerId: partner.id,
            month,
            number: invoices.nextNumber(month),
            periodStart: monthStart(month).toISOString(),
            periodEnd: monthStart(nextMonth(month)).toISOString(),
            amount,
            currency: prices.currency,
            lines,
            status: stripe ? 'draft' : 'open',
            finalizedAt: stripe ? null : now,
            createdAt: now,
          });
        })
        .immediate();
      if (created) this.auditInvoice('billing.invoice_created', invoice);
      if (!stripe) return line('local_only', invoice);
    } else if (!stripe || invoice.status !== 'draft') {
      return line(stripe ? 'already_invoiced' : 'local_only', invoice);
    }
    if (!stripe) return line('local_only', invoice);
    try {
      return line('invoiced', await this.issueInStripe(stripe, invoice, month));
    } catch (err) {
      const message = (err as Error).message;
      this.deps.log.warn(
        { partnerId: partner.id, month, err: message },
        'month close: Stripe step failed; a rerun resumes',
      );
      return line('failed', invoices.get(invoice.id), message);
    }
  }

  /** Customer, draft invoice, one item per billed line, finalize: each step resumes where a crash left it. */
  private async issueInStripe(
    stripe: StripeGateway,
    invoice: InvoiceRecord,
    month: string,
  ): Promise<InvoiceRecord> {
    const { invoices, clock } = this.deps;
    const key = `faxseal-invoice-${invoice.partnerId}-${month}`;
    const customer = await ensureCustomer(this.deps, stripe, invoice.partnerId);
    let stripeId = invoice.stripeInvoiceId;
    if (!stripeId) {
      const created = await stripe.createInvoice(
        {
          customer,
          currency: invoice.currency,
          description: `FaxSeal numbers, ${monthName(month)}`,
          metadata: {
            faxseal_partner_id: invoice.partnerId,
            faxseal_month: month,
            faxseal_invoice_id: invoice.id,
          },
        },
        `${key}-create`,
      );
      stripeId = created.id!;
      invoices.setStripeInvoice(invoice.id, stripeId);
    }
    const billed = invoice.lines.filter((l) => l.billed);
    for (let i = invoice.stripeLinesAdded; i < billed.length; i++) {
      const l = billed[i];
      await stripe.addInvoiceLine(
        customer,
        stripeId,
        {
          description: l.description,
          quantity: l.quantity,
          unitAmount: l.unitAmount ?? 0,
          currency: invoice.currency,
          period: { start: new Date(invoice.periodStart), end: new Date(invoice.periodEnd) },
          metadata: { faxseal_kind: l.kind, faxseal_tier: l.tier },
        },
        `${key}-line-${i}`,
      );
      invoices.setLinesAdded(invoice.id, i + 1);
    }
    const finalized = await stripe.finalizeInvoice(stripeId, `${key}-finalize`);
    if (finalized.total !== invoice.amount)
      this.deps.log.warn(
        { invoiceId: invoice.id, stripeTotal: finalized.total, amount: invoice.amount },
        'Stripe total differs from the computed amount',
      );
    const current = invoices.get(invoice.id)!;
    const state = mergeInvoiceFact(
      {
        ...current,
        stripeInvoiceId: stripeId,
        number: finalized.number ?? current.number,
        hostedInvoiceUrl: finalized.hosted_invoice_url ?? null,
        pdfUrl: finalized.invoice_pdf ?? null,
      },
      'finalized',
      clock.now().toISOString(),
    );
    invoices.saveStripeState(invoice.id, state);
    const issued = invoices.get(invoice.id)!;
    this.auditInvoice('billing.invoice_issued', issued);
    return issued;
  }

  private auditInvoice(action: string, invoice: InvoiceRecord): void {
    this.deps.audit.record({
      actorType: 'system',
      actorId: 'month-close',
      action,
      targetType: 'invoice',
      targetId: invoice.id,
      partnerId: invoice.partnerId,
      details: {
        month: invoice.month,
        amount: invoice.amount,
        currency: invoice.currency,
        stripeInvoiceId: invoice.stripeInvoiceId,
      },
    });
  }
}

/** Books the close of `month` for 00:00 UTC on the 1st of the next (once: the month is its key). */
export function scheduleMonthClose(jobs: JobQueue, month: string): string {
  return jobs.enqueue(
    MONTH_CLOSE_JOB,
    { month },
    {
      uniqueKey: `billing.close:${month}`,
      runAt: monthStart(nextMonth(month)),
      maxAttempts: 10,
      recurring: true,
    },
  );
}

/**
 * The close as a durable job: one per month (its unique key), due at 00:00 UTC on the 1st of the
 * next month; each run books the next month first, so a failing close never stops the schedule.
 * A run with failed partners fails the job, and the queue retries it (the close is idempotent).
 */
/**
 * Registers the close job's handler; returns what books the current month's close, which the node
 * holding the month-close singleton calls (each run books the next month).
 */
export function registerMonthClose(jobs: DatabaseJobQueue, clock: Clock, close: MonthClose): () => void {
  const schedule = (month: string) => scheduleMonthClose(jobs, month);
  jobs.register<{ month: string }>(
    MONTH_CLOSE_JOB,
    async (job: Job<{ month: string }>) => {
      schedule(nextMonth(job.payload.month));
      const report = await close.close(job.payload.month, 'schedule');
      if (report.failed > 0)
        throw new Error(
          `${report.failed} of ${report.partners} partners failed in Stripe; the retry resumes them`,
        );
    },
    {
      concurrency: 1,
      leaseMs: 5 * 60_000,
      backoffMs: (attempt) => Math.min(6 * 3600_000, 60_000 * 4 ** (attempt - 1)),
    },
  );
  return () => void schedule(monthOf(clock.now()));
}
