// Chaos for issue 15: the real appliance as a child process takes faxes in (SIP + T.38 from the fax
// simulator) and sends faxes out (the partner API, dialing the simulator back), and is SIGKILLed at
// a seeded random moment, then started again on the same data directory, over and over. Several
// lanes (an appliance, a simulator and a webhook receiver each) run side by side to keep wall time
// down. Some trials also close a past month (the durable `billing.close-month` job, or the operator's
// `faxseal billing close-month`, whose process dies with the appliance) against a local Stripe.
// After every restart: every page the sender got an MCF for is in a fax, the credit ledger
// balances, the audit chain verifies, no event was sent twice under different ids and no invoice
// is wrong by a cent. At the end, once everything has settled (and the operator has re-run every
// close a kill cut short): every acknowledged send is delivered or failed, every event reached the
// receiver, and every closed month has exactly one invoice per partner, here and in Stripe, to the
// cent. Used by chaos.test.ts (CI) and `npm run bench:chaos` (the long run).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { AuditRepository } from '../../src/audit/audit-repository.ts';
import { MONTH_CLOSE_JOB, monthOf, scheduleMonthClose } from '../../src/billing/month-close.ts';
import { PriceRepository } from '../../src/billing/price-repository.ts';
import { systemClock } from '../../src/clock.ts';
import { DatabaseJobQueue } from '../../src/jobs/job-queue.ts';
import { JobRepository } from '../../src/jobs/job-repository.ts';
import type { Tier } from '../../src/numbers/number-schema.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { provision } from '../billing/support.ts';
import { adminToken, grant, makePdf } from '../outbound/support.ts';
import { documentPages, partnerWithNumber } from '../pipeline/inbound-fax.ts';
import { type ChildAppliance, root, startChildAppliance } from '../support/child-appliance.ts';
import { LocalStripe } from '../support/stripe-server.ts';
import { startTestAppliance, tempDataDir } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

/** What was going on when a kill landed (several at once are common). */
export type KillPhase = 'call' | 'ocr' | 'extraction' | 'delivery' | 'send' | 'month-close' | 'idle';

export interface ChaosOptions {
  trials: number;
  /** Appliances run side by side; trials are shared out between them. */
  lanes: number;
  seed: number;
  /** Longest wait between starting a trial's faxes and the kill. */
  maxKillDelayMs: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  trials: number;
  kills: Record<KillPhase, number>;
  inboundCalls: number;
  pagesConfirmed: number;
  partialFaxes: number;
  sendsAcknowledged: number;
  sendsDelivered: number;
  sendsFailed: number;
  /** Month closes started: by the scheduled job, by the CLI; CLI runs a kill cut short and re-run. */
  closes: { job: number; cli: number; cliRerun: number };
  /** Partner-months invoiced by the end, each checked here and in Stripe. */
  invoicesChecked: number;
  /** Failed sends by failure code and detail. */
  failures: Record<string, number>;
  eventsRecorded: number;
  webhookRequests: number;
  /** Every invariant broken, with the lane and trial; empty when all held. */
  violations: string[];
  wallMs: number;
}

/** The longest the final settle may go without any work finishing. */
const SETTLE_TIMEOUT_MS = 300_000;
const TARGETS = ['any', 'call', 'ocr', 'extraction', 'delivery', 'send', 'month-close'] as const;
/** The partners each lane bills besides its own (1 personal number): numbers by tier each. */
const BILLED_PARTNERS: Record<Tier, number>[] = [
  { personal: 1, business: 0 },
  { personal: 2, business: 1 },
  { personal: 0, business: 2 },
  { personal: 3, business: 1 },
  { personal: 1, business: 3 },
];
/** When every number in a lane was provisioned: each past month is billable. */
const PROVISIONED_AT = '2019-01-01T00:00:00.000Z';
const silentLog = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Fixtures {
  tiffs: string[];
  pdf: Buffer;
  dir: string;
}

