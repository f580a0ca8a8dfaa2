// The dialer: the durable `fax.send` job. One job is one call attempt: render the document once
// (kept as a TIFF blob), place the call through the number's trunk with the user's number as caller
// ID, record the outcome, then either settle the fax (delivered/failed, refund) or queue the next
// attempt per the retry policy, resending only the pages the far end has not confirmed.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FailureRecord, OutboundFaxRecord } from '../faxes/fax-repository.ts';
import type { Job } from '../jobs/job-queue.ts';
import type { Services } from '../services.ts';
import type { Trunk } from '../telephony/trunks/trunk-repository.ts';
import type { OutboundCallOutcome, OutboundCallPlacer } from './call-placer.ts';
import { classifySipFailure, classifyT30Failure, type FailureClass } from './failure-code.ts';
import { renderFax } from './fax-document.ts';
import { INTERRUPTED, type OutboundFaxes, SEND_JOB, type SendJobPayload } from './outbound-faxes.ts';

export interface RetryPolicy {
  /** Seconds before each retry, per cause; the list's length is the number of retries. */
  busy: number[];
  no_answer: number[];
  transmission_error: number[];
}

export interface DialerOptions {
  concurrency: number;
  ringTimeoutMs: number;
  retry: RetryPolicy;
  /** Where TIFFs are written in the clear for the media worker while a call runs (mode 0600). */
  spoolDir: string;
}

/** The appliance is stopping: the attempt is left for the next start (the fax stays `sending`, the job queued). */
class DialerStopping extends Error {}

export class Dialer {
  private stopping = false;

  constructor(
    private readonly deps: Pick<Services, 'db' | 'clock' | 'faxes' | 'trunks' | 'blobs' | 'jobs'> & {
      log: Logger;
      outbound: OutboundFaxes;
      /** Null until telephony is up: jobs then wait (they are retried by the queue). */
      placer: () => OutboundCallPlacer | null;
    },
    private readonly options: DialerOptions,
  ) {
    mkdirSync(options.spoolDir, { recursive: true, mode: 0o700 });
  }

  /** Calls cut by a shutdown are not failures: their jobs run again at the next start. */
  stop(): void {
    this.stopping = true;
  }

  register(): void {
    this.deps.jobs.register<SendJobPayload>(SEND_JOB, (job) => this.run(job), {
      concurrency: this.options.concurrency,
      backoffMs: () => 5_000,
    });
  }

  /** The outbound trunk for a number: its DID's trunk when that one sends, else the lab trunk, else any. */
  trunkFor(fax: OutboundFaxRecord): Trunk | null {
    const { trunks } = this.deps;
    const own = trunks.ofNumber(fax.numberId);
    if (own?.outbound) return own;
    const outbound = trunks.list().filter((t) => t.outbound);
    return outbound.find((t) => t.name === 'lab') ?? outbound[0] ?? null;
  }

