// A durable job queue in the database: jobs are rows written in the caller's transaction, claimed
// with a lease, retried with backoff, at most `concurrency` at once per kind. A job whose worker
// died (kill -9) is claimed again when its lease runs out, or at once by this node's next start.
// Handlers must be idempotent: delivery is at-least-once. On PostgreSQL several nodes share the
// table: claims skip rows another node holds, and an enqueue wakes every node (LISTEN/NOTIFY).

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { type Db, isDatabaseUnavailable } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { type Job, JobRepository, type JobStatus } from './job-repository.ts';

export type { Job };

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
  /**
   * The next run of a recurring schedule: queued all the time, so it is not work in flight until
   * it falls due (see JobRepository.unfinished).
   */
  recurring?: boolean;
}

/** What the pipeline depends on: small enough that a PostgreSQL queue can implement it too. */
export interface JobQueue {
  /** Synchronous so it can join the caller's transaction. Returns the job id (existing one for a duplicate unique key). */
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions): string;
  register<P>(kind: string, handler: (job: Job<P>) => Promise<void>, options: JobKindOptions): void;
  /** Starts claiming; `skip`: kinds this node leaves to others (its roles do not include them). */
  start(options?: { skip?: readonly string[] }): void;
  stop(): Promise<void>;
}

const POLL_MS = 500;
/** How soon a job the database's absence interrupted is tried again, and its bookkeeping retried. */
const OUTAGE_RETRY_MS = 2000;
/** The NOTIFY channel an enqueue wakes other nodes on (payload: the job's kind). */
const JOBS_CHANNEL = 'faxseal_jobs';
const DEFAULT_LEASE_MS = 60_000;
const defaultBackoff = (attempt: number) => Math.min(5 * 60_000, 1000 * 2 ** (attempt - 1));

export class DatabaseJobQueue implements JobQueue {
  private readonly kinds = new Map<
    string,
    { handler: (job: Job) => Promise<void>; options: Required<JobKindOptions>; running: number }
  >();
  private readonly inFlight = new Set<Promise<void>>();
  /** Kinds this node leaves unclaimed for now: singletons another node holds. */
  private readonly paused = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** The database was out of reach at the last poll (logged once per outage). */
  private outage = false;
  /** `node:boot` — jobs locked by this node under another boot id belong to a dead process. */
  private readonly workerId: string;

