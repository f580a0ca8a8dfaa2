// Retention: a fax whose purge time has passed loses its bytes (PDF, page images) and its OCR text,
// words, search row and extracted data; its metadata stays as a tombstone for billing and audit.
// Files go first, then the tombstone commits, so a crash in between is finished by the next run.

import type { Logger } from 'pino';
import type { Services } from '../services.ts';
import { PurgeReportRepository } from './purge-report-repository.ts';

export const RETENTION_PURGE_JOB = 'retention.purge';
const BATCH = 200;

export interface PurgeReport {
  id: number | null;
  faxIds: string[];
  blobsDeleted: number;
}

export class RetentionPurger {
  private readonly reports: PurgeReportRepository;

  constructor(
    private readonly services: Pick<Services, 'db' | 'clock' | 'faxes' | 'blobs' | 'audit' | 'webhooks'>,
    private readonly log: Logger,
  ) {
    this.reports = new PurgeReportRepository(services.db);
  }

  /** Purges everything due now; writes one report row (and audit entry) when anything was purged. */
  purgeDue(trigger: 'schedule' | 'cli'): PurgeReport {
    const { db, clock, faxes, blobs, audit, webhooks } = this.services;
    const startedAt = clock.now().toISOString();
    const faxIds: string[] = [];
    let blobsDeleted = 0;
    for (;;) {
      const due = faxes.duePurge(clock.now().toISOString(), BATCH);
      if (due.length === 0) break;
      for (const fax of due) {
        for (const blob of faxes.blobsOf(fax)) {
          blobs.delete(blob);
          blobsDeleted++;
        }
      }
      const purgedAt = clock.now().toISOString();
      db.transaction(() => {
        for (const fax of due) {
          faxes.tombstone(fax, purgedAt);
          // Webhook bodies kept for replay lose their OCR text and extracted data too.
          webhooks.deliveries.scrubFaxContent(fax.partnerId, fax.id);
        }
      })();
      faxIds.push(...due.map((f) => f.id));
    }
    if (faxIds.length === 0) return { id: null, faxIds, blobsDeleted };
    const finishedAt = clock.now().toISOString();
    const id = db.transaction(() => {
      const reportId = this.reports.record({ trigger, startedAt, finishedAt, faxIds, blobsDeleted });
      audit.record({
        actorType: 'system',
        actorId: null,
        action: 'retention.purged',
        targetType: 'purge_report',
        targetId: String(reportId),
        details: { trigger, faxes: faxIds.length, blobsDeleted, faxIds },
      });
      return reportId;
    })();
    this.log.info({ reportId: id, trigger, faxesPurged: faxIds.length, blobsDeleted }, 'retention purge');
    return { id, faxIds, blobsDeleted };
  }
}