  private async run(job: Job<SendJobPayload>): Promise<void> {
    const { faxes, log } = this.deps;
    const { faxId } = job.payload;
    let fax = faxes.outbound(faxId);
    if (!fax || fax.status === 'delivered' || fax.status === 'failed') return;
    const placer = this.deps.placer();
    if (!placer) throw new Error('telephony is not running yet');
    if (fax.status === 'sending') {
      // Stopped after the far end confirmed the last page but before the outcome was recorded: it has
      // the whole document. Dialing again would send from past the last page (T.30 41, the TIFF cannot
      // be opened) and fail a delivered fax as document_error — the chaos run met it.
      if (fax.pagesDelivered >= fax.pages) {
        log.info(
          { faxId, pages: fax.pagesDelivered },
          'outbound fax had every page confirmed before the stop',
        );
        this.deps.outbound.settle(fax, 'delivered', null, ['sending']);
        return;
      }
      // The process died mid-call: that attempt is lost, the confirmed pages are recorded. Go again,
      // unless this attempt's job has been claimed as often as it may be: a fax that kills the
      // process (or keeps meeting restarts) must end, not be dialed for ever.
      if (job.attempts >= job.maxAttempts) {
        log.warn({ faxId, claims: job.attempts }, 'outbound fax interrupted on every try; failing it');
        this.deps.outbound.settle(fax, 'failed', INTERRUPTED, ['sending']);
        return;
      }
      log.warn({ faxId }, 'outbound fax was sending when the previous process stopped; dialing again');
      faxes.requeueInterrupted(faxId);
      fax = faxes.outbound(faxId)!;
    }
    try {
      if (!fax.tiffBlob && !(await this.render(fax))) return;
      await this.attempt(faxes.outbound(faxId)!, job.payload, placer);
    } catch (err) {
      if (this.stopping) throw new DialerStopping('the appliance stopped during the call');
      // Unexpected (a bug, a full disk): fail the fax rather than leave it sending for ever.
      log.error({ faxId, err: (err as Error).message }, 'outbound fax attempt crashed');
      const current = faxes.outbound(faxId);
      if (current)
        this.deps.outbound.settle(
          current,
          'failed',
          { code: 'transmission_error', retryable: true, detail: 'Internal error while sending.' },
          ['queued', 'sending'],
        );
    }
  }

  private async render(fax: OutboundFaxRecord): Promise<boolean> {
    const { faxes, blobs, outbound, log } = this.deps;
    const started = performance.now();
    try {
      const cover = fax.cover
        ? { from: fax.from, to: fax.to, date: fax.createdAt, pages: fax.pages, ...fax.cover }
        : null;
      const rendered = await renderFax(blobs.get(fax.pdfBlob), cover, outbound.limits);
      const tiffBlob = blobs.put('tif', Buffer.from(rendered.tiff));
      // pdfinfo and pdftoppm agree in practice; if not, settlement still never charges more than was reserved.
      if (rendered.pages.length !== fax.pages)
        log.warn(
          { faxId: fax.id, counted: fax.pages, rendered: rendered.pages.length },
          'page count changed',
        );
      faxes.setTiff(fax.id, tiffBlob, rendered.pages.length);
      log.info(
        { faxId: fax.id, pages: rendered.pages.length, ms: Math.round(performance.now() - started) },
        'fax rendered',
      );
      return true;
    } catch (err) {
      log.warn({ faxId: fax.id, err: (err as Error).message }, 'outbound fax document could not be rendered');
      outbound.settle(
        fax,
        'failed',
        {
          code: 'document_error',
          retryable: false,
          detail: 'The document could not be rendered as fax pages.',
        },
        ['queued'],
      );
      return false;
    }
  }

