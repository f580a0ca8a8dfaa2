// `npm run bench:api`: requests/s and latency (p50/p99) of the partner API on loopback, against a
// real appliance process, for GET and POST /api/partner/numbers, with the bench key's rate limit
// lifted by an operator — on SQLite, then on a local PostgreSQL — and one statement's round trip on
// each engine. Prints the figures and PostgreSQL's ratio to SQLite; nothing is asserted.

import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { startLocalPostgres } from '../../scripts/local-postgres.ts';
import { readFirstRunAdminToken } from '../src/admin/first-run-credentials.ts';
import { EmailRepository } from '../src/email/email-repository.ts';
import { PartnerRepository } from '../src/partners/partner-repository.ts';
import { type Engine, openDatabase } from '../src/storage/database.ts';
import { MasterKey } from '../src/storage/master-key.ts';
import { startChildAppliance } from '../test/support/child-appliance.ts';
import { tempDataDir } from '../test/support/test-appliance.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
/** Statements timed one after another for the per-statement round trip. */
const STATEMENTS = Number(process.env.BENCH_STATEMENTS ?? 5000);

interface EngineRun {
  results: Record<string, autocannon.Result>;
  /** Microseconds per primary-key read through the repositories, from the bench process. */
  statementUs: number;
}

async function benchEngine(engine: Engine, databaseUrl: string | null): Promise<EngineRun> {
  const dataDir = tempDataDir(`bench-api-${engine}`);
  const target = { dataDir, databaseUrl };
  const appliance = await startChildAppliance({
    FAXSEAL_DATA_DIR: dataDir,
    FAXSEAL_LOG_LEVEL: 'error',
    ...(databaseUrl ? { FAXSEAL_DATABASE_URL: databaseUrl } : {}),
  });
  try {
    return await run(appliance, target);
  } finally {
    await appliance.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(
  appliance: Awaited<ReturnType<typeof startChildAppliance>>,
  target: { dataDir: string; databaseUrl: string | null },
): Promise<EngineRun> {
  // First-run credentials go to a 0600 file in the data directory, not to the log stream.
  const adminToken = readFirstRunAdminToken(target.dataDir);
  const post = (path: string, body: unknown, token?: string, type = 'application/json') =>
    fetch(appliance.url + path, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  await post('/partners/apply', { companyName: 'Bench', email: 'bench@bench.test' });
  // The bench process reads the appliance's database the way a second node would.
  const db = openDatabase(target, { migrate: false });
  const { text } = new EmailRepository(db, MasterKey.load(target.dataDir, null)).sentTo(
    'bench@bench.test',
  )[0];
  const verified = (await (
    await fetch(`${appliance.url}/partners/verify?token=${/token=([\w-]+)/.exec(text)![1]}`)
  ).json()) as {
    apiKey: string;
    apiKeyId: string;
    partnerId: string;
  };
  await fetch(`${appliance.url}/api/admin/keys/${verified.apiKeyId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ rateLimitPerMinute: 10_000_000 }),
  });
  // Enough DIDs that the POST run never drains the pool: +1 3AA 2XX XXXX.
  const dids: string[] = [];
  for (let area = 300; area < 340; area++)
    for (let i = 0; i < 1000; i++) dids.push(`+1${area}2${String(i).padStart(6, '0')}`);
  await post('/api/admin/dids/import', dids.join('\n'), adminToken, 'text/csv');
  for (let i = 0; i < 50; i++)
    await post('/api/partner/numbers', { externalUserId: `seed-${i}`, tier: 'personal' }, verified.apiKey);

  const headers = { authorization: `Bearer ${verified.apiKey}`, 'content-type': 'application/json' };
  const results: Record<string, autocannon.Result> = {};
  results['GET /api/partner/numbers'] = await autocannon({
    url: `${appliance.url}/api/partner/numbers`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers,
  });
  let n = 0;
  results['POST /api/partner/numbers'] = await autocannon({
    url: `${appliance.url}/api/partner/numbers`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    method: 'POST',
    headers,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ externalUserId: `bench-${n++}`, tier: 'personal' }),
        }),
      },
    ],
  });

  // One statement's round trip (PostgreSQL: main thread → worker → server → back), on an idle appliance.
  const partners = new PartnerRepository(db);
  for (let i = 0; i < 200; i++) partners.get(verified.partnerId);
  const started = process.hrtime.bigint();
  for (let i = 0; i < STATEMENTS; i++) partners.get(verified.partnerId);
  const statementUs = Number(process.hrtime.bigint() - started) / 1000 / STATEMENTS;
  db.close();
  return { results, statementUs };
}

const pgDir = tempDataDir('bench-api-pg');
const postgres = await startLocalPostgres({ dataDir: path.join(pgDir, 'cluster') });
const runs: Partial<Record<Engine, EngineRun>> = {};
try {
  runs.sqlite = await benchEngine('sqlite', null);
  runs.postgres = await benchEngine('postgres', await postgres.createDatabase('bench_api'));
} finally {
  postgres.stop();
  rmSync(pgDir, { recursive: true, force: true });
}

console.log(`\nFaxSeal bench:api — ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}`);
console.log(
  `${CONNECTIONS} connections, ${DURATION_S} s per endpoint, appliance in its own process; SQLite first, then a local PostgreSQL 15 on 127.0.0.1\n`,
);
console.log('engine    endpoint                    req/s    p50 ms  p99 ms  non-2xx  errors  vs SQLite');
for (const [engine, r] of Object.entries(runs) as [Engine, EngineRun][]) {
  for (const [name, result] of Object.entries(r.results)) {
    const reference = runs.sqlite!.results[name].requests.average;
    console.log(
      `${engine.padEnd(9)} ${name.padEnd(26)} ${result.requests.average.toFixed(0).padStart(6)}  ${String(result.latency.p50).padStart(7)} ${String(result.latency.p99).padStart(7)}  ${String(result.non2xx).padStart(7)} ${String(result.errors).padStart(7)}  ${(result.requests.average / reference).toFixed(2)}×`,
    );
  }
}
console.log('\none statement (partner by id through PartnerRepository), from a second process:');
for (const [engine, r] of Object.entries(runs) as [Engine, EngineRun][])
  console.log(
    `${engine.padEnd(9)} ${r.statementUs.toFixed(1).padStart(7)} µs   ${(r.statementUs / runs.sqlite!.statementUs).toFixed(1)}× SQLite`,
  );
