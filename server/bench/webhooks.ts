// `npm run bench:webhooks`: webhook deliveries/s to a fast local receiver, and latency from an
// event's commit (outbox row written) to its arrival at the receiver, at paced rates. The receiver
// runs in a worker thread so it does not share the dispatcher's event loop. Prints; asserts nothing.

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startTestAppliance } from '../test/support/test-appliance.ts';

const BURST = Number(process.env.BENCH_EVENTS ?? 10_000);
const PACED_SECONDS = Number(process.env.BENCH_DURATION ?? 5);
const RATES = (process.env.BENCH_RATES ?? '500,1000,2000').split(',').map(Number);

const now = () => performance.timeOrigin + performance.now();

// A minimal receiver: answers 204 at once and reports (event id, arrival time) in batches.
const receiver = new Worker(
  `
  const http = require('node:http');
  const { parentPort } = require('node:worker_threads');
  const { performance } = require('node:perf_hooks');
  let batch = [];
  setInterval(() => { if (batch.length) { parentPort.postMessage(batch); batch = []; } }, 20).unref();
  const server = http.createServer((req, res) => {
    const at = performance.timeOrigin + performance.now();
    req.resume();
    req.on('end', () => { batch.push([req.headers['webhook-id'], at]); res.writeHead(204).end(); });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on('message', (m) => { if (m === 'stop') server.close(() => process.exit(0)); });
  `,
  { eval: true },
);
const port = await new Promise<number>((resolve) =>
  receiver.once('message', (m: { port: number }) => resolve(m.port)),
);
const arrivals = new Map<string, number>();
receiver.on('message', (batch: [string, number][]) => {
  for (const [id, at] of batch) if (!arrivals.has(id)) arrivals.set(id, at);
});

const app = await startTestAppliance({ urlAllowlist: ['127.0.0.1'], logLevel: 'silent' });
const { partnerId, apiKey } = await app.onboardPartner('Bench');
await app.call('PATCH', '/api/partner/settings', {
  key: apiKey,
  body: { webhookUrl: `http://127.0.0.1:${port}/hook` },
});
const { db, webhooks } = app.services;
const commits = new Map<string, number>();

/** One event in its own transaction, as the pipeline writes them; records the commit time. */
function enqueueOne(i: number): void {
  const { eventId } = db.transaction(() =>
    webhooks.outbox.enqueue(partnerId, 'fax.received', {
      externalUserId: `user-${i % 100}`,
      faxId: `fax_bench${i}`,
      from: '+12125550100',
      to: '+13105550123',
      pages: 2,
      partial: false,
      pagesConfirmed: 2,
      ocrText: 'Referral for Jane Smith, DOB 1985-03-14. Diagnosis: type 2 diabetes. '.repeat(10),
      pdfUrl: 'https://appliance.local/files/fax_bench?sig=abc',
      pdfUrlExpiresAt: new Date().toISOString(),
    }),
  )();
  commits.set(eventId, now());
}

async function waitForAll(ids: string[]): Promise<void> {
  while (!ids.every((id) => arrivals.has(id))) await new Promise((r) => setTimeout(r, 5));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function latencies(ids: string[]): { p50: number; p99: number; max: number } {
  const values = ids.map((id) => arrivals.get(id)! - commits.get(id)!).sort((a, b) => a - b);
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: values.at(-1)! };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

// Warm-up: connections, JIT, SQLite page cache.
const warmStart = commits.size;
for (let i = 0; i < 500; i++) enqueueOne(i);
await waitForAll([...commits.keys()].slice(warmStart));

// 1. Burst: enqueue BURST events in chunks (letting the dispatcher run between chunks), time the drain.
{
  const ids: string[] = [];
  const started = now();
  for (let i = 0; i < BURST; i += 100) {
    for (let j = i; j < Math.min(BURST, i + 100); j++) enqueueOne(j);
    ids.push(...[...commits.keys()].slice(-Math.min(100, BURST - i)));
    await new Promise((r) => setImmediate(r));
  }
  await waitForAll(ids);
  const seconds = (Math.max(...ids.map((id) => arrivals.get(id)!)) - started) / 1000;
  const l = latencies(ids);
  console.log(
    `burst: ${BURST} events → ${Math.round(BURST / seconds)} deliveries/s (commit→delivery under backlog: p50 ${fmt(l.p50)}, p99 ${fmt(l.p99)})`,
  );
}

// 2. Paced: a steady event rate, as a busy appliance produces them; latency from commit to arrival.
for (const rate of RATES) {
  const ids: string[] = [];
  const total = rate * PACED_SECONDS;
  const started = now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      enqueueOne(sent);
      ids.push([...commits.keys()].at(-1)!);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await waitForAll(ids);
  const l = latencies(ids);
  console.log(
    `paced ${rate}/s for ${PACED_SECONDS} s: commit→delivery p50 ${fmt(l.p50)}, p99 ${fmt(l.p99)}, max ${fmt(l.max)}`,
  );
}

const failed = db
  .prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status != 'succeeded'")
  .get() as { n: number };
console.log(
  `deliveries not succeeded: ${failed.n}; concurrency ${app.config.webhookConcurrency}; ${commits.size} events in all`,
);
receiver.postMessage('stop');
await app.shutdown();
