// Retention: a fax whose purge time has passed loses its bytes (PDF, page images) and its OCR text,
// words, search row and extracted data; its metadata stays as a tombstone for billing and audit.
// Files go first, then the tombstone commits, so a crash in between is finished by the next run.

import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import type { PipelineRepository } from './pipeline-repository.ts';

export const RETENTION_PURGE_JOB = 'retention.purge';
const BATCH = 200;

export interface PurgeReport {
  id: number | null;
  faxIds: string[];
  blobsDeleted: number;
}

export class RetentionPurger {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly store: PipelineRepository,
    private readonly blobs: BlobStore,
    private readonly audit: AuditLog,
    private readonly log: Logger,
  ) {}

  /** Purges everything due now; writes one report row (and audit entry) when anything was purged. */
  purgeDue(trigger: 'schedule' | 'cli'): PurgeReport {
    const startedAt = this.clock.now().toISOString();
    const faxIds: string[] = [];
    let blobsDeleted = 0;
    for (;;) {
      const due = this.store.duePurge(this.clock.now().toISOString(), BATCH);
      if (due.length === 0) break;
      for (const fax of due) {
        for (const blob of this.store.blobsOf(fax)) {
          this.blobs.delete(blob);
          blobsDeleted++;
        }
      }
      const purgedAt = this.clock.now().toISOString();
      this.db.transaction(() => {
        for (const fax of due) this.store.tombstone(fax, purgedAt);
      })();
      faxIds.push(...due.map((f) => f.id));
    }
    if (faxIds.length === 0) return { id: null, faxIds, blobsDeleted };
    const finishedAt = this.clock.now().toISOString();
    const id = this.db.transaction(() => {
      const reportId = this.store.recordPurge({ trigger, startedAt, finishedAt, faxIds, blobsDeleted });
      this.audit.record({
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
