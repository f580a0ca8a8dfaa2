// Outbound faxes as the partner API sees them: submission (checks with precise error codes, the
// credit reservation, the fax row and its first `fax.send` job in one IMMEDIATE transaction),
// cancellation, and settlement (pages not delivered are refunded, the status event is queued in the
// same transaction as the state change).

import type { Logger } from 'pino';
import { addDays } from '../clock.ts';
import type { CreditChangeResult } from '../credits/credit-ledger.ts';
import { DomainError } from '../domain-error.ts';
import type { FailureRecord, OutboundFaxRecord } from '../faxes/fax-repository.ts';
import { isUsE164 } from '../numbers/e164.ts';
import { effectiveRetentionDays } from '../numbers/tiers.ts';
import type { Services } from '../services.ts';
import { newId } from '../storage/ids.ts';
import type { OutboundFaxPayload } from '../webhooks/webhook-event.ts';
import { type DocumentLimits, documentError, inspectPdf } from './fax-document.ts';
import type { CoverRequest } from './outbound-fax-schema.ts';

export const SEND_JOB = 'fax.send';

/** The durable job payload of one call attempt. */
export interface SendJobPayload {
  faxId: string;
  attempt: number;
  /** Retries used so far per retry schedule. */
  retries: { busy: number; no_answer: number; transmission_error: number };
}

export interface Submission {
  partnerId: string;
  externalUserId: string;
  to: string;
  callbackUrl?: string | null;
  cover?: Partial<CoverRequest> | null;
  pdf: Buffer;
}

export class OutboundFaxes {
  constructor(
    private readonly deps: Pick<
      Services,
      | 'db'
      | 'clock'
      | 'faxes'
      | 'credits'
      | 'numbers'
      | 'settings'
      | 'blobs'
      | 'jobs'
      | 'webhooks'
      | 'billing'
    > & {
      log: Logger;
      limits: DocumentLimits;
    },
  ) {}

  get limits(): DocumentLimits {
    return this.deps.limits;
  }

  /** Field checks that need no document: every offending field at once. */
  checkFields(input: { to: string; callbackUrl?: string | null }): void {
    const errors: { field: string; message: string }[] = [];
    if (!isUsE164(input.to)) {
      errors.push({
        field: '/body/to',
        message: 'must be a US number in E.164 form, e.g. +12125550123 (area and exchange codes start 2-9)',
      });
    }
    if (input.callbackUrl) {
      const checked = this.deps.webhooks.urlPolicy.checkUrl(input.callbackUrl);
      if (!checked.ok) errors.push({ field: '/body/callbackUrl', message: checked.message });
    }
    if (errors.length === 0) return;
    const number = errors[0];
    if (errors.length === 1 && number.field === '/body/to') {
      const title = 'The destination number is not valid';
      throw new DomainError('invalid', 'invalid_number', title, number.message, { errors });
    }
    throw DomainError.invalid(errors);
  }

  /** Past due beyond the grace days (or canceled): 402 billing_past_due. Inbound is never refused. */
  checkBilling(partnerId: string): void {
    this.deps.billing.standing.assertMaySend(partnerId);
  }

  async submit(s: Submission): Promise<OutboundFaxRecord> {
    const { db, clock, faxes, credits, numbers, settings, blobs, jobs, limits } = this.deps;
    this.checkFields(s);
    this.checkBilling(s.partnerId);
    const number = numbers.activeFor(s.partnerId, s.externalUserId);
    if (!number) {
      throw new DomainError(
        'unprocessable',
        'number_not_found',
        'The user has no fax number',
        `User "${s.externalUserId}" has no active number to send from; provision one with POST /api/partner/numbers.`,
      );
    }
    const checked = await inspectPdf(s.pdf, limits);
    if (!checked.ok) throw documentError(checked.code, checked.detail);
    const cover = s.cover ? { subject: s.cover.subject ?? '', notes: s.cover.notes ?? '' } : null;
    const pages = checked.pages + (cover ? 1 : 0);
    if (pages > limits.maxPages)
      throw documentError(
        'too_many_pages',
        `With the cover page the fax has ${pages} pages; the limit is ${limits.maxPages}.`,
      );

    // The document is fax content like a received one: kept as long as the partner keeps faxes.
    const retentionDays = effectiveRetentionDays(settings.get(s.partnerId).retentionDays, number.tier);
    const purgeAt = addDays(clock.now(), retentionDays).toISOString();
    const pdfBlob = blobs.put('pdf', s.pdf);
    const id = newId('fax');
    let reservation: CreditChangeResult;
    try {
      reservation = db
        .transaction(() => {
          faxes.insertOutbound({
            id,
            partnerId: s.partnerId,
            numberId: number.id,
            shadowUserId: number.shadowUserId,
            from: number.number,
            to: s.to,
            pages,
            callbackUrl: s.callbackUrl ?? null,
            cover,
            pdfBlob,
            purgeAt,
          });
          const result = credits.applyInTransaction({
            partnerId: s.partnerId,
            amount: -pages,
            reason: 'fax_reservation',
            faxId: id,
            note: `${pages} page${pages === 1 ? '' : 's'} to ${s.to}`,
            actor: 'system',
          });
          if (!result.ok) throw new InsufficientCredits(result.balance, result.required);
          const payload: SendJobPayload = {
            faxId: id,
            attempt: 1,
            retries: { busy: 0, no_answer: 0, transmission_error: 0 },
          };
          jobs.enqueue(SEND_JOB, payload, { uniqueKey: `${SEND_JOB}:${id}:1`, maxAttempts: 3 });
          return result;
        })
        .immediate();
    } catch (err) {
      blobs.delete(pdfBlob);
      if (err instanceof InsufficientCredits) {
        throw new DomainError(
          'payment_required',
          'insufficient_credits',
          'Not enough credits',
          `This fax needs ${err.required} credit${err.required === 1 ? '' : 's'} (1 per page); the balance is ${err.balance}.`,
          { balance: err.balance, required: err.required },
        );
      }
      throw err;
    }
    credits.notifyIfCrossed(s.partnerId, reservation);
    this.deps.log.info({ faxId: id, pages }, 'outbound fax queued');
    return faxes.outbound(id)!;
  }