async function fixtures(): Promise<Fixtures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-chaos-'));
  const tiffs: string[] = [];
  for (const pages of [1, 2]) {
    const file = path.join(dir, `${pages}-pages.tif`);
    writeFaxTiff(file, await documentPages(pages));
    tiffs.push(file);
  }
  return { tiffs, pdf: await makePdf(1, 'Chaos'), dir };
}

class Lane {
  private child: ChildAppliance | null = null;
  private db!: Db;
  private simulator!: FaxSimulator;
  private receiver!: Receiver;
  private apiKey = '';
  private partnerId = '';
  private number = '';
  private externalUserId = 'chaos-user';
  private sipPort = 0;
  private stripe!: LocalStripe;
  /** Numbers per tier of every partner, for the invoice each closed month must have. */
  private readonly numbersByPartner = new Map<string, Record<Tier, number>>();
  /** The next month a trial closes: one further back each time, so each close has work to do. */
  private monthsBack = 1;
  /** The CLI's close, if one is running, and the Stripe call count when it started. */
  private cli: { process: ChildProcess; month: string; stripeCallsAtStart: number } | null = null;
  /** Months whose CLI close a kill cut short: the operator runs them again at the end. */
  private readonly interruptedCloses = new Set<string>();
  /** Inbound calls by caller number: the pages the sender got an MCF for. */
  private readonly confirmed = new Map<string, number>();
  private readonly sends: string[] = [];
  private readonly calls: Promise<unknown>[] = [];
  private callCounter = 0;
  readonly dataDir = tempDataDir('faxseal-chaos');

  constructor(
    private readonly index: number,
    private readonly report: ChaosReport,
    private readonly options: ChaosOptions,
    private readonly files: Fixtures,
  ) {}

  private get env(): Record<string, string> {
    const media = 36000 + this.index * 200;
    return {
      FAXSEAL_DATA_DIR: this.dataDir,
      FAXSEAL_SIP_PORT: String(this.sipPort),
      FAXSEAL_MEDIA_PORTS: `${media}-${media + 199}`,
      FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
      FAXSEAL_OCR_POOL_SIZE: '1',
      FAXSEAL_WEBHOOK_RETRY_SCHEDULE: '0.2,0.5,1,2,5,10,30',
      FAXSEAL_OUTBOUND_ERROR_RETRIES: '1,1',
      FAXSEAL_OUTBOUND_BUSY_RETRIES: '1',
      FAXSEAL_OUTBOUND_NO_ANSWER_RETRIES: '1',
      FAXSEAL_TRUNK_KEEPALIVE_SECONDS: '0',
      FAXSEAL_RATE_LIMIT_PER_MINUTE: '100000',
      FAXSEAL_STRIPE_SECRET_KEY: this.stripe.secretKey,
      FAXSEAL_STRIPE_WEBHOOK_SECRET: this.stripe.webhookSecret,
      FAXSEAL_STRIPE_API_BASE: this.stripe.url,
    };
  }