  private async attempt(
    fax: OutboundFaxRecord,
    payload: SendJobPayload,
    placer: OutboundCallPlacer,
  ): Promise<void> {
    const { db, faxes, outbound, trunks, blobs, log } = this.deps;
    if (this.stopping) throw new DialerStopping('the appliance is stopping');
    const started = db
      .transaction(() => {
        if (!faxes.beginAttempt(fax.id)) return false;
        outbound.enqueueEvent(faxes.outbound(fax.id)!, 'fax.sending');
        return true;
      })
      .immediate();
    if (!started) return; // canceled while it waited
    const trunk = this.trunkFor(fax);
    if (!trunk) {
      outbound.settle(
        faxes.outbound(fax.id)!,
        'failed',
        { code: 'transmission_error', retryable: false, detail: 'No outbound trunk is configured.' },
        ['sending'],
      );
      return;
    }
    const base = fax.pagesDelivered;
    const tiffPath = path.join(this.options.spoolDir, `${fax.id}-${payload.attempt}.tif`);
    writeFileSync(tiffPath, blobs.get(fax.tiffBlob!), { mode: 0o600 });
    const password = trunk.username ? trunks.password(trunk.id) : null;
    let outcome: OutboundCallOutcome;
    try {
      outcome = await placer.place({
        ref: `${fax.id}-${payload.attempt}`,
        target: { host: trunk.host, port: trunk.port, transport: trunk.transport },
        credentials: trunk.username && password ? { username: trunk.username, password } : undefined,
        from: fax.from,
        to: fax.to,
        t38: trunk.t38,
        codecs: trunk.codecs,
        tiffPath,
        startPage: base,
        ringTimeoutMs: this.options.ringTimeoutMs,
        // Confirmed pages are durable at once: a crash mid-call resends only the rest.
        onPage: (n) => faxes.recordPagesDelivered(fax.id, Math.min(fax.pages, base + n)),
      });
    } finally {
      rmSync(tiffPath, { force: true });
    }
    if (this.stopping) throw new DialerStopping('the appliance stopped during the call');
    const delivered = outcome.answered ? Math.min(fax.pages, base + outcome.completion.pages) : base;
    faxes.recordAttempt(fax.id, {
      trunkId: trunk.id,
      callId: outcome.callId,
      transport: outcome.answered ? outcome.transport : null,
      pagesDelivered: delivered,
      sipStatus: outcome.answered ? 200 : outcome.status,
      t30Code: outcome.answered ? outcome.completion.code : null,
      t30Text: outcome.answered ? outcome.completion.text : null,
      remoteStationId: outcome.answered ? outcome.completion.remoteIdent || null : null,
      bitRate: outcome.answered ? outcome.completion.bitRate || null : null,
      durationMs: outcome.answered ? outcome.completion.durationMs : null,
    });
    const current = faxes.outbound(fax.id)!;
    // Every page confirmed (MCF) is delivered even if T.30 ended badly after it: nothing is left to resend.
    if (delivered >= fax.pages) {
      outbound.settle(current, 'delivered', null, ['sending']);
      log.info({ faxId: fax.id, attempt: payload.attempt, pages: delivered }, 'outbound fax delivered');
      return;
    }
    const failure = this.classify(outcome);
    const detail = outcome.answered
      ? `T.30 ${outcome.completion.code}: ${outcome.completion.text}`
      : `SIP ${outcome.status}${outcome.reason ? ` ${outcome.reason}` : ''}${outcome.ringTimedOut ? ' (ring timeout)' : ''}`;
    const record: FailureRecord = { ...failure, detail };
    const retryAt = this.nextRetry(failure, payload);
    log.info(
      {
        faxId: fax.id,
        attempt: payload.attempt,
        failure: failure.code,
        pagesDelivered: delivered,
        retry: !!retryAt,
      },
      'outbound fax attempt failed',
    );
    if (!retryAt) {
      outbound.settle(current, 'failed', record, ['sending']);
      return;
    }
    const bucket = failure.code as keyof RetryPolicy;
    const next: SendJobPayload = {
      faxId: fax.id,
      attempt: payload.attempt + 1,
      retries: { ...payload.retries, [bucket]: payload.retries[bucket] + 1 },
    };
    db.transaction(() => {
      faxes.scheduleRetry(fax.id, retryAt, record);
      this.deps.jobs.enqueue(SEND_JOB, next, {
        uniqueKey: `${SEND_JOB}:${fax.id}:${next.attempt}`,
        runAt: retryAt,
        maxAttempts: 3,
      });
    }).immediate();
  }

  private classify(outcome: OutboundCallOutcome): FailureClass {
    if (!outcome.answered) return classifySipFailure(outcome);
    // T.30 said OK but not every page was confirmed: the far end dropped us at the very end.
    if (outcome.completion.ok) return { code: 'transmission_error', retryable: true };
    return classifyT30Failure(outcome.completion.code);
  }

  private nextRetry(failure: FailureClass, payload: SendJobPayload): Date | null {
    if (!failure.retryable) return null;
    const schedule = (this.options.retry as unknown as Record<string, number[] | undefined>)[failure.code];
    const used = (payload.retries as unknown as Record<string, number | undefined>)[failure.code] ?? 0;
    if (!schedule || used >= schedule.length) return null;
    return new Date(this.deps.clock.now().getTime() + schedule[used] * 1000);
  }
}