  /** Cancels a fax that is queued or waiting for a retry; refused while it is sending or once finished. */
  cancel(partnerId: string, id: string): OutboundFaxRecord {
    const fax = this.deps.faxes.outboundForPartner(partnerId, id);
    if (!fax) throw outboundFaxNotFound(id);
    const done = this.settle(
      fax,
      'failed',
      { code: 'canceled', retryable: false, detail: 'Canceled by the partner.' },
      ['queued'],
    );
    if (!done)
      throw DomainError.conflict(
        'fax_not_cancelable',
        'Only a fax that is queued or waiting for a retry can be canceled; this one is sending or finished.',
      );
    return this.deps.faxes.outbound(id)!;
  }

  /**
   * Moves the fax to its final status, refunds the credits it holds beyond the pages delivered and
   * queues the status event, in one transaction. False when the fax was not in `from`.
   */
  settle(
    fax: OutboundFaxRecord,
    status: 'delivered' | 'failed',
    failure: FailureRecord | null,
    from: ('queued' | 'sending')[],
  ): boolean {
    const { db, faxes, credits } = this.deps;
    let refund: CreditChangeResult | null = null;
    const done = db
      .transaction(() => {
        if (!faxes.finishOutbound(fax.id, status, failure, from)) return false;
        const settled = faxes.outbound(fax.id)!;
        const held = credits.heldByFax(fax.id);
        const owed = Math.min(held, settled.pagesDelivered);
        if (held - owed > 0) {
          refund = credits.applyInTransaction({
            partnerId: fax.partnerId,
            amount: held - owed,
            reason: 'fax_refund',
            faxId: fax.id,
            note: `${held - owed} page${held - owed === 1 ? '' : 's'} not sent`,
            actor: 'system',
          });
        }
        this.enqueueEvent(settled, status === 'delivered' ? 'fax.delivered' : 'fax.failed');
        return true;
      })
      .immediate();
    if (refund) credits.notifyIfCrossed(fax.partnerId, refund);
    return done;
  }

  /**
   * Start-up: a fax no job will send again (its attempts used up by process deaths or stops) fails
   * with what it delivered; the pages it did not deliver are refunded. One whose every page the far
   * end confirmed is delivered. Returns how many.
   */
  sweepStranded(): number {
    const { faxes, log } = this.deps;
    let swept = 0;
    for (const id of faxes.strandedOutbound(SEND_JOB)) {
      const fax = faxes.outbound(id)!;
      const whole = fax.pagesDelivered >= fax.pages;
      if (this.settle(fax, whole ? 'delivered' : 'failed', whole ? null : INTERRUPTED, ['queued', 'sending']))
        swept++;
    }
    if (swept > 0) log.warn({ faxes: swept }, 'outbound faxes no attempt was left for: settled');
    return swept;
  }

  enqueueEvent(fax: OutboundFaxRecord, event: 'fax.sending' | 'fax.delivered' | 'fax.failed'): void {
    const payload: OutboundFaxPayload = {
      externalUserId: fax.externalUserId,
      faxId: fax.id,
      from: fax.from,
      to: fax.to,
      pages: fax.pages,
      status: event === 'fax.sending' ? 'sending' : event === 'fax.delivered' ? 'delivered' : 'failed',
      attempt: fax.attempts,
      pagesDelivered: fax.pagesDelivered,
      failureCode: event === 'fax.failed' ? fax.failureCode : null,
      failureDetail: event === 'fax.failed' ? fax.failureDetail : null,
      retryable: event === 'fax.failed' ? fax.retryable : null,
      t30Code: fax.t30Code,
      t30Text: fax.t30Text,
    };
    this.deps.webhooks.outbox.enqueue(fax.partnerId, event, payload, { callbackUrl: fax.callbackUrl });
  }
}

/** How a fax fails when the appliance stopped during its calls more often than it may be retried. */
export const INTERRUPTED: FailureRecord = {
  code: 'transmission_error',
  retryable: true,
  detail:
    'Every attempt at this fax was cut short by the appliance stopping; the pages the far end did not confirm were not sent.',
};

export function outboundFaxNotFound(id: string): DomainError {
  return DomainError.notFound('fax_not_found', `No outbound fax ${id}.`);
}

class InsufficientCredits extends Error {
  constructor(
    readonly balance: number,
    readonly required: number,
  ) {
    super('insufficient credits');
  }
}