  async setUp(): Promise<void> {
    this.receiver = await startReceiver();
    this.stripe = await LocalStripe.start();
    const simMedia = 33000 + this.index * 100;
    this.simulator = await FaxSimulator.start({ mediaPorts: { first: simMedia, last: simMedia + 99 } });
    this.simulator.receive();
    const setup = await startTestAppliance({ urlAllowlist: ['127.0.0.1'] }, { dataDir: this.dataDir });
    const partner = await partnerWithNumber(setup, this.externalUserId, {
      webhookUrl: this.receiver.url,
      extractionSchema: { patientName: { type: 'string' }, allergies: { type: 'string' } },
    });
    await grant(setup, partner.partnerId, 10_000);
    // Outbound calls go to this lane's simulator, which answers as a fax machine.
    const trunk = await setup.call('POST', '/api/admin/trunks', {
      key: adminToken(setup),
      body: {
        name: 'chaos-far-end',
        mode: 'peer',
        host: '127.0.0.1',
        port: this.simulator.sipPort,
        allowedIps: ['127.0.0.1'],
      },
    });
    if (trunk.status !== 201) throw new Error(`trunk: ${trunk.text}`);
    setup.services.db
      .prepare('UPDATE dids SET trunk_id = ? WHERE e164 = ?')
      .run(trunk.body.id, partner.number.number);
    // Partners to bill, and every number provisioned years ago: each past month has invoices to close.
    for (const [i, tiers] of BILLED_PARTNERS.entries()) {
      const { apiKey } = await setup.onboardPartner(`Chaos Billing ${this.index}-${i}`);
      for (const tier of ['personal', 'business'] as const)
        for (let n = 0; n < tiers[tier]; n++) await provision(setup, apiKey, `${tier}-${n}`, tier);
    }
    const numbers = setup.services.db
      .prepare('SELECT partner_id AS partnerId, tier FROM numbers WHERE released_at IS NULL')
      .all() as { partnerId: string; tier: Tier }[];
    for (const { partnerId, tier } of numbers) {
      const counts = this.numbersByPartner.get(partnerId) ?? { personal: 0, business: 0 };
      counts[tier]++;
      this.numbersByPartner.set(partnerId, counts);
    }
    setup.services.db.prepare('UPDATE numbers SET created_at = ?').run(PROVISIONED_AT);
    await setup.shutdown({ keepData: true });
    Object.assign(this, {
      apiKey: partner.apiKey,
      partnerId: partner.partnerId,
      number: partner.number.number,
    });
    this.db = openDatabase(this.dataDir, { migrate: false });
  }

  /** One trial: start (recovering what the last kill left), check, put work in flight, kill. */
  /**
   * Starts the appliance on a SIP port free now: a port kept across restarts can be taken by
   * another process meanwhile (the machine is shared), and callers are told the port per call.
   */
  private async start(): Promise<ChildAppliance> {
    for (let attempt = 1; ; attempt++) {
      this.sipPort = await freePort('tcp+udp');
      try {
        return await startChildAppliance(this.env);
      } catch (err) {
        if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
      }
    }
  }

  async trial(trial: number, rng: () => number): Promise<void> {
    this.child = await this.start();
    this.checkAfterRestart(trial);
    this.call(rng() < 0.5 ? 0 : 1);
    void this.send();
    // A moment at random, or a random moment inside one kind of work once it shows in the database:
    // left to chance alone, most kills would land during the long calls and none during OCR.
    const target = TARGETS[Math.floor(rng() * TARGETS.length)];
    const closeBy = rng() < 0.5 ? 'job' : 'cli';
    if (target === 'month-close' || rng() < 0.4) this.closeMonth(closeBy);
    const started = Date.now();
    if (target === 'any') await sleep(Math.floor(rng() * this.options.maxKillDelayMs));
    else {
      while (!this.phases().includes(target) && Date.now() - started < this.options.maxKillDelayMs * 2)
        await sleep(20);
      await sleep(Math.floor(rng() * (target === 'call' || target === 'send' ? 10_000 : 300)));
    }
    for (const phase of this.phases()) this.report.kills[phase]++;
    // The operator's close runs on the same machine: it dies with the appliance.
    const cli = this.cli;
    if (cli?.process.exitCode === null) cli.process.kill('SIGKILL');
    await this.child.kill('SIGKILL');
    this.child = null;
    if (cli) await this.endCli(cli);
  }

