// Makes an inbound call's pages durable as they are confirmed: the fax row exists from the answer
// (`receiving`), each page is sealed into the blob store and recorded before the sender gets its MCF,
// and the end of the call (or the restart after a process died in it) turns the row into a fax —
// one TIFF of the pages, one PDF, the processing job — in one transaction.

import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { T30CompletionCode } from '../../../native-workers/spandsp/codes.ts';
import { addDays, type Clock } from '../clock.ts';
import { buildFaxPdf } from '../documents/fax-pdf.ts';
import { pageDpi, readTiff, type TiffPage, writeTiff } from '../documents/tiff.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { FaxNumberRecord, NumberRepository } from '../numbers/number-repository.ts';
import { type Allowances, defaultAllowances, effectiveRetentionDays } from '../numbers/tiers.ts';
import type { SettingsRepository } from '../settings/settings-repository.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import type { FaxRecord, FaxRepository, InboundStatus } from './fax-repository.ts';

/** An answered inbound call, as the fax row records it from the start. */
export interface AnsweredInboundCall {
  faxId: string;
  callId: string;
  trunkId: string;
  number: FaxNumberRecord;
  from: string | null;
  to: string;
  transport: 't38' | 'audio';
  startedAt: Date;
}

export interface FinishedInboundCall extends AnsweredInboundCall {
  /** The TIFF spandsp wrote (may be absent or empty when no page arrived). */
  rxTiffPath: string;
  /** T.30 completion code (0 = OK) and its text. */
  t30Code: number;
  t30Text: string;
  pagesReceived: number;
  remoteStationId: string | null;
  bitRate: number | null;
  ecm: boolean | null;
  completedAt: Date;
}

export const FAX_PROCESS_JOB = 'fax.process';

/** The T.30 text a fax gets when the appliance, not the call, ended its reception. */
export const INTERRUPTED_TEXT = 'The appliance stopped during the call; the pages confirmed before are kept';

