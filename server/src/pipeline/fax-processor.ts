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
import { enqueueExtraction } from '../extraction/extract-job.ts';
import type { FaxRecord, FaxRepository } from '../faxes/fax-repository.ts';
import type { SignedPdfLinks } from '../inbox/signed-links.ts';
import type { Job, JobQueue } from '../jobs/job-queue.ts';
import type { OcrPool } from '../ocr/ocr-pool.ts';
import type { OcrPage } from '../ocr/ocr-result.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import { faxReceivedPayload } from '../webhooks/webhook-event.ts';

export interface FaxProcessorDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  faxes: FaxRepository;
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
    const { faxes, blobs, log } = this.deps;
    const fax = faxes.get(faxId);
    if (!fax || fax.purgedAt) return { status: 'gone' };
    if (fax.ocrStatus === 'done' || fax.ocrStatus === 'failed') return { status: 'already-done' };

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
  private async commitOcr(fax: FaxRecord, tiff: Buffer, ocr: OcrPage[]): Promise<ProcessOutcome> {
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
    const { db, clock, faxes, blobs, jobs, outbox, links } = this.deps;
    const outcome = db.transaction((): ProcessOutcome & { oldPdf?: string | null } => {
      const fax = faxes.get(faxId);
      if (!fax || fax.purgedAt) return { status: 'gone' };
      if (fax.ocrStatus === 'done' || fax.ocrStatus === 'failed') return { status: 'already-done' };
      const text = ocr ? ocr.map((p) => p.text.trim()).join('\n\n') : '';
      const confidence = ocr?.length ? ocr.reduce((sum, p) => sum + p.confidence, 0) / ocr.length : 0;
      const pdfBlob = newPdf ?? fax.pdfBlob;
      if (!pdfBlob) throw new Error(`fax ${faxId} has no PDF`);
      faxes.saveOcr(
        faxId,
        { pages: ocr ?? [], text, confidence, status: ocr ? 'done' : 'failed' },
        pdfBlob,
        fax.searchRowid,
        clock.now().toISOString(),
      );
      let eventId = fax.receivedEventId ?? undefined;
      if (!eventId) {
        const payload = faxReceivedPayload(
          fax,
          fax.externalUserId ?? '',
          text,
          links.create(faxId, 'webhook'),
        );
        eventId = outbox.enqueue(fax.partnerId, 'fax.received', payload).eventId;
        faxes.setReceivedEvent(faxId, eventId);
      }
      // Extraction follows OCR for faxes that arrived while the partner had a schema.
      if (fax.extractionSchema && ocr) enqueueExtraction({ jobs }, faxId);
      else faxes.endExtraction(faxId, 'skipped');
      return { status: ocr ? 'done' : 'failed', eventId, oldPdf: newPdf ? fax.pdfBlob : null };
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
