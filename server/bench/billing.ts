// `npm run bench:billing`: the month close for 1,000 partners holding 100,000 numbers (a fifth of
// them released mid-month, still billed), run as the operator runs it (`faxseal billing
// close-month` in its own process) against the local Stripe on loopback. Prints wall time, Stripe
// calls per partner and by endpoint, and peak RSS, with the same close without Stripe (local
// invoices only) measured in the same run as the reference. Nothing is asserted.

import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { monthOf } from '../src/billing/month-close.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createServices } from '../src/services.ts';
import { newId } from '../src/storage/ids.ts';
import { LocalStripe } from '../test/support/stripe-server.ts';
import { ManualClock, tempDataDir, testConfig } from '../test/support/test-appliance.ts';

const PARTNERS = Number(process.env.BENCH_PARTNERS ?? 1000);
const NUMBERS_PER_PARTNER = Number(process.env.BENCH_NUMBERS_PER_PARTNER ?? 100);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Last calendar month (UTC): the close only takes months that are over.
const now = new Date();
const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
const month = monthOf(start);

const dataDir = tempDataDir('bench-billing');
const localDir = tempDataDir('bench-billing-local');
const stripe = await LocalStripe.start();
try {
  // --- seed: partners through the repository; DIDs, users and numbers in bulk (the provisioning
  // path is bench:api's subject; this one measures the close) ---
  const seedStarted = performance.now();
  const clock = new ManualClock(start.getTime() + 86_400_000);
  const services = createServices(testConfig(dataDir), createLogger('silent'), clock);
  const created = clock.now().toISOString();
  const released = new Date(start.getTime() + 11 * 86_400_000).toISOString();
  const partnerIds: string[] = [];
  for (let p = 0; p < PARTNERS; p++)
    partnerIds.push(
      services.partners.create(newId('ptr'), `Bench Partner ${p}`, `billing${p}@bench.test`, created).id,
    );
  services.close();
  const db = new Database(path.join(dataDir, 'faxseal.db'));
  const insertDid = db.prepare(
    "INSERT INTO dids (id, e164, area_code, status, source, created_at) VALUES (?, ?, ?, 'assigned', 'bench', ?)",
  );
  const insertUser = db.prepare(
    'INSERT INTO shadow_users (id, partner_id, external_user_id, created_at) VALUES (?, ?, ?, ?)',
  );
  const insertNumber = db.prepare(
    `INSERT INTO numbers (id, partner_id, shadow_user_id, did_id, e164, tier, status, created_at, released_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    let k = 0;
    for (const partnerId of partnerIds)
      for (let n = 0; n < NUMBERS_PER_PARTNER; n++, k++) {
        // +1 3AA 2XX XXXX from area 300 up, skipping 311 (N11 codes are service codes).
        const area = 300 + Math.floor(k / 1000) + (k >= 11_000 ? 1 : 0);
        const e164 = `+1${area}2${String(k % 1000).padStart(6, '0')}`;
        const didId = newId('did');
        const userId = newId('usr');
        insertDid.run(didId, e164, String(area), created);
        insertUser.run(userId, partnerId, `user-${n}`, created);
        const gone = n % 5 === 0; // a fifth released on the 11th: still billed for the month
        insertNumber.run(
          newId('num'),
          partnerId,
          userId,
          didId,
          e164,
          n % 10 < 7 ? 'personal' : 'business',
          gone ? 'released' : 'active',
          created,
          gone ? released : null,
        );
      }
  })();
  db.close();
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  cpSync(dataDir, localDir, { recursive: true });

  // --- reference: the same close without Stripe (computes and stores the local invoices only) ---
  const local = await closeMonth(localDir, {});
  // --- the close through the SDK against the local Stripe ---
  const withStripe = await closeMonth(dataDir, {
    FAXSEAL_STRIPE_SECRET_KEY: stripe.secretKey,
    FAXSEAL_STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    FAXSEAL_STRIPE_API_BASE: stripe.url,
  });
  const total = stripe.totalCalls();
  const stripeInvoices = stripe.invoices.size;
  // --- a second run: every partner already invoiced, nothing sent to Stripe ---
  const rerun = await closeMonth(dataDir, {
    FAXSEAL_STRIPE_SECRET_KEY: stripe.secretKey,
    FAXSEAL_STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    FAXSEAL_STRIPE_API_BASE: stripe.url,
  });

  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  console.log(
    `\nFaxSeal bench:billing — ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}`,
  );
  console.log(
    `${PARTNERS} partners, ${PARTNERS * NUMBERS_PER_PARTNER} numbers (70% personal, 30% business, 20% released mid-month), month ${month}; seeded in ${seedSeconds.toFixed(1)} s\n`,
  );
  console.log('run                                 close s  process s   peak RSS   Stripe calls');
  const row = (name: string, r: CloseRun, calls: number) =>
    console.log(
      `${name.padEnd(36)} ${r.closeSeconds.toFixed(2).padStart(7)}  ${r.seconds.toFixed(2).padStart(9)}   ${mib(r.maxRssKiB).padStart(8)}   ${calls}`,
    );
  row('close without Stripe (reference)', local, 0);
  row('close through Stripe (local, SDK)', withStripe, total);
  row('rerun (all already invoiced)', rerun, stripe.totalCalls() - total);
  console.log(
    `\nratio through Stripe / reference (close s): ${(withStripe.closeSeconds / local.closeSeconds).toFixed(1)}×`,
  );
  console.log(
    `Stripe invoices: ${stripeInvoices} for ${PARTNERS} partners; calls per partner: ${(total / PARTNERS).toFixed(2)}`,
  );
  for (const [endpoint, count] of [...stripe.calls].sort())
    console.log(
      `  ${endpoint.padEnd(36)} ${String(count).padStart(6)}  (${(count / PARTNERS).toFixed(2)} per partner)`,
    );
  console.log(`report line: ${withStripe.summary}`);
} finally {
  await stripe.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(localDir, { recursive: true, force: true });
}

interface CloseRun {
  /** The process, start to exit. */
  seconds: number;
  /** The close itself, as its report says. */
  closeSeconds: number;
  maxRssKiB: number;
  summary: string;
}

/** `npm run faxseal -- billing close-month` in its own process, under /usr/bin/time for its peak RSS. */
function closeMonth(dir: string, env: Record<string, string>): Promise<CloseRun> {
  const timeFile = path.join(dir, 'close.time');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        '-o',
        timeFile,
        process.execPath,
        '--import',
        'tsx',
        'server/src/cli/main.ts',
        'billing',
        'close-month',
        '--month',
        month,
      ],
      { cwd: root, env: { ...process.env, FAXSEAL_DATA_DIR: dir, FAXSEAL_LOG_LEVEL: 'warn', ...env } },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`close-month exited ${code}:\n${out.slice(-2000)}`));
      const summary = out.trim().split('\n').at(-1) ?? '';
      resolve({
        seconds,
        closeSeconds: Number(/ in ([\d.]+) s$/.exec(summary)?.[1]),
        maxRssKiB: Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)),
        summary,
      });
    });
  });
}
