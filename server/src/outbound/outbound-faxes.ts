// Outbound faxes as the partner API sees them: submission (checks with precise problem codes, the
// credit reservation, the fax row and its first `fax.send` job in one IMMEDIATE transaction),
// cancellation, and settlement (pages not delivered are refunded, the status event is queued in the
// same transaction as the state change).

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CreditChangeResult, CreditLedger } from '../credits/credit-ledger.ts';
import { Problem } from '../http/problem.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { isUsE164 } from '../numbers/e164.ts';
import type { NumberRepository } from '../numbers/number-repository.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import type { UrlPolicy } from '../webhooks/url-policy.ts';
import type { OutboundFaxPayload } from '../webhooks/webhook-event.ts';
import { type DocumentLimits, type DocumentProblemCode, inspectPdf } from './fax-document.ts';
import type {
  CoverRequest,
  FailureRecord,
  OutboundFax,
  OutboundFaxRepository,
} from './outbound-fax-repository.ts';

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

const DOCUMENT_STATUS: Record<DocumentProblemCode, { status: number; title: string }> = {
  not_a_pdf: { status: 415, title: 'The document is not a PDF' },
  pdf_encrypted: { status: 422, title: 'The PDF is encrypted' },
  pdf_corrupt: { status: 422, title: 'The PDF is damaged' },
  document_too_large: { status: 413, title: 'The document is too large' },
  too_many_pages: { status: 413, title: 'The document has too many pages' },
  document_url_refused: { status: 422, title: 'The document URL is not allowed' },
  document_url_unreachable: { status: 422, title: 'The document URL could not be fetched' },
};

export function documentProblem(code: DocumentProblemCode, detail: string): Problem {
  const { status, title } = DOCUMENT_STATUS[code];
  return new Problem(status, code, title, detail);
}

export class OutboundFaxes {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      log: Logger;
      repo: OutboundFaxRepository;
      credits: CreditLedger;
      numbers: NumberRepository;
      blobs: BlobStore;
      jobs: JobQueue;
      outbox: WebhookOutbox;
      urlPolicy: UrlPolicy;
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
      const checked = this.deps.urlPolicy.checkUrl(input.callbackUrl);
      if (!checked.ok) errors.push({ field: '/body/callbackUrl', message: checked.message });
    }
    if (errors.length === 0) return;
    const onlyNumber = errors.length === 1 && errors[0].field === '/body/to';
    throw onlyNumber
      ? new Problem(400, 'invalid_number', 'The destination number is not valid', errors[0].message, {
          errors,
        })
      : Problem.validation(errors);
  }

  async submit(s: Submission): Promise<OutboundFax> {
    const { db, repo, credits, numbers, blobs, jobs, limits } = this.deps;
    this.checkFields(s);
    const number = numbers.activeFor(s.partnerId, s.externalUserId);
    if (!number) {
      throw new Problem(
        422,
        'number_not_found',
        'The user has no fax number',
        `User "${s.externalUserId}" has no active number to send from; provision one with POST /api/partner/numbers.`,
      );
    }
    const checked = await inspectPdf(s.pdf, limits);
    if (!checked.ok) throw documentProblem(checked.code, checked.detail);
    const cover = s.cover ? { subject: s.cover.subject ?? '', notes: s.cover.notes ?? '' } : null;
    const pages = checked.pages + (cover ? 1 : 0);
    if (pages > limits.maxPages)
      throw documentProblem(
        'too_many_pages',
        `With the cover page the fax has ${pages} pages; the limit is ${limits.maxPages}.`,
      );

    const pdfBlob = blobs.put('pdf', s.pdf);
    const id = newId('fax');
    let reservation: CreditChangeResult;
    try {
      reservation = db
        .transaction(() => {
          repo.insert({
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
        throw new Problem(
          402,
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
    return repo.get(id)!;
  }

  /** Cancels a fax that is queued or waiting for a retry; false when it is sending or finished. */
  cancel(partnerId: string, id: string): OutboundFax | null | false {
    const fax = this.deps.repo.getForPartner(partnerId, id);
    if (!fax) return null;
    const done = this.settle(
      fax,
      'failed',
      { code: 'canceled', retryable: false, detail: 'Canceled by the partner.' },
      ['queued'],
    );
    return done ? this.deps.repo.get(id)! : false;
  }

  /**
   * Moves the fax to its final status, refunds the credits it holds beyond the pages delivered and
   * queues the status event, in one transaction. False when the fax was not in `from`.
   */
  settle(
    fax: OutboundFax,
    status: 'delivered' | 'failed',
    failure: FailureRecord | null,
    from: ('queued' | 'sending')[],
  ): boolean {
    const { db, repo, credits } = this.deps;
    let refund: CreditChangeResult | null = null;
    const done = db
      .transaction(() => {
        if (!repo.finish(fax.id, status, failure, from)) return false;
        const settled = repo.get(fax.id)!;
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

  enqueueEvent(fax: OutboundFax, event: 'fax.sending' | 'fax.delivered' | 'fax.failed'): void {
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
    this.deps.outbox.enqueue(fax.partnerId, event, payload, { callbackUrl: fax.callbackUrl });
  }
}

class InsufficientCredits extends Error {
  constructor(
    readonly balance: number,
    readonly required: number,
  ) {
    super('insufficient credits');
  }
}
