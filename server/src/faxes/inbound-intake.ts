// Turns a finished inbound call into a durable fax: the received TIFF becomes one PDF (CCITT data
// embedded as received), both are sealed into the blob store, and the fax row, its pages and the
// processing job are committed in one transaction before the call's resources are released.

import { readFileSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { addDays, type Clock } from '../clock.ts';
import { buildFaxPdf } from '../documents/fax-pdf.ts';
import { pageDpi, readTiff } from '../documents/tiff.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { FaxNumberRecord } from '../numbers/number-repository.ts';
import { type Allowances, defaultAllowances, effectiveRetentionDays } from '../numbers/tiers.ts';
import type { SettingsRepository } from '../settings/settings-repository.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import type { FaxRepository, InboundStatus } from './fax-repository.ts';

export interface FinishedInboundCall {
  faxId: string;
  callId: string;
  trunkId: string;
  number: FaxNumberRecord;
  from: string | null;
  to: string;
  transport: 't38' | 'audio';
  /** The TIFF spandsp wrote (may be absent or empty when no page arrived). */
  rxTiffPath: string;
  /** T.30 completion code (0 = OK) and its text. */
  t30Code: number;
  t30Text: string;
  pagesReceived: number;
  remoteStationId: string | null;
  bitRate: number | null;
  ecm: boolean | null;
  startedAt: Date;
  completedAt: Date;
}

export const FAX_PROCESS_JOB = 'fax.process';

export class InboundIntake {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly faxes: FaxRepository,
    private readonly blobs: BlobStore,
    private readonly settings: SettingsRepository,
    private readonly jobs: JobQueue,
    private readonly log: Logger,
    private readonly allowances: () => Allowances = defaultAllowances,
  ) {}

  /** Commits the fax; returns its status. The spool TIFF is removed once the commit landed. */
  async commit(call: FinishedInboundCall): Promise<InboundStatus> {
    const tiffBytes = readTiffIfAny(call.rxTiffPath);
    const pages = tiffBytes ? readTiff(tiffBytes) : [];
    // A call cut mid-document keeps what arrived: those pages are partial, not lost.
    const status: InboundStatus = pages.length === 0 ? 'failed' : call.t30Code === 0 ? 'received' : 'partial';
    let pdfBlob: string | null = null;
    let tiffBlob: string | null = null;
    if (pages.length > 0 && tiffBytes) {
      const pdf = await buildFaxPdf(
        pages.map((image) => ({ image })),
        { title: `Fax from ${call.from ?? 'unknown'} to ${call.to}`, creationDate: call.completedAt },
      );
      tiffBlob = this.blobs.put('tif', Buffer.from(tiffBytes));
      pdfBlob = this.blobs.put('pdf', Buffer.from(pdf));
    }
    const partnerSettings = this.settings.get(call.number.partnerId);
    const retentionDays = effectiveRetentionDays(partnerSettings.retentionDays, call.number.tier);
    const firstPage = pages[0];
    // One reading of the clock: purge_at is exactly retentionDays after created_at.
    const now = this.clock.now();
    this.db.transaction(() => {
      const usedBefore = this.faxes.inboundPagesThisMonth(call.number.id, call.completedAt);
      this.faxes.insertInbound(
        {
          id: call.faxId,
          partnerId: call.number.partnerId,
          numberId: call.number.id,
          shadowUserId: call.number.shadowUserId,
          status,
          from: call.from,
          to: call.to,
          callId: call.callId,
          trunkId: call.trunkId,
          transport: call.transport,
          pages: pages.length,
          remoteStationId: call.remoteStationId,
          bitRate: call.bitRate,
          ecm: call.ecm,
          resolution: firstPage ? `${pageDpi(firstPage).x}x${pageDpi(firstPage).y}` : null,
          t30Code: call.t30Code,
          t30Text: call.t30Text,
          startedAt: call.startedAt.toISOString(),
          completedAt: call.completedAt.toISOString(),
          durationMs: call.completedAt.getTime() - call.startedAt.getTime(),
          // Over the allowance the fax is still received; it is only reported as overage.
          overage: usedBefore + pages.length > this.allowances()[call.number.tier],
          pdfBlob,
          purgeAt: addDays(now, retentionDays).toISOString(),
          // A schema change applies to faxes received after it: this fax keeps the one in force now.
          extractionSchema: pages.length > 0 ? partnerSettings.extractionSchema : null,
          createdAt: now.toISOString(),
        },
        pages.map((p, i) => ({
          faxId: call.faxId,
          page: i + 1,
          width: p.width,
          height: p.height,
          xResolution: pageDpi(p).x,
          yResolution: pageDpi(p).y,
          imageBlob: tiffBlob,
        })),
      );
      if (pages.length > 0)
        this.jobs.enqueue(FAX_PROCESS_JOB, { faxId: call.faxId }, { uniqueKey: `process:${call.faxId}` });
    })();
    rmSync(call.rxTiffPath, { force: true });
    this.log.info(
      { faxId: call.faxId, callId: call.callId, status, pages: pages.length, t30Code: call.t30Code },
      'inbound fax committed',
    );
    return status;
  }
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
