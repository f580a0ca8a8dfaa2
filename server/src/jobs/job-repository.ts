// The `jobs` table: rows the queue writes in its callers' transactions, claims under a lease, and
// settles as done or failed. Every statement the job queue runs is here; the scheduling is job-queue.ts.

import type { Db } from '../storage/database.ts';

export interface Job<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  attempts: number;
  maxAttempts: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** A job as stored, for inspection (the CLI, the console, tests). */
export interface StoredJob extends Job {
  status: JobStatus;
  uniqueKey: string | null;
  lastError: string | null;
  /** `node:boot` of the worker that claimed it last (kept once done: which node ran it). */
  lockedBy: string | null;
}

export interface NewJob {
  id: string;
  kind: string;
  payload: unknown;
  uniqueKey: string | null;
  maxAttempts: number;
  recurring: boolean;
  runAt: Date;
  createdAt: Date;
}

interface JobRow {
  id: string;
  kind: string;
  payload: string;
  attempts: number;
  max_attempts: number;
  status: JobStatus;
  unique_key: string | null;
  last_error: string | null;
  locked_by: string | null;
}

const toJob = (r: Pick<JobRow, 'id' | 'kind' | 'payload' | 'attempts' | 'max_attempts'>): Job => ({
  id: r.id,
  kind: r.kind,
  payload: JSON.parse(r.payload),
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
});

export class JobRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the job; with a unique key already taken, returns the id of the job holding it instead. */
  insert(job: NewJob): { id: string; inserted: boolean } {
    const inserted = this.db
      .prepare(
        `INSERT INTO jobs (id, kind, payload, unique_key, status, max_attempts, recurring, run_at, created_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`,
      )
      .run(
        job.id,
        job.kind,
        JSON.stringify(job.payload),
        job.uniqueKey,
        job.maxAttempts,
        job.recurring ? 1 : 0,
        job.runAt.toISOString(),
        job.createdAt.toISOString(),
      ).changes;
    if (inserted === 1) return { id: job.id, inserted: true };
    const existing = this.db.prepare('SELECT id FROM jobs WHERE unique_key = ?').get(job.uniqueKey) as {
      id: string;
    };
    return { id: existing.id, inserted: false };
  }

  /** Jobs locked by `host` under another worker id than `workerId` go back to the queue; returns how many. */
  requeueAbandoned(host: string, workerId: string): number {
    return this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', lease_until = NULL, locked_by = NULL
         WHERE status = 'running' AND locked_by LIKE ? AND locked_by <> ?`,
      )
      .run(`${host}:%`, workerId).changes;
  }

  /** The next due job of `kind` (queued, or running with an expired lease), now locked by `workerId`. */
  claim(kind: string, now: Date, leaseUntil: Date, workerId: string): Job | null {
    // One statement: the row is ours or someone else's, never both. On PostgreSQL the inner SELECT
    // locks the row and skips rows other nodes are claiming, so claims never wait on each other.
    const row = this.db
      .prepare(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = @lease, locked_by = @worker
         WHERE id = (
           SELECT id FROM jobs WHERE kind = @kind AND (
             (status = 'queued' AND run_at <= @now) OR (status = 'running' AND lease_until <= @now)
           ) ORDER BY run_at LIMIT 1${this.db.dialect.skipLocked()}
         ) RETURNING id, kind, payload, attempts, max_attempts`,
      )
      .get({
        kind,
        now: now.toISOString(),
        lease: leaseUntil.toISOString(),
        worker: workerId,
      }) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  renewLease(id: string, workerId: string, leaseUntil: Date): void {
    this.db
      .prepare("UPDATE jobs SET lease_until = ? WHERE id = ? AND locked_by = ? AND status = 'running'")
      .run(leaseUntil.toISOString(), id, workerId);
  }

  complete(id: string, workerId: string, finishedAt: Date): void {
    this.db
      .prepare(
        "UPDATE jobs SET status = 'done', finished_at = ?, lease_until = NULL, last_error = NULL WHERE id = ? AND locked_by = ?",
      )
      .run(finishedAt.toISOString(), id, workerId);
  }

  /** A failed attempt: queued again at `retryAt`, or failed for good (`finishedAt` set). */
  fail(
    id: string,
    workerId: string,
    outcome: { error: string; retryAt: Date; finishedAt: Date | null },
  ): void {
    this.db
      .prepare(
        `UPDATE jobs SET status = ?, run_at = ?, lease_until = NULL, locked_by = NULL, last_error = ?,
         finished_at = ? WHERE id = ? AND locked_by = ?`,
      )
      .run(
        outcome.finishedAt ? 'failed' : 'queued',
        outcome.retryAt.toISOString(),
        outcome.error,
        outcome.finishedAt?.toISOString() ?? null,
        id,
        workerId,
      );
  }

  /**
   * An attempt the database's absence cut short (a PostgreSQL restart): queued again at `retryAt`
   * with its attempt given back, so an outage never spends a job's retries.
   */
  postpone(id: string, workerId: string, outcome: { error: string; retryAt: Date }): void {
    this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, locked_by = NULL, last_error = ?,
         attempts = attempts - 1 WHERE id = ? AND locked_by = ?`,
      )
      .run(outcome.retryAt.toISOString(), outcome.error, id, workerId);
  }

  /** Counts by kind and status, for metrics and the admin console. */
  stats(): { kind: string; status: JobStatus; count: number }[] {
    return this.db
      .prepare('SELECT kind, status, COUNT(*) AS count FROM jobs GROUP BY kind, status ORDER BY kind, status')
      .all() as { kind: string; status: JobStatus; count: number }[];
  }

  /**
   * Jobs in flight by kind and status: running, due, or waiting for a retry. A recurring schedule's
   * next run that has not fallen due and was never tried is not in flight: it is the schedule.
   */
  unfinished(now: Date): { kind: string; status: JobStatus; count: number }[] {
    return this.db
      .prepare(
        `SELECT kind, status, COUNT(*) AS count FROM jobs WHERE status IN ('queued', 'running')
           AND NOT (recurring = 1 AND status = 'queued' AND attempts = 0 AND run_at > ?)
         GROUP BY kind, status ORDER BY kind, status`,
      )
      .all(now.toISOString()) as { kind: string; status: JobStatus; count: number }[];
  }

  /** Per kind, when the longest-waiting due job became due (queued and run_at passed). */
  oldestWaiting(now: Date): { kind: string; since: string }[] {
    return this.db
      .prepare(
        `SELECT kind, MIN(run_at) AS since FROM jobs WHERE status = 'queued' AND run_at <= ?
         GROUP BY kind ORDER BY kind`,
      )
      .all(now.toISOString()) as { kind: string; since: string }[];
  }

  get(id: string): StoredJob | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toStoredJob(row) : null;
  }

  findByUniqueKey(uniqueKey: string): StoredJob | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE unique_key = ?').get(uniqueKey) as
      | JobRow
      | undefined;
    return row ? toStoredJob(row) : null;
  }
}

const toStoredJob = (r: JobRow): StoredJob => ({
  ...toJob(r),
  status: r.status,
  uniqueKey: r.unique_key,
  lastError: r.last_error,
  lockedBy: r.locked_by,
});
