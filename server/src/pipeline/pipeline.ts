// The inbound pipeline on the durable job queue: `fax.process` (OCR → searchable PDF → fax.received)
// and the hourly `retention.purge`. Registered once, before the queue starts; the OCR pool is
// created with the first fax and closed when the appliance stops.

import path from 'node:path';
import { FAX_PROCESS_JOB } from '../faxes/inbound-intake.ts';
import { OcrPool } from '../ocr/ocr-pool.ts';
import type { Services } from '../services.ts';
import { FaxProcessor } from './fax-processor.ts';
import { RETENTION_PURGE_JOB, RetentionPurger } from './retention-purger.ts';

const PURGE_INTERVAL_MS = 60 * 60_000;
/** An OCR engine takes a few seconds to start: keep idle ones for a while, faxes come in bursts. */
const OCR_IDLE_MS = 10 * 60_000;

export interface Pipeline {
  processor: FaxProcessor;
  purger: RetentionPurger;
  /** Books the current hour's purge (the node holding the retention singleton calls it). */
  bookPurge(): void;
  /** The OCR pool's figures; null until the first fax started it (or after it was closed). */
  ocrStats(): ReturnType<OcrPool['stats']> | null;
  /** Stops the OCR threads; call after the job queue stopped. */
  close(): Promise<void>;
}

export function registerPipeline(services: Services): Pipeline {
  const { db, clock, log, jobs, config } = services;
  let pool: OcrPool | null = null;
  const processor = new FaxProcessor({
    db,
    clock,
    log: log.child({ module: 'pipeline' }),
    faxes: services.faxes,
    blobs: services.blobs,
    jobs,
    outbox: services.webhooks.outbox,
    links: services.signedLinks,
    ocr: () => {
      pool ??= new OcrPool({
        threads: config.ocrPoolSize,
        engine: config.ocrEngine,
        idleTimeoutMs: OCR_IDLE_MS,
        log: log.child({ module: 'ocr' }),
      });
      return pool;
    },
    spoolDir: path.join(config.dataDir, 'spool', 'pipeline'),
  });
  const purger = new RetentionPurger(services, log.child({ module: 'retention' }));

  // Pages of several faxes share the pool; two faxes in flight keep it busy while one builds its PDF.
  jobs.register<{ faxId: string }>(FAX_PROCESS_JOB, (job) => processor.handle(job), {
    concurrency: 2,
    leaseMs: 120_000,
  });
  // Periodic through the durable queue: one job per hourly slot (its unique key), each run books
  // the next. The current slot's job also catches up after downtime.
  const slot = (at: number) => Math.floor(at / PURGE_INTERVAL_MS) * PURGE_INTERVAL_MS;
  const schedule = (at: number) =>
    jobs.enqueue(
      RETENTION_PURGE_JOB,
      {},
      { uniqueKey: `retention:${new Date(at).toISOString()}`, runAt: new Date(at), recurring: true },
    );
  jobs.register(
    RETENTION_PURGE_JOB,
    async () => {
      purger.purgeDue('schedule');
      schedule(slot(clock.now().getTime()) + PURGE_INTERVAL_MS);
    },
    { concurrency: 1 },
  );

  return {
    processor,
    purger,
    bookPurge: () => void schedule(slot(clock.now().getTime())),
    ocrStats: () => pool?.stats() ?? null,
    async close() {
      await pool?.close();
      pool = null;
    },
  };
}
