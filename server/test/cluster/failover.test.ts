// A node killed with SIGKILL in the middle of traffic, behind Kamailio: two nodes as real child
// processes (as `npm start` runs them) plus an API-only node in this process, one PostgreSQL
// database, one bucket, one key. New calls reach the survivor (the proxy fails over on no reply and
// its probes mark the dead node down); the dead node's leased OCR jobs and webhook deliveries finish
// on the survivor once their leases run out; every committed fax gets its fax.received, and a
// duplicate delivery, if any, carries the same event id. The killed node is the one holding the
// month close, and last month's close falls due while it is dead: the survivor runs it, once.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { type LocalKamailio, startLocalKamailio } from '../../../scripts/local-kamailio.ts';
import { type LocalS3, startLocalS3 } from '../../../scripts/local-s3.ts';
import { MONTH_CLOSE_JOB, monthOf } from '../../src/billing/month-close.ts';
import { systemClock } from '../../src/clock.ts';
import { DatabaseJobQueue } from '../../src/jobs/job-queue.ts';
import { FaxSimulator, type SendFaxResult } from '../../src/simulator/fax-simulator.ts';
import { type ChildAppliance, startChildAppliance } from '../support/child-appliance.ts';
import { dropTestDatabase, newTestDatabase } from '../support/postgres.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-failover-'));
let databaseUrl: string;
let s3: LocalS3;
let receiver: Receiver;
let api: TestAppliance;
const children: ChildAppliance[] = [];
let proxy: LocalKamailio;
let simulator: FaxSimulator;

before(async () => {
  databaseUrl = await newTestDatabase();
  s3 = await startLocalS3({ directory: path.join(scratch, 's3') });
  receiver = await startReceiver();
  const masterKey = randomBytes(32).toString('base64');
  const blobUrl = s3.blobUrl('failover');
  // The API node first: it runs the migrations. It stops while the SIP nodes start, so that one of
  // them, not the API node, takes the singletons (the month close among them).
  const apiConfig = {
    databaseUrl,
    blobUrl,
    masterKey,
    nodeName: 'api-1',
    nodeRoles: ['api' as const],
    urlAllowlist: ['127.0.0.1'],
  };
  const apiDir = tempDataDir('faxseal-api-node');
  await (await startTestAppliance(apiConfig, { dataDir: apiDir })).shutdown({ keepData: true });
  const sipNodes: { name: string; port: number }[] = [];
  for (const [i, name] of ['fax-a', 'fax-b'].entries()) {
    const sipPort = await freePort('tcp+udp');
    const child = await startChildAppliance(
      {
        FAXSEAL_DATA_DIR: path.join(scratch, name),
        FAXSEAL_DATABASE_URL: databaseUrl,
        FAXSEAL_BLOB_URL: blobUrl,
        FAXSEAL_MASTER_KEY: masterKey,
        FAXSEAL_NODE_NAME: name,
        FAXSEAL_NODE_ROLES: 'sip,ocr,extract,dispatch',
        FAXSEAL_SIP_PORT: String(sipPort),
        FAXSEAL_MEDIA_PORTS: `${32000 + i * 400}-${32399 + i * 400}`,
        FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
      },
      180_000,
    );
    children.push(child);
    sipNodes.push({ name, port: sipPort });
  }
  api = await startTestAppliance(apiConfig, { dataDir: apiDir });
  proxy = await startLocalKamailio({
    stateDir: path.join(scratch, 'kamailio'),
    nodes: sipNodes.map((n) => ({ ...n, host: '127.0.0.1' })),
    carriers: ['127.0.0.1'],
    log: process.env.KAMAILIO_LOG ? (line) => process.stderr.write(`kamailio: ${line}\n`) : undefined,
  });
  simulator = await FaxSimulator.start();
});

after(async () => {
  await simulator?.stop();
  await proxy?.stop();
  for (const child of children) await child.kill('SIGTERM');
  await api?.shutdown();
  await receiver?.close();
  await s3?.stop();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  rmSync(scratch, { recursive: true, force: true });
});