  private readonly repo: JobRepository;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** This node's name (FAXSEAL_NODE_NAME): nodes sharing a host must not take each other's jobs back. */
    node: string = hostname(),
  ) {
    this.workerId = `${node}:${randomBytes(6).toString('hex')}`;
    this.repo = new JobRepository(db);
  }

  enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): string {
    const now = this.clock.now();
    const { id, inserted } = this.repo.insert({
      id: newId('job'),
      kind,
      payload,
      uniqueKey: options.uniqueKey ?? null,
      maxAttempts: options.maxAttempts ?? 5,
      recurring: options.recurring ?? false,
      runAt: options.runAt ?? now,
      createdAt: now,
    });
    // Let the commit land first, then look for work; other nodes hear of it when the commit lands.
    if (inserted && !this.stopped) setImmediate(() => this.poll());
    if (inserted) this.db.notify(JOBS_CHANNEL, kind);
    return id;
  }

  register<P>(kind: string, handler: (job: Job<P>) => Promise<void>, options: JobKindOptions): void {
    this.kinds.set(kind, {
      handler: handler as (job: Job) => Promise<void>,
      options: { leaseMs: DEFAULT_LEASE_MS, backoffMs: defaultBackoff, ...options },
      running: 0,
    });
  }

  start(options: { skip?: readonly string[] } = {}): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const kind of options.skip ?? []) this.kinds.delete(kind);
    // Jobs this node was running when its previous process died: take them back now, not at lease end.
    const node = this.workerId.split(':')[0];
    const recovered = this.repo.requeueAbandoned(node, this.workerId);
    if (recovered > 0) this.log.warn({ recovered }, 'requeued jobs left running by a previous process');
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
    this.unlisten = this.db.listen(JOBS_CHANNEL, (kind) => {
      if (this.kinds.has(kind)) setImmediate(() => this.poll());
    });
    setImmediate(() => this.poll());
  }

  /** Leaves `kind` unclaimed on this node (a running job finishes) until `resume`. */
  pause(kind: string): void {
    this.paused.add(kind);
  }

  resume(kind: string): void {
    this.paused.delete(kind);
    if (!this.stopped) setImmediate(() => this.poll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unlisten?.();
    this.unlisten = null;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Counts by kind and status, for metrics and the admin console. */
  stats(): { kind: string; status: string; count: number }[] {
    return this.repo.stats();
  }

  /** Work not finished, by kind and status: see JobRepository.unfinished. */
  unfinished(): { kind: string; status: JobStatus; count: number }[] {
    return this.repo.unfinished(this.clock.now());
  }

  /** Per kind, since when its longest-waiting due job has waited. */
  oldestWaiting(): { kind: string; since: string }[] {
    return this.repo.oldestWaiting(this.clock.now());
  }

  private poll(): void {
    if (this.stopped) return;
    try {
      this.claimDue();
      if (this.outage) this.log.warn('job queue reaches the database again');
      this.outage = false;
    } catch (err) {
      // A timer must never throw: the process would exit. The database is away (a restart) or a
      // claim failed; the next poll (every POLL_MS) tries again.
      if (!isDatabaseUnavailable(err)) this.log.error({ err }, 'job queue could not claim work');
      else if (!this.outage)
        this.log.warn({ err: (err as Error).message }, 'job queue cannot reach the database');
      this.outage ||= isDatabaseUnavailable(err);
    }
  }

  private claimDue(): void {
    for (const [kind, entry] of this.kinds) {
      if (this.paused.has(kind)) continue;
      while (entry.running < entry.options.concurrency) {
        const now = this.clock.now();
        const job = this.repo.claim(
          kind,
          now,
          new Date(now.getTime() + entry.options.leaseMs),
          this.workerId,
        );
        if (!job) break;
        entry.running++;
        const run = this.execute(job, entry).finally(() => {
          entry.running--;
          this.inFlight.delete(run);
          if (!this.stopped) setImmediate(() => this.poll());
        });
        this.inFlight.add(run);
      }
    }
  }

  private async execute(
    job: Job,
    entry: { handler: (job: Job) => Promise<void>; options: Required<JobKindOptions> },
  ): Promise<void> {
    const leaseUntil = () => new Date(this.clock.now().getTime() + entry.options.leaseMs);
    const renew = setInterval(
      () => {
        try {
          this.repo.renewLease(job.id, this.workerId, leaseUntil());
        } catch {
          // The database is away: the lease holds until it ends, and the next renewal extends it.
        }
      },
      Math.max(50, entry.options.leaseMs / 3),
    );
    try {
      let outcome: () => void;
      try {
        await entry.handler(job);
        outcome = () => this.repo.complete(job.id, this.workerId, this.clock.now());
      } catch (err) {
        outcome = this.failure(job, entry, err);
      }
      await this.record(job, outcome);
    } finally {
      clearInterval(renew);
    }
  }

  /** The write that records a failed attempt (an outage postpones it without spending the attempt). */
  private failure(job: Job, entry: { options: Required<JobKindOptions> }, err: unknown): () => void {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
    const retryIn = (ms: number) => new Date(this.clock.now().getTime() + ms);
    if (isDatabaseUnavailable(err)) {
      this.log.warn({ jobId: job.id, kind: job.kind, err: message }, 'job interrupted: database unavailable');
      return () =>
        this.repo.postpone(job.id, this.workerId, { error: message, retryAt: retryIn(OUTAGE_RETRY_MS) });
    }
    const final = job.attempts >= job.maxAttempts;
    this.log.warn(
      { jobId: job.id, kind: job.kind, attempt: job.attempts, final, err: message },
      'job failed',
    );
    return () =>
      this.repo.fail(job.id, this.workerId, {
        error: message,
        retryAt: retryIn(entry.options.backoffMs(job.attempts)),
        finishedAt: final ? this.clock.now() : null,
      });
  }

  /**
   * Writes a job's outcome, again every OUTAGE_RETRY_MS while the database is away (the work is
   * done: running it again because a restart ate the bookkeeping would repeat it), until the queue
   * stops; a node that dies meanwhile leaves the job to its lease, as for any crash.
   */
  private async record(job: Job, write: () => void): Promise<void> {
    for (;;) {
      try {
        write();
        return;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) {
          this.log.error({ err, jobId: job.id }, 'job outcome could not be recorded; its lease will run out');
          return;
        }
        if (this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_RETRY_MS));
      }
    }
  }
}
