// A durable job queue in the database: jobs are rows written in the caller's transaction, claimed
// with a lease, retried with backoff, at most `concurrency` at once per kind. A job whose worker
// died (kill -9) is claimed again when its lease runs out, or at once by this node's next start.
// Handlers must be idempotent: delivery is at-least-once.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';

export interface Job<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  attempts: number;
  maxAttempts: number;
}

export interface JobKindOptions {
  concurrency: number;
  /** How long a claim holds before another worker may take the job; renewed while it runs. */
  leaseMs?: number;
  /** Delay before retry `attempt` (1-based) after a failure. */
  backoffMs?: (attempt: number) => number;
}

export interface EnqueueOptions {
  runAt?: Date;
  /** A second enqueue with the same key is ignored while the first job exists. */
  uniqueKey?: string;
  maxAttempts?: number;
}

/** What the pipeline depends on: small enough that a PostgreSQL queue can implement it too. */
export interface JobQueue {
  /** Synchronous so it can join the caller's transaction. Returns the job id (existing one for a duplicate unique key). */
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions): string;
  register<P>(kind: string, handler: (job: Job<P>) => Promise<void>, options: JobKindOptions): void;
  start(): void;
  stop(): Promise<void>;
}

interface JobRow {
  id: string;
  kind: string;
  payload: string;
  attempts: number;
  max_attempts: number;
}

const POLL_MS = 500;
const DEFAULT_LEASE_MS = 60_000;
const defaultBackoff = (attempt: number) => Math.min(5 * 60_000, 1000 * 2 ** (attempt - 1));

export class SqliteJobQueue implements JobQueue {
  private readonly kinds = new Map<
    string,
    { handler: (job: Job) => Promise<void>; options: Required<JobKindOptions>; running: number }
  >();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** `host:boot` — jobs locked by this host under another boot id belong to a dead process. */
  private readonly workerId = `${hostname()}:${randomBytes(6).toString('hex')}`;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): string {
    const id = newId('job');
    const now = this.clock.now();
    const inserted = this.db
      .prepare(
        `INSERT INTO jobs (id, kind, payload, unique_key, status, max_attempts, run_at, created_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`,
      )
      .run(
        id,
        kind,
        JSON.stringify(payload),
        options.uniqueKey ?? null,
        options.maxAttempts ?? 5,
        (options.runAt ?? now).toISOString(),
        now.toISOString(),
      ).changes;
    if (inserted === 0) {
      return (
        this.db.prepare('SELECT id FROM jobs WHERE unique_key = ?').get(options.uniqueKey) as { id: string }
      ).id;
    }
    // Let the commit land first, then look for work.
    if (!this.stopped) setImmediate(() => this.poll());
    return id;
  }

  register<P>(kind: string, handler: (job: Job<P>) => Promise<void>, options: JobKindOptions): void {
    this.kinds.set(kind, {
      handler: handler as (job: Job) => Promise<void>,
      options: { leaseMs: DEFAULT_LEASE_MS, backoffMs: defaultBackoff, ...options },
      running: 0,
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // Jobs this host was running when its previous process died: take them back now, not at lease end.
    const host = this.workerId.split(':')[0];
    const recovered = this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', lease_until = NULL, locked_by = NULL
         WHERE status = 'running' AND locked_by LIKE ? AND locked_by <> ?`,
      )
      .run(`${host}:%`, this.workerId).changes;
    if (recovered > 0) this.log.warn({ recovered }, 'requeued jobs left running by a previous process');
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
    setImmediate(() => this.poll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Counts by kind and status, for metrics and the admin console. */
  stats(): { kind: string; status: string; count: number }[] {
    return this.db
      .prepare('SELECT kind, status, COUNT(*) AS count FROM jobs GROUP BY kind, status ORDER BY kind, status')
      .all() as { kind: string; status: string; count: number }[];
  }

  private poll(): void {
    if (this.stopped) return;
    for (const [kind, entry] of this.kinds) {
      while (entry.running < entry.options.concurrency) {
        const row = this.claim(kind, entry.options.leaseMs);
        if (!row) break;
        entry.running++;
        const run = this.execute(row, entry).finally(() => {
          entry.running--;
          this.inFlight.delete(run);
          if (!this.stopped) setImmediate(() => this.poll());
        });
        this.inFlight.add(run);
      }
    }
  }

  private claim(kind: string, leaseMs: number): JobRow | null {
    const now = this.clock.now();
    // One statement: the row is ours or someone else's, never both. (PostgreSQL: FOR UPDATE SKIP LOCKED.)
    const row = this.db
      .prepare(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = @lease, locked_by = @worker
         WHERE id = (
           SELECT id FROM jobs WHERE kind = @kind AND (
             (status = 'queued' AND run_at <= @now) OR (status = 'running' AND lease_until <= @now)
           ) ORDER BY run_at LIMIT 1
         ) RETURNING id, kind, payload, attempts, max_attempts`,
      )
      .get({
        kind,
        now: now.toISOString(),
        lease: new Date(now.getTime() + leaseMs).toISOString(),
        worker: this.workerId,
      }) as JobRow | undefined;
    return row ?? null;
  }

  private async execute(
    row: JobRow,
    entry: { handler: (job: Job) => Promise<void>; options: Required<JobKindOptions> },
  ): Promise<void> {
    const job: Job = {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload),
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    };
    const renew = setInterval(
      () => {
        this.db
          .prepare("UPDATE jobs SET lease_until = ? WHERE id = ? AND locked_by = ? AND status = 'running'")
          .run(
            new Date(this.clock.now().getTime() + entry.options.leaseMs).toISOString(),
            job.id,
            this.workerId,
          );
      },
      Math.max(50, entry.options.leaseMs / 3),
    );
    try {
      await entry.handler(job);
      this.db
        .prepare(
          "UPDATE jobs SET status = 'done', finished_at = ?, lease_until = NULL, last_error = NULL WHERE id = ? AND locked_by = ?",
        )
        .run(this.clock.now().toISOString(), job.id, this.workerId);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const final = job.attempts >= job.maxAttempts;
      this.log.warn(
        { jobId: job.id, kind: job.kind, attempt: job.attempts, final, err: message },
        'job failed',
      );
      this.db
        .prepare(
          `UPDATE jobs SET status = ?, run_at = ?, lease_until = NULL, locked_by = NULL, last_error = ?,
           finished_at = ? WHERE id = ? AND locked_by = ?`,
        )
        .run(
          final ? 'failed' : 'queued',
          new Date(this.clock.now().getTime() + entry.options.backoffMs(job.attempts)).toISOString(),
          message.slice(0, 2000),
          final ? this.clock.now().toISOString() : null,
          job.id,
          this.workerId,
        );
    } finally {
      clearInterval(renew);
    }
  }
}
