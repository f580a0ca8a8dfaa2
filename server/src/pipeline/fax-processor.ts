// The `fax.process` job: a committed inbound fax gets OCR on every page, a PDF with an invisible
// text layer, its inbox search row and its `fax.received` event, all committed in one transaction.
// Idempotent: a re-run after a crash finds the committed result and stops; a re-run before the
// commit repeats the OCR and commits once. The event id is stored on the fax, so it is never sent twice.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { buildFaxPdf } from '../documents/fax-pdf.ts';
import { readTiff } from '../documents/tiff.ts';
import type { Fax, FaxRepository } from '../faxes/fax-repository.ts';
import type { SignedPdfLinks } from '../inbox/signed-links.ts';
import type { Job, JobQueue } from '../jobs/job-queue.ts';
import type { OcrPool } from '../ocr/ocr-pool.ts';
import type { OcrPage } from '../ocr/ocr-result.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import { FAX_EXTRACT_JOB } from './extract-job.ts';
import { faxReceivedPayload } from './fax-received.ts';
import type { PipelineRepository } from './pipeline-repository.ts';

export interface FaxProcessorDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  faxes: FaxRepository;
  store: PipelineRepository;
  blobs: BlobStore;
  jobs: JobQueue;
  outbox: WebhookOutbox;
  links: SignedPdfLinks;
  /** The OCR pool, created on first use. */
  ocr: () => OcrPool;
  /** Private scratch space for decoding page images (inside the data directory, not /tmp). */
  spoolDir: string;
}

export interface ProcessOutcome {
  status: 'done' | 'failed' | 'already-done' | 'gone';
  eventId?: string;
}

export class FaxProcessor {
  constructor(private readonly deps: FaxProcessorDeps) {
    // Page images a killed process left behind are plain fax content: remove them at once.
    rmSync(deps.spoolDir, { recursive: true, force: true });
    mkdirSync(deps.spoolDir, { recursive: true, mode: 0o700 });
  }

  /** The job handler. On the last allowed attempt an OCR failure still delivers the fax, without text. */
  async handle(job: Job<{ faxId: string }>): Promise<void> {
    try {
      await this.process(job.payload.faxId);
    } catch (err) {
      if (job.attempts < job.maxAttempts) throw err;
      this.deps.log.error(
        { faxId: job.payload.faxId, err: (err as Error).message },
        'OCR failed for good: delivering the fax without text',
      );
      this.commit(job.payload.faxId, null, null);
    }
  }

  async process(faxId: string): Promise<ProcessOutcome> {
    const { faxes, store, blobs, log } = this.deps;
    const fax = faxes.get(faxId);
    const progress = store.progress(faxId);
    if (!fax || !progress || progress.purgedAt) return { status: 'gone' };
    if (progress.ocrStatus === 'done' || progress.ocrStatus === 'failed') return { status: 'already-done' };

    const started = Date.now();
    const pages = faxes.pages(faxId);
    const tiffBlob = pages[0]?.imageBlob;
    if (!tiffBlob) throw new Error(`fax ${faxId} has no page image`);
    const tiff = blobs.get(tiffBlob);
    const images = await this.decode(faxId, tiff);
    const pool = this.deps.ocr();
    const ocr = await Promise.all(
      images.map((image, i) =>
        pool.recognize({
          page: i + 1,
          bitmap: {
            width: image.width,
            height: image.height,
            rowBytes: (image.width + 7) >> 3,
            data: image.bitmap,
          },
          xResolution: image.xResolution,
          yResolution: image.yResolution,
        }),
      ),
    );
    const ocrMs = Date.now() - started;
    const outcome = await this.commitOcr(fax, tiff, ocr);
    log.info(
      { faxId, pages: ocr.length, ocrMs, totalMs: Date.now() - started, status: outcome.status },
      'fax processed',
    );
    return outcome;
  }

  /** The PDF is rebuilt with the text layer and written before the transaction; the old one goes after. */
  private async commitOcr(fax: Fax, tiff: Buffer, ocr: OcrPage[]): Promise<ProcessOutcome> {
    const pdf = await buildFaxPdf(
      readTiff(tiff).map((image, i) => ({ image, ocr: ocr[i] })),
      {
        title: `Fax from ${fax.from ?? 'unknown'} to ${fax.to}`,
        creationDate: new Date(fax.completedAt ?? fax.createdAt),
      },
    );
    return this.commit(fax.id, ocr, this.deps.blobs.put('pdf', Buffer.from(pdf)));
  }

  /** `ocr` null: OCR failed for good; the fax keeps its PDF without text layer and is still announced. */
  private commit(faxId: string, ocr: OcrPage[] | null, newPdf: string | null): ProcessOutcome {
    const { db, clock, faxes, store, blobs, jobs, outbox, links } = this.deps;
    const outcome = db.transaction((): ProcessOutcome & { oldPdf?: string | null } => {
      const fax = faxes.get(faxId);
      const progress = store.progress(faxId);
      if (!fax || !progress || progress.purgedAt) return { status: 'gone' };
      if (progress.ocrStatus === 'done' || progress.ocrStatus === 'failed') return { status: 'already-done' };
      const text = ocr ? ocr.map((p) => p.text.trim()).join('\n\n') : '';
      const confidence = ocr?.length ? ocr.reduce((sum, p) => sum + p.confidence, 0) / ocr.length : 0;
      const pdfBlob = newPdf ?? progress.pdfBlob;
      if (!pdfBlob) throw new Error(`fax ${faxId} has no PDF`);
      store.saveOcr(
        faxId,
        { pages: ocr ?? [], text, confidence, status: ocr ? 'done' : 'failed' },
        pdfBlob,
        progress.searchRowid,
        clock.now().toISOString(),
      );
      let eventId = progress.receivedEventId ?? undefined;
      if (!eventId) {
        const payload = faxReceivedPayload(
          fax,
          store.externalUserId(fax.shadowUserId),
          text,
          links.create(faxId),
        );
        eventId = outbox.enqueue(fax.partnerId, 'fax.received', payload).eventId;
        store.setReceivedEvent(faxId, eventId);
      }
      // Extraction follows OCR for faxes that arrived while the partner had a schema.
      if (fax.extractionSchema && ocr)
        jobs.enqueue(FAX_EXTRACT_JOB, { faxId }, { uniqueKey: `extract:${faxId}` });
      else store.skipExtraction(faxId);
      return { status: ocr ? 'done' : 'failed', eventId, oldPdf: newPdf ? progress.pdfBlob : null };
    })();
    // After the commit: the PDF nobody references any more (the old one, or ours if we lost a race).
    const unreferenced = outcome.status === 'done' || outcome.status === 'failed' ? outcome.oldPdf : newPdf;
    if (unreferenced) blobs.delete(unreferenced);
    return { status: outcome.status, eventId: outcome.eventId };
  }

  /** Page bitmaps through the fax engine's own TIFF reader; the plain file lives only for the call. */
  private async decode(faxId: string, tiff: Buffer) {
    const { readFaxTiff } = await import('../../../native-workers/spandsp/index.ts');
    const file = path.join(this.deps.spoolDir, `${faxId}.tif`);
    writeFileSync(file, tiff, { mode: 0o600 });
    try {
      return readFaxTiff(file).pages;
    } finally {
      rmSync(file, { force: true });
    }
  }
}
