// The operator's view of the work queues (GET /api/admin/queues): durable jobs by kind and state,
// the longest wait, and the worker pools behind them.

import { type Static, Type } from 'typebox';
import { nullable, Timestamp } from '../http/schema.ts';

export const JobKindStatsSchema = Type.Object({
  kind: Type.String({ description: 'fax.process (OCR), fax.extract, fax.send, retention.purge…' }),
  queued: Type.Integer(),
  running: Type.Integer(),
  done: Type.Integer(),
  failed: Type.Integer(),
  oldestWaitingSince: nullable(Timestamp),
});

export const QueuesSchema = Type.Object({
  jobs: Type.Array(JobKindStatsSchema),
  pools: Type.Object({
    ocr: nullable(
      Type.Object(
        {
          engine: Type.String(),
          maxThreads: Type.Integer(),
          threads: Type.Integer({ description: 'Threads started (they stop when idle)' }),
          queued: Type.Integer({ description: 'Pages waiting for a thread' }),
          completed: Type.Integer(),
        },
        { description: 'null until the first fax starts the pool' },
      ),
    ),
    extraction: nullable(
      Type.Object({ provider: Type.String(), chosen: Type.String(), running: Type.Integer() }),
    ),
  }),
  webhooks: Type.Object({ unfinished: Type.Integer({ description: 'Deliveries pending or in flight' }) }),
  at: Timestamp,
});
export type JobKindStats = Static<typeof JobKindStatsSchema>;
export type Queues = Static<typeof QueuesSchema>;
