// Retention: a fax (received or sent) whose purge time has passed loses its bytes (PDF, page images)
// and its OCR text, words, search row and extracted data; its metadata stays as a tombstone for
// billing and audit. Files go first, then the tombstone commits, so a crash in between is finished
// by the next run. Webhook events and their delivery logs go after their own retention.

import type { Logger } from 'pino';
import { addDays } from '../clock.ts';
import type { Services } from '../services.ts';
import { PurgeReportRepository } from './purge-report-repository.ts';

export const RETENTION_PURGE_JOB = 'retention.purge';
const BATCH = 200;

export interface PurgeReport {
  id: number | null;
  faxIds: string[];
  blobsDeleted: number;
  /** Webhook events (and their deliveries) past `webhookRetentionDays`. */
  webhookEvents: number;
  webhookDeliveries: number;
}

export class RetentionPurger {
  private readonly reports: PurgeReportRepository;

  constructor(
    private readonly services: Pick<
      Services,
      'config' | 'db' | 'clock' | 'faxes' | 'blobs' | 'audit' | 'webhooks'
    >,
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
    const hooks = this.purgeWebhooks();
    if (faxIds.length === 0) return { id: null, faxIds, blobsDeleted, ...hooks };
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
    return { id, faxIds, blobsDeleted, ...hooks };
  }

  /** Webhook rows past their retention; fax content in them was scrubbed when the fax was purged. */
  private purgeWebhooks(): { webhookEvents: number; webhookDeliveries: number } {
    const { config, clock, webhooks } = this.services;
    const cutoff = addDays(clock.now(), -config.webhookRetentionDays).toISOString();
    const total = { webhookEvents: 0, webhookDeliveries: 0 };
    for (;;) {
      const batch = webhooks.deliveries.purgeFinishedBefore(cutoff, BATCH);
      total.webhookEvents += batch.events;
      total.webhookDeliveries += batch.deliveries;
      if (batch.events < BATCH) break;
    }
    if (total.webhookEvents > 0) this.log.info({ ...total, cutoff }, 'webhook retention purge');
    return total;
  }
}