test('kill -9 of a node mid-traffic: new calls reach the survivor, its work finishes there, every webhook arrives', async () => {
  const partner = await api.onboardPartner('Failover Clinic');
  const settings = await api.call('PATCH', '/api/partner/settings', {
    key: partner.apiKey,
    body: { webhookUrl: receiver.url },
  });
  assert.ok(settings.status < 300, settings.text);
  const provisioned = await api.call('POST', '/api/partner/numbers', {
    key: partner.apiKey,
    body: { externalUserId: 'triage', tier: 'personal' },
  });
  assert.equal(provisioned.status, 201, provisioned.text);
  const to = provisioned.body.number as string;
  const tiff = path.join(scratch, 'page.tif');
  writeFaxTiff(tiff, [drawSyntheticPage({ seed: 5, height: 300 })]);
  const send = () => simulator.send({ to, target: { host: proxy.host, port: proxy.port }, tiffPath: tiff });

  // The node holding the month close is the one to die.
  const singletonsOf = async (child: ChildAppliance) =>
    ((await (await fetch(`${child.url}/healthz`)).json()) as { node: { singletons: string[] } }).node
      .singletons;
  let victim: ChildAppliance | undefined;
  while (!victim) {
    const held = await Promise.all(children.map(singletonsOf));
    victim = children[held.findIndex((h) => h.includes('billing.close-month'))];
    if (!victim) await new Promise((r) => setTimeout(r, 200));
  }
  const survivor = children.find((c) => c !== victim)!;

  // Traffic on both nodes, then the victim dies without a word in the middle of it.
  const before = Array.from({ length: 6 }, send);
  await new Promise((r) => setTimeout(r, 4000));
  await victim.kill('SIGKILL');
  const killedAt = Date.now();
  // Last month's close falls due while its holder is dead.
  const lastMonth = monthOf(
    new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 15)),
  );
  const closeKey = `billing.close:${lastMonth}`;
  new DatabaseJobQueue(api.services.db, systemClock, pino({ level: 'silent' })).enqueue(
    MONTH_CLOSE_JOB,
    { month: lastMonth },
    { uniqueKey: closeKey, maxAttempts: 10 },
  );

  // Calls placed after the kill: every one is answered, by the survivor.
  const after: { result: SendFaxResult; setupMs: number }[] = [];
  for (let i = 0; i < 4; i++) {
    const started = Date.now();
    let answeredAt = 0;
    const result = await simulator.send({
      to,
      target: { host: proxy.host, port: proxy.port },
      tiffPath: tiff,
      onProgress: (p) => {
        if (p.type === 'answered') answeredAt = Date.now();
      },
    });
    after.push({ result, setupMs: answeredAt - started });
  }
  for (const { result, setupMs } of after) {
    assert.equal(result.answered, true, `${result.sipStatus} ${result.sipReason}`);
    assert.equal(result.fax?.ok, true);
    assert.ok(
      setupMs < 10_000,
      `answered ${setupMs} ms after the INVITE (${Date.now() - killedAt} ms since the kill)`,
    );
  }
  const earlier = await Promise.all(before);

  // Every fax the appliance committed gets its fax.received, whichever node took the call and
  // whichever node was holding its OCR job or its delivery when fax-b died.
  const committed = (await api.call('GET', '/api/partner/inbox?limit=100', { key: partner.apiKey })).body
    .items as {
    id: string;
  }[];
  const delivered = () => {
    const events = receiver.received.map((w) => JSON.parse(w.body)).filter((b) => b.event === 'fax.received');
    return new Map(events.map((e) => [e.faxId as string, events.filter((x) => x.faxId === e.faxId)]));
  };
  await receiver.waitFor(() => committed.every((f) => delivered().has(f.id)), 240_000);
  for (const [faxId, events] of delivered()) {
    assert.equal(new Set(events.map((e) => e.id)).size, 1, `${faxId}: duplicates carry the same event id`);
  }
  // The faxes the sender was told were received are all committed (a call cut by the kill was not).
  const succeeded = [...earlier, ...after.map((a) => a.result)].filter((r) => r.fax?.ok).length;
  assert.ok(
    committed.length >= succeeded,
    `${committed.length} committed, ${succeeded} confirmed to the sender`,
  );
  assert.ok(after.length === 4 && succeeded >= 4);

  // The month close that fell due during the failover ran exactly once, on a live node (the
  // surviving SIP node or the API node: every node competes for the close).
  const closeJob = () =>
    api.services.db
      .prepare('SELECT status, attempts, locked_by AS lockedBy FROM jobs WHERE unique_key = ?')
      .get(closeKey) as { status: string; attempts: number; lockedBy: string };
  while (closeJob().status !== 'done') await new Promise((r) => setTimeout(r, 200));
  assert.equal(closeJob().attempts, 1);
  const survivorName = children.indexOf(survivor) === 0 ? 'fax-a' : 'fax-b';
  assert.match(closeJob().lockedBy, new RegExp(`^(${survivorName}|api-1):`), 'not the dead node');
  assert.deepEqual(
    api.services.db.prepare('SELECT trigger FROM billing_closes WHERE month = ?').all(lastMonth),
    [{ trigger: 'schedule' }],
    'the close ran exactly once',
  );
});
