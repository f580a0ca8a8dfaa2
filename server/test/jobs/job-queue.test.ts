import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { test } from 'node:test';
import pino from 'pino';
import { systemClock } from '../../src/clock.ts';
import { DatabaseJobQueue } from '../../src/jobs/job-queue.ts';
import { JobRepository } from '../../src/jobs/job-repository.ts';
import { openTestDatabase, tempDataDir } from '../support/test-appliance.ts';

const silent = pino({ level: 'silent' });

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const db = await openTestDatabase(t, tempDataDir('jobs'));
  return { db, jobs: new JobRepository(db) };
}

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('jobs run once each, at most `concurrency` at a time per kind', async (t) => {
  const { db } = await setup(t);
  const queue = new DatabaseJobQueue(db, systemClock, silent);
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  queue.register<{ n: number }>(
    'ocr',
    async (job) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      done.push(job.payload.n);
      running--;
    },
    { concurrency: 2 },
  );
  for (let n = 0; n < 8; n++) queue.enqueue('ocr', { n });
  queue.start();
  await until(() => done.length === 8);
  await queue.stop();
  assert.deepEqual([...done].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(peak, 2);
  assert.deepEqual(queue.stats(), [{ kind: 'ocr', status: 'done', count: 8 }]);
});

test('a failing job is retried with backoff and ends failed after max attempts', async (t) => {
  const { db, jobs } = await setup(t);
  const queue = new DatabaseJobQueue(db, systemClock, silent);
  const attempts: number[] = [];
  queue.register(
    'flaky',
    async (job) => {
      attempts.push(job.attempts);
      throw new Error(`boom ${job.attempts}`);
    },
    { concurrency: 1, backoffMs: () => 5 },
  );
  const id = queue.enqueue('flaky', {}, { maxAttempts: 3 });
  queue.start();
  await until(() => jobs.get(id)?.status === 'failed');
  await queue.stop();
  assert.deepEqual(attempts, [1, 2, 3]);
  const row = jobs.get(id)!;
  assert.equal(row.attempts, 3);
  assert.equal(row.lastError, 'boom 3');
});

test('a job that fails once succeeds on retry', async (t) => {
  const { db, jobs } = await setup(t);
  const queue = new DatabaseJobQueue(db, systemClock, silent);
  let calls = 0;
  queue.register(
    'once',
    async () => {
      if (++calls === 1) throw new Error('transient');
    },
    { concurrency: 1, backoffMs: () => 5 },
  );
  const id = queue.enqueue('once', {});
  queue.start();
  await until(() => jobs.get(id)?.status === 'done');
  await queue.stop();
  assert.equal(calls, 2);
});

test('a unique key admits one job; enqueue joins the caller transaction', async (t) => {
  const { db } = await setup(t);
  const queue = new DatabaseJobQueue(db, systemClock, silent);
  const a = queue.enqueue('ocr', { fax: 1 }, { uniqueKey: 'ocr:fax_1' });
  const b = queue.enqueue('ocr', { fax: 1 }, { uniqueKey: 'ocr:fax_1' });
  assert.equal(a, b);
  assert.throws(() =>
    db.transaction(() => {
      queue.enqueue('ocr', { fax: 2 }, { uniqueKey: 'ocr:fax_2' });
      throw new Error('state change failed');
    })(),
  );
  assert.deepEqual(
    queue.stats(),
    [{ kind: 'ocr', status: 'queued', count: 1 }],
    'rolled back with the caller',
  );
});

test("jobs a dead process of this host left running are taken back at start; others' only after their lease", async (t) => {
  const { db, jobs } = await setup(t);
  // Two jobs claimed an hour's lease ago: one by a dead process of this host, one by another node.
  const now = new Date();
  const later = new Date(Date.now() + 3_600_000);
  const claimedBy = (id: string, worker: string) => {
    jobs.insert({
      id,
      kind: 'ocr',
      payload: {},
      uniqueKey: null,
      maxAttempts: 5,
      recurring: false,
      runAt: now,
      createdAt: now,
    });
    assert.equal(jobs.claim('ocr', now, later, worker)?.id, id);
  };
  claimedBy('job_00000000000000000000000001', `${hostname()}:deadbeef0000`);
  claimedBy('job_00000000000000000000000002', 'other-node:cafe00000000');
  const queue = new DatabaseJobQueue(db, systemClock, silent);
  const seen: string[] = [];
  queue.register(
    'ocr',
    async (job) => {
      seen.push(job.id);
    },
    { concurrency: 2 },
  );
  queue.start();
  await until(() => seen.length === 1);
  await new Promise((r) => setTimeout(r, 100));
  await queue.stop();
  assert.deepEqual(seen, ['job_00000000000000000000000001']);
  assert.equal(jobs.get('job_00000000000000000000000001')?.attempts, 2, 'the crashed attempt counts');
});

test("a recurring schedule's next run is not work in flight until it falls due or is tried", async (t) => {
  const { db } = await setup(t);
  let now = new Date('2026-12-03T10:00:00Z');
  const clock = { now: () => now };
  const queue = new DatabaseJobQueue(db, clock as typeof systemClock, silent);
  const hour = (h: number) => new Date(`2026-12-03T${String(h).padStart(2, '0')}:00:00Z`);
  queue.enqueue('purge', {}, { uniqueKey: 'purge:11', runAt: hour(11), recurring: true });
  queue.enqueue('purge', {}, { uniqueKey: 'purge:9', runAt: hour(9), recurring: true });
  queue.enqueue('ocr', {}, { runAt: hour(12) });
  // Due (09:00) and a one-off job waiting (12:00) are in flight; the 11:00 schedule is not, yet.
  assert.deepEqual(queue.unfinished(), [
    { kind: 'ocr', status: 'queued', count: 1 },
    { kind: 'purge', status: 'queued', count: 1 },
  ]);
  now = hour(11);
  assert.deepEqual(queue.unfinished(), [
    { kind: 'ocr', status: 'queued', count: 1 },
    { kind: 'purge', status: 'queued', count: 2 },
  ]);
  // A recurring run that failed and waits for its retry is unfinished work, whenever the retry is.
  const failing = new DatabaseJobQueue(db, clock as typeof systemClock, silent);
  let tried = 0;
  failing.register(
    'purge',
    async () => {
      tried++;
      throw new Error('disk full');
    },
    { concurrency: 2, backoffMs: () => 3_600_000 },
  );
  failing.start();
  await until(() => tried === 2 && !queue.stats().some((r) => r.status === 'running'));
  await failing.stop();
  assert.deepEqual(queue.unfinished(), [
    { kind: 'ocr', status: 'queued', count: 1 },
    { kind: 'purge', status: 'queued', count: 2 },
  ]);
});
