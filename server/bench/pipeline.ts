// Inbound pipeline benchmark: time from the end of a call (intake commit starts) to `fax.received`
// committed in the outbox, for 1-, 3- and 10-page faxes of generated documents (p50/p95), the
// pipeline's OCR pages/minute and the peak RSS, at OCR pool sizes 1 and 2 (one process each).
// Usage: tsx server/bench/pipeline.ts [--pools 1,2] [--runs 5]

import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { commitInboundFax, documentPages, partnerWithNumber } from '../test/pipeline/inbound-fax.ts';
import { startTestAppliance } from '../test/support/test-appliance.ts';

const { values } = parseArgs({
  options: {
    pools: { type: 'string', default: '1,2' },
    runs: { type: 'string', default: '5' },
    /** Internal: run one pool size in this process and print JSON. */
    pool: { type: 'string' },
  },
});

interface PoolResult {
  pool: number;
  coldMs: number;
  latency: Record<string, { p50: number; p95: number; runs: number }>;
  pagesPerMinute: number;
  peakRssMiB: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function measure(pool: number, runs: number): Promise<PoolResult> {
  const app = await startTestAppliance({ ocrPoolSize: pool });
  try {
    const { number } = await partnerWithNumber(app, 'bench');
    const pages = await documentPages(10);
    const once = async (count: number): Promise<number> => {
      const started = performance.now();
      const faxId = await commitInboundFax(app.services, number, pages.slice(0, count));
      while (!app.services.faxes.get(faxId)?.receivedEventId) await new Promise((r) => setTimeout(r, 5));
      return performance.now() - started;
    };
    const coldMs = await once(1); // engines start with the first fax
    const latency: PoolResult['latency'] = {};
    let pagesDone = 0;
    let busyMs = 0;
    for (const count of [1, 3, 10]) {
      const n = count === 10 ? Math.max(2, Math.ceil(runs / 2)) : runs;
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push(await once(count));
      times.sort((a, b) => a - b);
      latency[`${count}`] = { p50: percentile(times, 50), p95: percentile(times, 95), runs: n };
      pagesDone += count * n;
      busyMs += times.reduce((s, t) => s + t, 0);
    }
    return {
      pool,
      coldMs,
      latency,
      pagesPerMinute: (pagesDone / busyMs) * 60_000,
      // Worker threads share the process: maxRSS covers the OCR engines too (KiB on Linux).
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await app.shutdown();
  }
}

if (values.pool) {
  process.stdout.write(`${JSON.stringify(await measure(Number(values.pool), Number(values.runs)))}\n`);
  process.exit(0);
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `Inbound pipeline: end of call → fax.received committed; generated fine pages; ${availableParallelism()} cores`,
);
const results: PoolResult[] = [];
for (const pool of values.pools.split(',').map(Number)) {
  // A fresh process per pool size, so peak memory belongs to that configuration alone.
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--pool', String(pool), '--runs', values.runs],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (child.status !== 0) throw new Error(`pool ${pool} run failed`);
  results.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!));
}
console.log(
  '| OCR pool | first fax (cold) | 1 page p50 / p95 | 3 pages p50 / p95 | 10 pages p50 / p95 | pages/min | peak RSS |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const l = (k: string) => `${s(r.latency[k].p50)} / ${s(r.latency[k].p95)}`;
  console.log(
    `| ${r.pool} | ${s(r.coldMs)} | ${l('1')} | ${l('3')} | ${l('10')} | ${r.pagesPerMinute.toFixed(1)} | ${Math.round(r.peakRssMiB)} MiB |`,
  );
}
const three = results.find((r) => r.pool === Math.max(...results.map((x) => x.pool)))!.latency['3'].p95;
console.log(`\ntarget: 3-page fax.received within 5 s — p95 ${s(three)} ${three <= 5000 ? 'MET' : 'MISSED'}`);