export class InboundIntake {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly faxes: FaxRepository,
    private readonly blobs: BlobStore,
    private readonly settings: SettingsRepository,
    private readonly numbers: Pick<NumberRepository, 'byId'>,
    private readonly jobs: JobQueue,
    private readonly log: Logger,
    private readonly allowances: () => Allowances = defaultAllowances,
  ) {}

  /**
   * The call is being answered: its fax row exists from now on, `receiving`, with the partner's
   * retention and extraction schema as they are now.
   */
  open(call: AnsweredInboundCall): void {
    const partnerSettings = this.settings.get(call.number.partnerId);
    const retentionDays = effectiveRetentionDays(partnerSettings.retentionDays, call.number.tier);
    // One reading of the clock: purge_at is exactly retentionDays after created_at.
    const now = this.clock.now();
    this.faxes.insertInbound(
      {
        id: call.faxId,
        partnerId: call.number.partnerId,
        numberId: call.number.id,
        shadowUserId: call.number.shadowUserId,
        status: 'receiving',
        from: call.from,
        to: call.to,
        callId: call.callId,
        trunkId: call.trunkId,
        transport: call.transport,
        pages: 0,
        remoteStationId: null,
        bitRate: null,
        ecm: null,
        resolution: null,
        t30Code: null,
        t30Text: null,
        startedAt: call.startedAt.toISOString(),
        completedAt: null,
        durationMs: null,
        overage: false,
        pdfBlob: null,
        purgeAt: addDays(now, retentionDays).toISOString(),
        // A schema change applies to faxes received after it: this fax keeps the one in force now.
        extractionSchema: partnerSettings.extractionSchema,
        createdAt: now.toISOString(),
      },
      [],
    );
  }

  /**
   * Seals and records every page of the call's TIFF not recorded yet; returns the pages recorded.
   * Called at each page's phase D, before the sender is told the page arrived.
   */
  commitPages(faxId: string, rxTiffPath: string): number {
    const recorded = this.faxes.pages(faxId).length;
    const bytes = readTiffIfAny(rxTiffPath);
    const pages = bytes ? readTiff(bytes) : [];
    for (let i = recorded; i < pages.length; i++) {
      const page = pages[i];
      const dpi = pageDpi(page);
      // Blob first, row second: a crash between leaves an unreferenced blob the start-up sweep removes.
      const imageBlob = this.blobs.put('tif', Buffer.from(writeTiff([page])));
      this.faxes.addReceivedPage({
        faxId,
        page: i + 1,
        width: page.width,
        height: page.height,
        xResolution: dpi.x,
        yResolution: dpi.y,
        imageBlob,
      });
    }
    return Math.max(recorded, pages.length);
  }

  /** Commits the fax once its call is over; returns its status. The spool TIFF is removed once the commit landed. */
  async commit(call: FinishedInboundCall): Promise<InboundStatus> {
    // Callers that hand over a finished call without having opened it (tests, tools) open it now.
    if (!this.faxes.get(call.faxId)) this.open(call);
    this.commitPages(call.faxId, call.rxTiffPath);
    const status = await this.finish(call.faxId, (pages) => ({
      // A call cut mid-document keeps what arrived: those pages are partial, not lost.
      status: pages === 0 ? 'failed' : call.t30Code === T30CompletionCode.OK ? 'received' : 'partial',
      transport: call.transport,
      remoteStationId: call.remoteStationId,
      bitRate: call.bitRate,
      ecm: call.ecm,
      t30Code: call.t30Code,
      t30Text: call.t30Text,
      completedAt: call.completedAt,
    }));
    rmSync(call.rxTiffPath, { force: true });
    return status;
  }

  /**
   * At start-up, before SIP: every call the previous process died in becomes a `partial` fax with
   * the pages it confirmed (`failed` with none). Returns how many faxes it finished.
   */
  async recoverInterrupted(): Promise<number> {
    const ids = this.faxes.receivingFaxIds();
    for (const faxId of ids) {
      const status = await this.finish(faxId, (pages) => ({
        status: pages === 0 ? 'failed' : 'partial',
        transport: null,
        remoteStationId: null,
        bitRate: null,
        ecm: null,
        t30Code: T30CompletionCode.CALLDROPPED,
        t30Text: INTERRUPTED_TEXT,
        completedAt: this.clock.now(),
      }));
      this.log.warn({ faxId, status }, 'inbound fax interrupted by a restart: kept its confirmed pages');
    }
    return ids.length;
  }

  /** Joins the recorded pages into one TIFF and one PDF and ends the fax's reception in one transaction. */
  private async finish(
    faxId: string,
    outcomeFor: (pages: number) => Omit<FinishOutcome, 'completedAt'> & { completedAt: Date },
  ): Promise<InboundStatus> {
    const fax = this.faxes.get(faxId);
    if (!fax) throw new Error(`no fax ${faxId}`);
    const pageRows = this.faxes.pages(faxId);
    const pages = this.readPages(pageRows.map((p) => p.imageBlob));
    const outcome = outcomeFor(pages.length);
    let tiffBlob: string | null = null;
    let pdfBlob: string | null = null;
    if (pages.length > 0) {
      const pdf = await buildFaxPdf(
        pages.map((image) => ({ image })),
        { title: `Fax from ${fax.from ?? 'unknown'} to ${fax.to}`, creationDate: outcome.completedAt },
      );
      tiffBlob = this.blobs.put('tif', Buffer.from(writeTiff(pages)));
      pdfBlob = this.blobs.put('pdf', Buffer.from(pdf));
    }
    const firstPage = pages[0];
    const startedAt = fax.startedAt ? new Date(fax.startedAt) : outcome.completedAt;
    // The number as it is now (a released number still has its row and tier).
    const number = fax.numberId ? this.numbers.byId(fax.numberId) : null;
    const finished = this.db.transaction(() => {
      const usedBefore = number
        ? this.faxes.inboundPagesThisMonth(number.id, new Date(fax.createdAt), faxId)
        : 0;
      const done = this.faxes.finishInbound(
        faxId,
        {
          ...outcome,
          completedAt: outcome.completedAt.toISOString(),
          durationMs: outcome.completedAt.getTime() - startedAt.getTime(),
          resolution: firstPage ? `${pageDpi(firstPage).x}x${pageDpi(firstPage).y}` : null,
          // Over the allowance the fax is still received; it is only reported as overage.
          overage: number !== null && usedBefore + pages.length > this.allowances()[number.tier],
          pdfBlob,
        },
        tiffBlob,
      );
      if (done && pages.length > 0)
        this.jobs.enqueue(FAX_PROCESS_JOB, { faxId }, { uniqueKey: `process:${faxId}` });
      return done;
    })();
    // The pages' own blobs are now joined in one TIFF (or, if someone else finished the fax, ours are spare).
    const spare = finished ? pageRows.map((p) => p.imageBlob) : [tiffBlob, pdfBlob];
    for (const blob of spare) if (blob) this.blobs.delete(blob);
    const status = finished ? outcome.status : (this.faxes.get(faxId)!.status as InboundStatus);
    this.log.info(
      { faxId, callId: fax.callId, status, pages: pages.length, t30Code: outcome.t30Code },
      'inbound fax committed',
    );
    return status;
  }

  private readPages(blobs: (string | null)[]): TiffPage[] {
    const pages: TiffPage[] = [];
    for (const blob of new Set(blobs)) if (blob) pages.push(...readTiff(this.blobs.get(blob)));
    return pages;
  }
}

type FinishOutcome = Pick<
  FaxRecord,
  'transport' | 'remoteStationId' | 'bitRate' | 'ecm' | 't30Code' | 't30Text'
> & { status: InboundStatus };

/** Creates the spool file spandsp will write into with mode 0600 (libtiff keeps the mode of a file it truncates). */
export function createPrivateSpoolFile(path: string): void {
  closeSync(openSync(path, 'w', 0o600));
}

function readTiffIfAny(path: string): Uint8Array | null {
  try {
    const bytes = readFileSync(path);
    return bytes.length > 0 ? bytes : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
