// `npm run bench:cluster`: what a second node buys on this machine. In one run, three deployments of
// real appliance processes on loopback — one node on SQLite, one node on PostgreSQL, two nodes on
// PostgreSQL (and the S3-compatible bucket they share) behind Kamailio — each takes the same burst
// of inbound faxes from the simulator and the same API load; then one of the two nodes is killed
// with SIGKILL and the time until a new call is answered by the survivor is measured. Prints the
// figures and each deployment's ratio to the SQLite node; nothing is asserted.

import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { writeFaxTiff } from '../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../native-workers/spandsp/synthetic-page.ts';
import { freePort } from '../../scripts/free-port.ts';
import { type LocalKamailio, startLocalKamailio } from '../../scripts/local-kamailio.ts';
import { startLocalPostgres } from '../../scripts/local-postgres.ts';
import { type LocalS3, startLocalS3 } from '../../scripts/local-s3.ts';
import { FIRST_RUN_CREDENTIALS_FILE } from '../src/admin/first-run-credentials.ts';
import { EmailRepository } from '../src/email/email-repository.ts';
import { FaxSimulator, type SendFaxResult } from '../src/simulator/fax-simulator.ts';
import { openDatabase } from '../src/storage/database.ts';
import { MasterKey } from '../src/storage/master-key.ts';
import { type ChildAppliance, startChildAppliance } from '../test/support/child-appliance.ts';
import { tempDataDir } from '../test/support/test-appliance.ts';

/** Faxes in each deployment's burst, all dialled at once (one page each). */
const FAXES = Number(process.env.BENCH_FAXES ?? 10);
const API_SECONDS = Number(process.env.BENCH_DURATION ?? 10);
/** HTTP connections in all, split over a deployment's nodes. */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Node {
  name: string;
  dataDir: string;
  child: ChildAppliance;
  sipPort: number;
}

interface Deployment {
  label: string;
  nodes: Node[];
  databaseUrl: string | null;
  /** Where the simulator dials: the node itself, or Kamailio in front of the nodes. */
  sip: { host: string; port: number };
  proxy: LocalKamailio | null;
}

interface Figures {
  faxesOk: number;
  /** From the first INVITE to the last call's end. */
  callsWallMs: number;
  /** From the first INVITE until every received fax finished OCR (ocrStatus no longer pending). */
  landedWallMs: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  answeredBy: string;
}

const masterKey = randomBytes(32).toString('base64');
const scratch = tempDataDir('bench-cluster');
const tiff = path.join(scratch, 'page.tif');
// Half a page of text: OCR dominates the landed figure, and a shared machine has little CPU to spare.
writeFaxTiff(tiff, [drawSyntheticPage({ seed: 7, height: 550 })]);

async function startNode(
  name: string,
  index: number,
  shared: { databaseUrl: string | null; blobUrl: string | null },
): Promise<Node> {
  const dataDir = path.join(scratch, `${name}-${index}`);
  const sipPort = await freePort('tcp+udp');
  const child = await startChildAppliance({
    FAXSEAL_DATA_DIR: dataDir,
    FAXSEAL_LOG_LEVEL: 'error',
    FAXSEAL_MASTER_KEY: masterKey,
    FAXSEAL_NODE_NAME: name,
    FAXSEAL_SIP_HOST: '127.0.0.1',
    FAXSEAL_SIP_PORT: String(sipPort),
    FAXSEAL_MEDIA_PORTS: `${34000 + index * 1000}-${34999 + index * 1000}`,
    ...(shared.databaseUrl ? { FAXSEAL_DATABASE_URL: shared.databaseUrl } : {}),
    ...(shared.blobUrl ? { FAXSEAL_BLOB_URL: shared.blobUrl } : {}),
  });
  return { name, dataDir, child, sipPort };
}

