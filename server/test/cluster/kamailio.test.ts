// Two FaxSeal nodes behind Kamailio (deploy/kamailio/kamailio.cfg), sharing one PostgreSQL database,
// one S3-compatible bucket and one master key, all on loopback: 20 faxes from the simulator are
// spread over both nodes by call load, the nodes' re-INVITEs to T.38 and BYEs come back through the
// proxy (Record-Route), and every fax lands once in the right inbox.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { type LocalKamailio, startLocalKamailio } from '../../../scripts/local-kamailio.ts';
import { type LocalS3, startLocalS3 } from '../../../scripts/local-s3.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import type { InboundCallOutcome } from '../../src/telephony/inbound-call.ts';
import { dropTestDatabase, newTestDatabase } from '../support/postgres.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-kamailio-'));
let databaseUrl: string;
let s3: LocalS3;
let proxy: LocalKamailio;
const nodes: TestAppliance[] = [];
const calls = new Map<string, InboundCallOutcome[]>();
let simulator: FaxSimulator;
let apiKey: string;

before(async () => {
  databaseUrl = await newTestDatabase();
  s3 = await startLocalS3({ directory: path.join(scratch, 's3') });
  const shared = {
    databaseUrl,
    blobUrl: s3.blobUrl('cluster'),
    masterKey: randomBytes(32).toString('base64'),
  };
  // One after the other: the first runs the migrations.
  for (const [i, name] of ['fax-a', 'fax-b'].entries()) {
    const node = await startTestAppliance(
      { ...shared, nodeName: name, mediaPorts: { first: 31000 + i * 400, last: 31399 + i * 400 } },
      { dataDir: tempDataDir(`faxseal-${name}`) },
    );
    calls.set(name, []);
    node.telephony.on('call', (o) => calls.get(name)!.push(o));
    nodes.push(node);
  }
  proxy = await startLocalKamailio({
    stateDir: path.join(scratch, 'kamailio'),
    nodes: nodes.map((n) => ({ name: n.config.nodeName, host: '127.0.0.1', port: n.sipPort })),
    carriers: ['127.0.0.1'],
    // Both nodes share this test process's event loop with the simulator's 20 calls: on a loaded machine
    // a node may take over 2 s (the helper's default) to send its 100 Trying, starved by its neighbours,
    // not dead, and the proxy would send the call on to the other node as well. Failover has its own test.
    nodeNoReplyMs: 10_000,
  });
  ({ apiKey } = await nodes[0].onboardPartner('Clinic Cluster'));
  simulator = await FaxSimulator.start();
});

after(async () => {
  await simulator?.stop();
  await proxy?.stop();
  for (const node of nodes) await node.shutdown();
  await s3?.stop();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  rmSync(scratch, { recursive: true, force: true });
});

test('20 faxes through Kamailio are spread over both nodes and each lands once in its inbox', async () => {
  const users = ['ward-1', 'ward-2', 'ward-3', 'ward-4'];
  const numbers = new Map<string, string>();
  for (const [i, user] of users.entries()) {
    // Numbers are provisioned through either node: they share the database.
    const r = await nodes[i % 2].call('POST', '/api/partner/numbers', {
      key: apiKey,
      body: { externalUserId: user, tier: 'personal' },
    });
    assert.equal(r.status, 201, r.text);
    numbers.set(user, r.body.number);
  }
  const tiff = path.join(scratch, 'page.tif');
  writeFaxTiff(tiff, [drawSyntheticPage({ seed: 77, height: 300 })]);

  const sends = Array.from({ length: 20 }, (_, i) => {
    const user = users[i % users.length];
    return simulator
      .send({ to: numbers.get(user)!, target: { host: proxy.host, port: proxy.port }, tiffPath: tiff })
      .then((result) => ({ user, result }));
  });
  const results = await Promise.all(sends);
  for (const { result } of results) {
    assert.equal(result.answered, true, `${result.callId}: ${result.sipStatus} ${result.sipReason}`);
    assert.equal(result.fax?.ok, true, `${result.callId}: ${JSON.stringify(result.fax)}`);
    assert.equal(result.transport, 't38');
  }

  // Each call was answered by exactly one node; both nodes took calls.
  const byNode = [...calls.entries()].map(([name, outcomes]) => ({
    name,
    count: outcomes.length,
    // Named in the failure message, so an attempt the proxy then sent to the other node says how it ended.
    ended: outcomes.map((o) =>
      o.kind === 'rejected' ? `${o.status} ${o.reason}` : o.kind === 'fax' ? o.status : o.kind,
    ),
  }));
  const total = byNode.reduce((n, b) => n + b.count, 0);
  assert.equal(total, 20, JSON.stringify(byNode));
  for (const { name, count } of byNode) assert.ok(count >= 4, `${name} took ${count} of 20 calls`);
  const answeredBy = new Map<string, string>();
  for (const [name, outcomes] of calls) for (const o of outcomes) answeredBy.set(o.callId, name);
  assert.deepEqual(new Set(answeredBy.keys()), new Set(results.map((r) => r.result.callId)));

  // Every fax in its own user's inbox, once, whichever node is asked.
  for (const [i, user] of users.entries()) {
    const inbox = await nodes[(i + 1) % 2].call('GET', `/api/partner/inbox?externalUserId=${user}&limit=50`, {
      key: apiKey,
    });
    assert.equal(inbox.status, 200, inbox.text);
    assert.equal(inbox.body.items.length, 5, `${user}: ${inbox.body.items.length} faxes`);
    for (const fax of inbox.body.items) {
      assert.equal(fax.externalUserId, user);
      assert.equal(fax.pages, 1);
    }
  }
});
