// The `purge_reports` table: one row per retention run that purged anything, for the auditor's
// retention report (which faxes, how many files, when and why it ran).

import type { Db } from '../storage/database.ts';

export interface NewPurgeReport {
  trigger: 'schedule' | 'cli';
  startedAt: string;
  finishedAt: string;
  faxIds: string[];
  blobsDeleted: number;
}

export interface PurgeReport extends NewPurgeReport {
  id: number;
  faxesPurged: number;
}

export class PurgeReportRepository {
  constructor(private readonly db: Db) {}

  /** Returns the report's id. */
  record(report: NewPurgeReport): number {
    const row = this.db
      .prepare(
        `INSERT INTO purge_reports (trigger, started_at, finished_at, faxes_purged, blobs_deleted, fax_ids)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .get(
        report.trigger,
        report.startedAt,
        report.finishedAt,
        report.faxIds.length,
        report.blobsDeleted,
        JSON.stringify(report.faxIds),
      ) as { id: number };
    return row.id;
  }

  get(id: number): PurgeReport | null {
    const row = this.db.prepare('SELECT * FROM purge_reports WHERE id = ?').get(id) as
      | {
          id: number;
          trigger: 'schedule' | 'cli';
          started_at: string;
          finished_at: string;
          faxes_purged: number;
          blobs_deleted: number;
          fax_ids: string;
        }
      | undefined;
    return row
      ? {
          id: row.id,
          trigger: row.trigger,
          startedAt: row.started_at,
          finishedAt: row.finished_at,
          faxesPurged: row.faxes_purged,
          blobsDeleted: row.blobs_deleted,
          faxIds: JSON.parse(row.fax_ids),
        }
      : null;
  }
}