  /**
   * Closes the next month further back: as the scheduled job would on the 1st had the appliance been
   * up (queued in its database, run by the appliance), or as the operator would (the CLI).
   */
  private closeMonth(by: 'job' | 'cli'): void {
    const now = new Date();
    const month = monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - this.monthsBack++, 1)));
    this.report.closes[by]++;
    if (by === 'job') {
      scheduleMonthClose(new DatabaseJobQueue(this.db, systemClock, silentLog), month);
      return;
    }
    if (this.cli) return; // one operator at a time
    this.cli = {
      process: this.cliClose(month, 'ignore'),
      month,
      stripeCallsAtStart: this.stripe.totalCalls(),
    };
  }

  /** `faxseal billing close-month --month <month>` on this lane's data directory. */
  private cliClose(month: string, stdio: 'ignore' | 'pipe'): ChildProcess {
    return spawn(
      process.execPath,
      ['--import', 'tsx', 'server/src/cli/main.ts', 'billing', 'close-month', '--month', month],
      { cwd: root, env: { ...process.env, ...this.env, FAXSEAL_LOG_LEVEL: 'silent' }, stdio },
    );
  }

  /** Waits for the CLI's close to end; one that did not end well is run again at the end. */
  private async endCli(cli: NonNullable<Lane['cli']>): Promise<void> {
    if (cli.process.exitCode === null && cli.process.signalCode === null)
      await new Promise((r) => cli.process.once('exit', r));
    if (cli.process.exitCode !== 0) this.interruptedCloses.add(cli.month);
    this.cli = null;
  }

  /** The last start: everything in flight settles, then every invariant is checked and it stops. */
  async finish(): Promise<void> {
    this.child = await this.start();
    this.checkAfterRestart(-1);
    await Promise.allSettled(this.calls);
    const settled = await this.settle();
    if (!settled)
      this.violation(-1, `nothing settled in ${SETTLE_TIMEOUT_MS} ms: ${this.unsettled()} still in flight`);
    for (const month of this.interruptedCloses) await this.rerunClose(month);
    this.checkSettled();
    this.checkInvoices();
    await this.child.kill('SIGTERM');
    this.child = null;
    const spool = readdirSync(path.join(this.dataDir, 'spool'), { recursive: true }).filter((f) =>
      String(f).endsWith('.tif'),
    );
    if (spool.length > 0) this.violation(-1, `spool not empty after a clean stop: ${spool.join(', ')}`);
  }

  async tearDown(): Promise<void> {
    await this.child?.kill('SIGKILL');
    if (this.cli?.process.exitCode === null) this.cli.process.kill('SIGKILL');
    this.db?.close();
    await this.stripe?.close();
    await this.simulator?.stop();
    await this.receiver?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private violation(trial: number, what: string): void {
    this.report.violations.push(`lane ${this.index} ${trial < 0 ? 'final' : `trial ${trial}`}: ${what}`);
  }

  private call(tiff: number): void {
    const from = `+1217555${String(this.index * 1000 + this.callCounter++).padStart(4, '0')}`;
    this.confirmed.set(from, 0);
    this.report.inboundCalls++;
    const done = this.simulator
      .send({
        to: this.number,
        from,
        target: { host: '127.0.0.1', port: this.sipPort },
        tiffPath: this.files.tiffs[tiff],
        noPacing: true,
        timeoutMs: 60_000,
        onProgress: (e) => {
          if (e.type === 'page') this.confirmed.set(from, Math.max(this.confirmed.get(from)!, e.page));
        },
      })
      .catch(() => undefined); // the appliance died under the call: what counts is what was confirmed
    this.calls.push(done);
  }

  private async send(): Promise<void> {
    const form = new FormData();
    form.append('externalUserId', this.externalUserId);
    form.append('to', '+13125550199');
    form.append('file', new Blob([new Uint8Array(this.files.pdf)], { type: 'application/pdf' }), 'chaos.pdf');
    try {
      const res = await fetch(`${this.child!.url}/api/partner/fax`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.apiKey}` },
        body: form,
      });
      // Only a 202 is an acknowledgement; a request the kill cut off promised nothing.
      if (res.status === 202) this.sends.push(((await res.json()) as { id: string }).id);
    } catch {}
  }

  /** What the appliance was doing, read from its database at the moment of the kill. */
  private phases(): KillPhase[] {
    const count = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    const phases: KillPhase[] = [];
    if (count("SELECT COUNT(*) AS n FROM faxes WHERE status = 'receiving'") > 0) phases.push('call');
    if (count("SELECT COUNT(*) AS n FROM jobs WHERE status = 'running' AND kind = 'fax.process'") > 0)
      phases.push('ocr');
    if (count("SELECT COUNT(*) AS n FROM jobs WHERE status = 'running' AND kind = 'fax.extract'") > 0)
      phases.push('extraction');
    if (count("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'delivering')") > 0)
      phases.push('delivery');
    if (count("SELECT COUNT(*) AS n FROM faxes WHERE status = 'sending'") > 0) phases.push('send');
    // A close is under way: the job runs, or the CLI has started talking to Stripe and is still alive.
    const cliClosing =
      this.cli !== null &&
      this.cli.process.exitCode === null &&
      this.stripe.totalCalls() > this.cli.stripeCallsAtStart;
    if (
      count(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'running' AND kind = '${MONTH_CLOSE_JOB}'`) > 0 ||
      cliClosing
    )
      phases.push('month-close');
    return phases.length > 0 ? phases : ['idle'];
  }

  /** Holds as soon as a start has finished its recovery (it runs before the appliance is ready). */
  private checkAfterRestart(trial: number): void {
    for (const [from, pages] of this.confirmed) {
      if (pages === 0) continue;
      const fax = this.db
        .prepare(
          "SELECT status, pages FROM faxes WHERE direction = 'inbound' AND from_number = ? AND status <> 'receiving'",
        )
        .get(from) as { status: string; pages: number } | undefined;
      if (!fax || !['received', 'partial'].includes(fax.status) || fax.pages < pages)
        this.violation(trial, `call from ${from}: ${pages} pages confirmed, fax ${JSON.stringify(fax)}`);
    }
    const ledger = this.db
      .prepare(
        `SELECT (SELECT COALESCE(SUM(amount), 0) FROM credit_entries WHERE partner_id = @p) AS summed,
           (SELECT balance FROM credit_balances WHERE partner_id = @p) AS balance`,
      )
      .get({ p: this.partnerId }) as { summed: number; balance: number };
    if (ledger.summed !== ledger.balance)
      this.violation(trial, `ledger entries sum to ${ledger.summed}, the balance is ${ledger.balance}`);
    const audit = new AuditLog(new AuditRepository(this.db), systemClock).verify();
    if (!audit.ok) this.violation(trial, `audit chain broken at ${audit.seq}: ${audit.reason}`);
    // One logical event, one id: a fax announced twice under two ids is a duplicate the partner cannot see.
    const doubled = this.db
      .prepare(
        `SELECT fax_id AS faxId, event_type AS type, COUNT(*) AS n FROM webhook_events
         WHERE event_type IN ('fax.received', 'fax.extracted', 'fax.delivered', 'fax.failed')
         GROUP BY faxId, type HAVING n > 1`,
      )
      .all();
    for (const d of doubled) this.violation(trial, `event recorded more than once: ${JSON.stringify(d)}`);
    // An invoice, once written, holds its month's amount to the cent, however far its close got.
    for (const invoice of this.invoices()) {
      const expected = this.expectedAmount(invoice.partnerId);
      if (invoice.amount !== expected)
        this.violation(
          trial,
          `invoice ${invoice.id} (${invoice.month}) is ${invoice.amount}, not ${expected}`,
        );
    }
  }

  private invoices(): { id: string; partnerId: string; month: string; amount: number; status: string }[] {
    return this.db
      .prepare('SELECT id, partner_id AS partnerId, month, amount, status FROM invoices ORDER BY month')
      .all() as { id: string; partnerId: string; month: string; amount: number; status: string }[];
  }

  /** A past month's invoice: every number active all month, no inbound pages (they all came in this month). */
  private expectedAmount(partnerId: string): number {
    const prices = new PriceRepository(this.db).prices();
    const numbers = this.numbersByPartner.get(partnerId) ?? { personal: 0, business: 0 };
    return (
      numbers.personal * prices.tiers.personal.monthlyAmount +
      numbers.business * prices.tiers.business.monthlyAmount
    );
  }

  /** What the operator does after a close was cut short: runs it again, to completion. */
  private async rerunClose(month: string): Promise<void> {
    this.report.closes.cliRerun++;
    const cli = this.cliClose(month, 'pipe');
    let output = '';
    cli.stdout!.on('data', (d) => (output += d));
    cli.stderr!.on('data', (d) => (output += d));
    const status = await new Promise<number | null>((r) => cli.once('close', r));
    if (status !== 0) this.violation(-1, `the close of ${month} run again exited ${status}: ${output}`);
  }

  /**
   * Every month any close reached: one invoice per billed partner, finalized, to the cent; in Stripe
   * one invoice per partner and month, open, with the same total and one item per billed line.
   */
  private checkInvoices(): void {
    const invoices = this.invoices();
    const months = new Set([...invoices.map((i) => i.month), ...this.interruptedCloses]);
    const stripeInvoices = [...this.stripe.invoices.values()];
    for (const month of months) {
      for (const partnerId of this.numbersByPartner.keys()) {
        const expected = this.expectedAmount(partnerId);
        const local = invoices.filter((i) => i.month === month && i.partnerId === partnerId);
        if (local.length !== 1 || local[0].status !== 'open' || local[0].amount !== expected)
          this.violation(
            -1,
            `${month} ${partnerId}: invoices ${JSON.stringify(local)}, expected one open of ${expected}`,
          );
        const remote = stripeInvoices.filter(
          (i) => i.metadata.faxseal_month === month && i.metadata.faxseal_partner_id === partnerId,
        );
        const numbers = this.numbersByPartner.get(partnerId)!;
        const lines = (numbers.personal > 0 ? 1 : 0) + (numbers.business > 0 ? 1 : 0);
        if (
          remote.length !== 1 ||
          remote[0].status !== 'open' ||
          remote[0].total !== expected ||
          remote[0].lines.data.length !== lines
        )
          this.violation(
            -1,
            `${month} ${partnerId}: Stripe has ${JSON.stringify(remote.map((i) => ({ status: i.status, total: i.total, lines: i.lines.data.length })))}, expected one open of ${expected} in ${lines} lines`,
          );
        else this.report.invoicesChecked++;
      }
    }
  }

  private unsettled(): string {
    // The queue tells its recurring schedules' next runs (retention purge, month close) from work.
    const jobs = new JobRepository(this.db)
      .unfinished(new Date())
      .map((j) => ({ what: `job ${j.kind} ${j.status}`, n: j.count }));
    const rows = this.db
      .prepare(
        `SELECT 'fax ' || status AS what, COUNT(*) AS n FROM faxes WHERE status IN ('receiving', 'queued', 'sending')
           GROUP BY status
         UNION ALL SELECT 'delivery ' || status, COUNT(*) FROM webhook_deliveries
           WHERE status IN ('pending', 'delivering') GROUP BY status`,
      )
      .all() as { what: string; n: number }[];
    return [...rows, ...jobs].map((r) => `${r.n} ${r.what}`).join(', ');
  }

  /**
   * Waits until nothing is in flight; fails only when nothing moved for SETTLE_TIMEOUT_MS. Work that
   * progresses is not stuck, however slow the machine: the 100-trial run at load ~60 still had OCR
   * running at the old fixed deadline of 300 s.
   */
  private async settle(): Promise<boolean> {
    let last = this.unsettled();
    let deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (last !== '') {
      if (Date.now() > deadline) return false;
      await sleep(250);
      const now = this.unsettled();
      if (now !== last) deadline = Date.now() + SETTLE_TIMEOUT_MS;
      last = now;
    }
    return true;
  }

  private checkSettled(): void {
    for (const id of this.sends) {
      const fax = this.db
        .prepare(
          `SELECT status, pages_delivered AS delivered, failure_code || ': ' || failure_detail AS failure
           FROM faxes WHERE id = ?`,
        )
        .get(id) as { status: string; delivered: number; failure: string } | undefined;
      if (fax?.status === 'delivered') this.report.sendsDelivered++;
      else if (fax?.status === 'failed') {
        this.report.sendsFailed++;
        this.report.failures[fax.failure] = (this.report.failures[fax.failure] ?? 0) + 1;
      } else this.violation(-1, `acknowledged send ${id} ended ${JSON.stringify(fax)}`);
      // Settled: the fax holds exactly the pages it delivered.
      const held = -(
        this.db
          .prepare('SELECT COALESCE(SUM(amount), 0) AS n FROM credit_entries WHERE fax_id = ?')
          .get(id) as { n: number }
      ).n;
      if (fax && held !== fax.delivered)
        this.violation(-1, `send ${id}: ${held} credits charged for ${fax.delivered} pages delivered`);
    }
    this.report.sendsAcknowledged += this.sends.length;
    for (const pages of this.confirmed.values()) this.report.pagesConfirmed += pages;
    this.report.partialFaxes += (
      this.db.prepare("SELECT COUNT(*) AS n FROM faxes WHERE status = 'partial'").get() as { n: number }
    ).n;
    // Every recorded event reached the receiver; whatever arrived more than once kept its id.
    const events = this.db.prepare('SELECT id, event_type AS type FROM webhook_events').all() as {
      id: string;
      type: string;
    }[];
    const arrived = new Set(this.receiver.received.map((w) => String(w.headers['webhook-id'])));
    for (const e of events)
      if (!arrived.has(e.id)) this.violation(-1, `event ${e.id} (${e.type}) never reached the receiver`);
    const known = new Set(events.map((e) => e.id));
    for (const id of arrived)
      if (!known.has(id)) this.violation(-1, `the receiver got an unknown event ${id}`);
    const byFaxEvent = new Map<string, Set<string>>();
    for (const w of this.receiver.received) {
      const body = JSON.parse(w.body) as { event: string; faxId?: string };
      if (body.event === 'fax.sending' || !body.faxId) continue;
      const key = `${body.faxId} ${body.event}`;
      byFaxEvent.set(key, (byFaxEvent.get(key) ?? new Set()).add(String(w.headers['webhook-id'])));
    }
    for (const [key, ids] of byFaxEvent)
      if (ids.size > 1) this.violation(-1, `${key} arrived under ${ids.size} different ids`);
    this.report.eventsRecorded += events.length;
    this.report.webhookRequests += this.receiver.received.length;
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const report: ChaosReport = {
    trials: 0,
    kills: { call: 0, ocr: 0, extraction: 0, delivery: 0, send: 0, 'month-close': 0, idle: 0 },
    inboundCalls: 0,
    pagesConfirmed: 0,
    partialFaxes: 0,
    sendsAcknowledged: 0,
    sendsDelivered: 0,
    sendsFailed: 0,
    closes: { job: 0, cli: 0, cliRerun: 0 },
    invoicesChecked: 0,
    failures: {},
    eventsRecorded: 0,
    webhookRequests: 0,
    violations: [],
    wallMs: 0,
  };
  const files = await fixtures();
  const lanes = Array.from({ length: options.lanes }, (_, i) => new Lane(i, report, options, files));
  try {
    await Promise.all(lanes.map((lane) => lane.setUp()));
    // A lane that breaks is a violation of its own; the others run to the end before teardown.
    const outcomes = await Promise.allSettled(
      lanes.map(async (lane, i) => {
        const rng = random(options.seed + i);
        const share =
          Math.floor(options.trials / options.lanes) + (i < options.trials % options.lanes ? 1 : 0);
        for (let t = 0; t < share; t++) {
          await lane.trial(t, rng);
          report.trials++;
          log(
            `lane ${i} trial ${t + 1}/${share} done (${report.trials}/${options.trials}; closes ${JSON.stringify(report.closes)}; violations so far ${report.violations.length})`,
          );
        }
        await lane.finish();
      }),
    );
    outcomes.forEach((o, i) => {
      if (o.status === 'rejected') report.violations.push(`lane ${i} broke: ${(o.reason as Error).message}`);
    });
  } finally {
    await Promise.all(lanes.map((lane) => lane.tearDown()));
    rmSync(files.dir, { recursive: true, force: true });
  }
  report.wallMs = Date.now() - started;
  return report;
}