/** A partner with one number, its key's rate limit lifted by the first-run operator. */
async function onboard(d: Deployment, tag: string): Promise<{ apiKey: string; number: string }> {
  const [first] = d.nodes;
  const email = `bench-${tag}@bench.test`;
  const json = (method: string, url: string, body?: unknown, token?: string) =>
    fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => {
      const parsed = (await r.json()) as Record<string, string>;
      if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(parsed)}`);
      return parsed;
    });
  await json('POST', `${first.child.url}/partners/apply`, { companyName: `Bench ${tag}`, email });
  const db = openDatabase({ dataDir: first.dataDir, databaseUrl: d.databaseUrl }, { migrate: false });
  // The newest verification email is this partner's: onboarding here is one partner at a time.
  const { text } = new EmailRepository(db, MasterKey.load(first.dataDir, masterKey))
    .recent(20)
    .find((e) => e.kind === 'partner_verification')!;
  db.close();
  const verified = await json(
    'GET',
    `${first.child.url}/partners/verify?token=${/token=([\w-]+)/.exec(text)![1]}`,
  );
  const operatorDir = d.nodes.find((n) => readable(path.join(n.dataDir, FIRST_RUN_CREDENTIALS_FILE)));
  const credentials = readFileSync(path.join(operatorDir!.dataDir, FIRST_RUN_CREDENTIALS_FILE), 'utf8');
  const adminToken = /admin token: (\S+)/.exec(credentials)![1];
  await json(
    'PATCH',
    `${first.child.url}/api/admin/keys/${verified.apiKeyId}`,
    { rateLimitPerMinute: 10_000_000 },
    adminToken,
  );
  const provisioned = await json(
    'POST',
    `${first.child.url}/api/partner/numbers`,
    { externalUserId: 'bench', tier: 'personal' },
    verified.apiKey,
  );
  return { apiKey: verified.apiKey, number: provisioned.number };
}

function readable(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

async function measure(d: Deployment, simulator: FaxSimulator): Promise<Figures> {
  const { apiKey, number } = await onboard(d, d.label.replace(/\W+/g, '-'));
  const inbox = async () => {
    const r = await fetch(`${d.nodes[0].child.url}/api/partner/inbox?limit=100`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return ((await r.json()) as { items: { ocrStatus: string }[] }).items;
  };

  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: FAXES }, () =>
      simulator.send({ to: number, target: d.sip, tiffPath: tiff }).catch(
        (err: Error): SendFaxResult => ({
          callId: '',
          answered: false,
          sipStatus: 0,
          sipReason: err.message,
        }),
      ),
    ),
  );
  const callsWallMs = performance.now() - started;
  const faxesOk = results.filter((r) => r.fax?.ok).length;
  for (const f of results.filter((r) => !r.fax?.ok).slice(0, 3))
    console.log(`  ${d.label}: a call failed: SIP ${f.sipStatus} ${f.sipReason} ${f.fax?.text ?? ''}`);
  for (;;) {
    const items = await inbox();
    if (items.length >= faxesOk && items.every((f) => f.ocrStatus !== 'pending')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const landedWallMs = performance.now() - started;

  // The API load, split over the nodes, all at once.
  const per = Math.max(1, Math.floor(CONNECTIONS / d.nodes.length));
  const runs = await Promise.all(
    d.nodes.map((n) =>
      autocannon({
        url: `${n.child.url}/api/partner/numbers`,
        connections: per,
        duration: API_SECONDS,
        headers: { authorization: `Bearer ${apiKey}` },
      }),
    ),
  );
  return {
    faxesOk,
    callsWallMs,
    landedWallMs,
    reqPerSec: runs.reduce((n, r) => n + r.requests.average, 0),
    p50: Math.max(...runs.map((r) => r.latency.p50)),
    p99: Math.max(...runs.map((r) => r.latency.p99)),
    non2xx: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
    answeredBy: d.nodes.map((n) => n.name).join(' + '),
  };
}

/**
 * SIGKILL of one of the two nodes on an idle cluster, then two calls placed at once (call-load
 * balancing sends one of them to each node the proxy believes up, so one meets the dead node).
 */
async function failover(d: Deployment, simulator: FaxSimulator, number: string) {
  await d.nodes[1].child.kill('SIGKILL');
  const killedAt = performance.now();
  const answered = await Promise.all(
    [0, 1].map(async () => {
      for (let attempt = 1; ; attempt++) {
        let answeredAt = 0;
        const result = await simulator.send({
          to: number,
          target: d.sip,
          tiffPath: tiff,
          onProgress: (p) => {
            if (p.type === 'answered') answeredAt = performance.now();
          },
        });
        if (result.answered && result.fax?.ok) return answeredAt - killedAt;
        // Refused (the proxy had no node up for it): the sender redials, as a fax machine does.
        if (attempt === 5) throw new Error(`no call answered after the kill: SIP ${result.sipStatus}`);
      }
    }),
  );
  return answered.sort((a, b) => a - b);
}

const pgDir = path.join(scratch, 'postgres');
const postgres = await startLocalPostgres({ dataDir: pgDir });
let s3: LocalS3 | null = null;
const simulator = await FaxSimulator.start({ mediaPorts: { first: 40000, last: 44999 } });
const deployments: Deployment[] = [];
const figures = new Map<string, Figures>();
let failoverMs: number[] = [];
const stopped = new Set<Deployment>();
const teardown = async (d: Deployment) => {
  if (stopped.has(d)) return;
  stopped.add(d);
  await d.proxy?.stop();
  for (const n of d.nodes) await n.child.kill('SIGTERM');
};
/** One node on its own (no proxy): measured, then taken down before the next setup starts. */
const measureSolo = async (label: string, name: string, index: number, databaseUrl: string | null) => {
  const node = await startNode(name, index, { databaseUrl, blobUrl: null });
  const solo: Deployment = {
    label,
    nodes: [node],
    databaseUrl,
    sip: { host: '127.0.0.1', port: node.sipPort },
    proxy: null,
  };
  deployments.push(solo);
  figures.set(label, await measure(solo, simulator));
  console.log(label, figures.get(label));
  await teardown(solo);
};
try {
  await measureSolo('one node, SQLite', 'solo-sqlite', 0, null);
  await measureSolo(
    'one node, PostgreSQL',
    'solo-pg',
    1,
    await postgres.createDatabase('bench_cluster_solo'),
  );

  const pairUrl = await postgres.createDatabase('bench_cluster_pair');
  s3 = await startLocalS3({ directory: path.join(scratch, 's3') });
  const shared = { databaseUrl: pairUrl, blobUrl: s3.blobUrl('bench') };
  // One after the other: the first applies the migrations.
  const a = await startNode('fax-a', 2, shared);
  const b = await startNode('fax-b', 3, shared);
  const proxy = await startLocalKamailio({
    stateDir: path.join(scratch, 'kamailio'),
    nodes: [a, b].map((n) => ({ name: n.name, host: '127.0.0.1', port: n.sipPort })),
    carriers: ['127.0.0.1'],
  });
  const pair: Deployment = {
    label: 'two nodes, PostgreSQL, Kamailio',
    nodes: [a, b],
    databaseUrl: pairUrl,
    sip: { host: proxy.host, port: proxy.port },
    proxy,
  };
  deployments.push(pair);
  figures.set(pair.label, await measure(pair, simulator));
  console.log(pair.label, figures.get(pair.label));
  const { number } = await onboard(pair, 'failover');
  failoverMs = await failover(pair, simulator, number);
  await teardown(pair);
} finally {
  await simulator.stop();
  for (const d of deployments) await teardown(d).catch(() => {});
  await s3?.stop();
  postgres.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const [load1] = os.loadavg();
console.log(
  `\nFaxSeal bench:cluster — ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${load1.toFixed(1)} at the end`,
);
console.log(
  `${FAXES} half-page T.38 faxes dialled at once per deployment (real-time pacing, OCR on every page); GET /api/partner/numbers for ${API_SECONDS} s over ${CONNECTIONS} connections in all\n`,
);
const reference = figures.get('one node, SQLite')!;
const perMinute = (f: Figures, wall: number) => (f.faxesOk / wall) * 60_000;
console.log(
  '| deployment | faxes ok | calls/min | landed (OCR done)/min | vs SQLite | API req/s | p50 | p99 | non-2xx | vs SQLite |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [label, f] of figures) {
  const landed = perMinute(f, f.landedWallMs);
  console.log(
    `| ${label} | ${f.faxesOk}/${FAXES} | ${perMinute(f, f.callsWallMs).toFixed(1)} | ${landed.toFixed(1)} | ${(landed / perMinute(reference, reference.landedWallMs)).toFixed(2)}× | ${f.reqPerSec.toFixed(0)} | ${f.p50} ms | ${f.p99} ms | ${f.non2xx} | ${(f.reqPerSec / reference.reqPerSec).toFixed(2)}× |`,
  );
}
if (failoverMs.length)
  console.log(
    `\nfailover after SIGKILL of fax-b (idle cluster, two calls placed at once): first call answered by the survivor ${(failoverMs[0] / 1000).toFixed(1)} s after the kill, the second ${(failoverMs[1] / 1000).toFixed(1)} s`,
  );
