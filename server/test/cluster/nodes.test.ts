// A node's identity in a cluster: the address it advertises when it binds a wildcard, its name and
// roles in /healthz and /readyz, and roles that split the work between nodes sharing one PostgreSQL
// database and one bucket (an API + webhook node in front, an OCR + extraction node behind it).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { startLocalS3 } from '../../../scripts/local-s3.ts';
import { loadConfig } from '../../src/config/config.ts';
import { JobRepository } from '../../src/jobs/job-repository.ts';
import { advertisedSipAddress } from '../../src/telephony/advertised-address.ts';
import { commitInboundFax, documentPages, partnerWithNumber } from '../pipeline/inbound-fax.ts';
import { dropTestDatabase, newTestDatabase } from '../support/postgres.ts';
import { startTestAppliance, tempDataDir } from '../support/test-appliance.ts';
import { applianceTarget, startFaxBench } from '../telephony/inbound-support.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const lo = {
  address: '127.0.0.1',
  netmask: '255.0.0.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal: true,
  cidr: '127.0.0.1/8',
} as const;
const eth = {
  ...lo,
  address: '10.20.0.7',
  netmask: '255.255.0.0',
  internal: false,
  cidr: '10.20.0.7/16',
} as const;

test('the advertised SIP address: the knob, else the bind address, else an external interface for a wildcard', () => {
  assert.equal(advertisedSipAddress({ sipHost: '0.0.0.0', sipAdvertiseAddress: '192.0.2.10' }), '192.0.2.10');
  assert.equal(advertisedSipAddress({ sipHost: '10.1.1.1', sipAdvertiseAddress: null }), '10.1.1.1');
  assert.equal(
    advertisedSipAddress({ sipHost: '0.0.0.0', sipAdvertiseAddress: null }, { lo: [lo], eth0: [eth] }),
    '10.20.0.7',
  );
  assert.equal(advertisedSipAddress({ sipHost: '::', sipAdvertiseAddress: null }, { lo: [lo] }), '127.0.0.1');
});

test('node name and roles are validated', () => {
  const config = loadConfig({ FAXSEAL_NODE_NAME: 'fax-b.rack2', FAXSEAL_NODE_ROLES: 'sip, ocr' }, {});
  assert.equal(config.nodeName, 'fax-b.rack2');
  assert.deepEqual(config.nodeRoles, ['sip', 'ocr']);
  assert.deepEqual(loadConfig({}, {}).nodeRoles, ['api', 'sip', 'ocr', 'extract', 'dispatch']);
  assert.throws(() => loadConfig({ FAXSEAL_NODE_ROLES: 'api,web' }, {}), /FAXSEAL_NODE_ROLES/);
  assert.throws(() => loadConfig({ FAXSEAL_NODE_ROLES: '' }, {}), /FAXSEAL_NODE_ROLES/);
  assert.throws(() => loadConfig({ FAXSEAL_NODE_NAME: 'node_1' }, {}), /FAXSEAL_NODE_NAME/);
});

test('a node bound to 0.0.0.0 advertises a reachable address, so the fax lands', async (t) => {
  // Before the advertised address, SDP said c=0.0.0.0 here and the caller's media went nowhere.
  const bench = await startFaxBench({ sipHost: '0.0.0.0', sipAdvertiseAddress: '127.0.0.1' });
  t.after(() => bench.close());
  assert.equal(bench.app.telephony.ua.host, '127.0.0.1');
  const to = await bench.provision('wildcard');
  const sim = await bench.simulator();
  const sent = await sim.send({
    to,
    target: applianceTarget(bench),
    tiffPath: bench.tiff('wildcard', [drawSyntheticPage({ seed: 31, height: 500 })]),
  });
  assert.equal(sent.answered, true);
  const outcome = await bench.outcome(sent.callId);
  assert.equal(outcome.kind, 'fax');
  assert.equal(outcome.kind === 'fax' && outcome.status, 'received', JSON.stringify(outcome));
});

test('roles split the work between two nodes on one PostgreSQL database', async (t) => {
  const databaseUrl = await newTestDatabase();
  const s3Dir = tempDataDir('faxseal-cluster-s3');
  const s3 = await startLocalS3({ directory: s3Dir });
  const blobUrl = s3.blobUrl('roles');
  // Every node of a cluster seals and opens with the same key.
  const masterKey = randomBytes(32).toString('base64');
  const receiver: Receiver = await startReceiver();
  // The worker first: it runs the migrations the front node then finds done.
  const worker = await startTestAppliance(
    { databaseUrl, blobUrl, masterKey, nodeName: 'ocr-1', nodeRoles: ['ocr', 'extract'] },
    { dataDir: tempDataDir('faxseal-ocr-node') },
  );
  const front = await startTestAppliance(
    {
      databaseUrl,
      blobUrl,
      masterKey,
      nodeName: 'front-1',
      nodeRoles: ['api', 'dispatch'],
      urlAllowlist: ['127.0.0.1'],
    },
    { dataDir: tempDataDir('faxseal-front-node') },
  );
  t.after(async () => {
    await front.shutdown();
    await worker.shutdown();
    await receiver.close();
    await s3.stop();
    rmSync(s3Dir, { recursive: true, force: true });
    await dropTestDatabase(databaseUrl);
  });

  const health = await front.call('GET', '/healthz');
  assert.equal(health.body.status, 'ok');
  assert.deepEqual(health.body.node.name, 'front-1');
  assert.deepEqual(health.body.node.roles, ['api', 'dispatch']);
  // Without the ocr or sip role the only singleton it may hold is the month close.
  for (const name of health.body.node.singletons) assert.equal(name, 'billing.close-month');
  const ready = await worker.call('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.node.name, 'ocr-1');
  assert.deepEqual(ready.body.node.roles, ['ocr', 'extract']);
  assert.ok(!ready.body.node.singletons.includes('trunk.monitor'), 'trunks stay with sip nodes');
  assert.equal(worker.config.nodeRoles.includes('sip'), false);
  assert.throws(() => worker.sipPort, /without the sip role/);
  assert.equal((await worker.call('GET', '/api/partner/numbers')).status, 404, 'no API on the OCR node');
  assert.equal((await worker.call('GET', '/docs')).status, 404);

  const partner = await partnerWithNumber(front, 'dr-osei', { webhookUrl: receiver.url });
  const faxId = await commitInboundFax(front.services, partner.number, await documentPages(1));
  await receiver.waitFor(() => receiver.received.some((w) => JSON.parse(w.body).faxId === faxId), 180_000);
  const job = new JobRepository(front.services.db).findByUniqueKey(`process:${faxId}`)!;
  assert.equal(job.status, 'done', job.lastError ?? '');
  assert.match(job.lockedBy ?? '', /^ocr-1:/, 'OCR ran on the OCR node');
  assert.equal(front.services.faxes.get(faxId)!.ocrStatus, 'done');
  const event = receiver.received.map((w) => JSON.parse(w.body)).find((b) => b.faxId === faxId);
  assert.equal(event.event, 'fax.received');
});
