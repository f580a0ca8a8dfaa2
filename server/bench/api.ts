// `npm run bench:api`: requests/s and latency (p50/p99) of the partner API on loopback, against a
// real appliance process, for GET and POST /api/partner/numbers, with the bench key's rate limit
// lifted by an operator. Prints the figures; nothing is asserted.

import { rmSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { EmailRepository } from '../src/email/email-repository.ts';
import { MasterKey } from '../src/storage/master-key.ts';
import { startChildAppliance } from '../test/support/child-appliance.ts';
import { tempDataDir } from '../test/support/test-appliance.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

const dataDir = tempDataDir('bench-api');
const appliance = await startChildAppliance({ FAXSEAL_DATA_DIR: dataDir, FAXSEAL_LOG_LEVEL: 'error' });
try {
  const adminToken = /admin token: (sk_admin_\S+)/.exec(appliance.output())![1];
  const post = (path: string, body: unknown, token?: string, type = 'application/json') =>
    fetch(appliance.url + path, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  await post('/partners/apply', { companyName: 'Bench', email: 'bench@bench.test' });
  const db = new Database(`${dataDir}/faxseal.db`, { readonly: true });
  const { text } = new EmailRepository(db, MasterKey.load(dataDir, null)).sentTo('bench@bench.test')[0];
  db.close();
  const verified = (await (
    await fetch(`${appliance.url}/partners/verify?token=${/token=([\w-]+)/.exec(text)![1]}`)
  ).json()) as {
    apiKey: string;
    apiKeyId: string;
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

  console.log(`\nFaxSeal bench:api — ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}`);
  console.log(`${CONNECTIONS} connections, ${DURATION_S} s per endpoint, appliance in its own process\n`);
  console.log('endpoint                    req/s    p50 ms  p99 ms  non-2xx  errors');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(26)} ${r.requests.average.toFixed(0).padStart(6)}  ${String(r.latency.p50).padStart(7)} ${String(r.latency.p99).padStart(7)}  ${String(r.non2xx).padStart(7)} ${String(r.errors).padStart(7)}`,
    );
  }
} finally {
  await appliance.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
