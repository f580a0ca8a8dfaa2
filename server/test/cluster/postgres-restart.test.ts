// The shared PostgreSQL restarted (`pg_ctl -m fast` stop, then start on the same data directory) in
// the middle of traffic: a SIP node as a real child process and an API node in this process on a
// private server. Nothing acknowledged is lost: every fax the sender was told was received lands
// once and gets its webhook, every API call answered 2xx is kept. While the server is down the API
// answers 503 problem+json with Retry-After, /readyz says not ready and a new call gets SIP 503 (not
// silence, which a caller sees as 408); once it is back everything works without a restart of the
// nodes. (Before the fix a node exited at the restart: its job queue's poll threw on the connection
// the server had closed, in a timer, and the calls after it went unanswered: SIP 408.)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { type LocalPostgres, startLocalPostgres } from '../../../scripts/local-postgres.ts';
import { type LocalS3, startLocalS3 } from '../../../scripts/local-s3.ts';
import { FaxSimulator, type SendFaxResult } from '../../src/simulator/fax-simulator.ts';
import { type ChildAppliance, startChildAppliance } from '../support/child-appliance.ts';
import {
  type CallResult,
  startTestAppliance,
  type TestAppliance,
  tempDataDir,
} from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-pg-restart-'));
let server: LocalPostgres;
let s3: LocalS3;
let receiver: Receiver;
let api: TestAppliance;
let node: ChildAppliance;
let sipPort: number;
let simulator: FaxSimulator;

before(async () => {
  // A private server: restarting the run's shared one would disturb every other test file.
  server = await startLocalPostgres({ dataDir: path.join(scratch, 'postgres') });
  const databaseUrl = await server.createDatabase('restart');
  s3 = await startLocalS3({ directory: path.join(scratch, 's3') });
  receiver = await startReceiver();
  const masterKey = randomBytes(32).toString('base64');
  const blobUrl = s3.blobUrl('restart');
  api = await startTestAppliance(
    {
      databaseUrl,
      blobUrl,
      masterKey,
      nodeName: 'api-1',
      nodeRoles: ['api'],
      urlAllowlist: ['127.0.0.1'],
      // The writer below asks more than the default 60 a minute.
      rateLimitPerMinute: 1000,
    },
    { dataDir: tempDataDir('faxseal-api-node') },
  );
  sipPort = await freePort('tcp+udp');
  node = await startChildAppliance({
    FAXSEAL_DATA_DIR: path.join(scratch, 'fax-a'),
    FAXSEAL_DATABASE_URL: databaseUrl,
    FAXSEAL_BLOB_URL: blobUrl,
    FAXSEAL_MASTER_KEY: masterKey,
    FAXSEAL_NODE_NAME: 'fax-a',
    FAXSEAL_NODE_ROLES: 'sip,ocr,extract,dispatch',
    FAXSEAL_SIP_PORT: String(sipPort),
    FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
  });
  simulator = await FaxSimulator.start();
});

after(async () => {
  await simulator?.stop();
  await node?.kill('SIGTERM');
  await api?.shutdown();
  await receiver?.close();
  await s3?.stop();
  server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** /readyz of both nodes, as a load balancer asks it. */
async function readiness(): Promise<{ status: number; body: any }[]> {
  return Promise.all(
    [api.httpUrl, node.url].map(async (url) => {
      const res = await fetch(`${url}/readyz`);
      return { status: res.status, body: await res.json() };
    }),
  );
}

test('a PostgreSQL restart mid-run loses nothing acknowledged; 503 while it is down, no 500 ever', async () => {
  const partner = await api.onboardPartner('Restart Clinic');
  assert.ok(
    (
      await api.call('PATCH', '/api/partner/settings', {
        key: partner.apiKey,
        body: { webhookUrl: receiver.url },
      })
    ).status < 300,
  );
  const provisioned = await api.call('POST', '/api/partner/numbers', {
    key: partner.apiKey,
    body: { externalUserId: 'ward-1', tier: 'personal' },
  });
  assert.equal(provisioned.status, 201, provisioned.text);
  const to = provisioned.body.number as string;
  const onePage = path.join(scratch, 'one.tif');
  writeFaxTiff(onePage, [drawSyntheticPage({ seed: 7, height: 300 })]);
  const threePages = path.join(scratch, 'three.tif');
  writeFaxTiff(
    threePages,
    [8, 9, 10].map((seed) => drawSyntheticPage({ seed, height: 300 })),
  );
  const target = { host: '127.0.0.1', port: sipPort };
  const faxes: Promise<SendFaxResult>[] = [];

  // API writes all through the run, one after another: each answer is recorded with what it asked.
  const answers: { externalUserId: string; result: CallResult; phase: string }[] = [];
  let phase = 'before';
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const externalUserId = `writer-${i}`;
      const result = await api.call('POST', '/api/partner/numbers', {
        key: partner.apiKey,
        body: { externalUserId, tier: 'personal' },
      });
      answers.push({ externalUserId, result, phase });
      await new Promise((r) => setTimeout(r, 400));
    }
  })();

  faxes.push(simulator.send({ to, target, tiffPath: onePage }));
  // The server stops while a three-page fax is between its pages: the pages after the first are
  // confirmed to the sender while the database is away (they wait in the node's spool).
  let stopped!: () => void;
  const serverStopped = new Promise<void>((resolve) => (stopped = resolve));
  faxes.push(
    simulator.send({
      to,
      target,
      tiffPath: threePages,
      onProgress: (p) => {
        if (p.type === 'page' && p.page === 1) {
          phase = 'down';
          void server.restart.stop().then(stopped);
        }
      },
    }),
  );
  await serverStopped;

  // While it is down: not ready, 503 problem+json with Retry-After, and a new call is refused 503.
  for (const ready of await readiness()) {
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'not_ready');
    assert.equal(ready.body.detail, 'database unreachable');
  }
  const inbox = await api.call('GET', '/api/partner/inbox', { key: partner.apiKey });
  assert.equal(inbox.status, 503, inbox.text);
  assert.equal(inbox.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(inbox.body.code, 'database_unavailable');
  assert.equal(inbox.headers.get('retry-after'), '5');
  const refused = await simulator.send({ to, target, tiffPath: onePage });
  assert.equal(refused.sipStatus, 503, `${refused.sipStatus} ${refused.sipReason}`);

  await server.restart.start();
  // Back when both nodes say so (nothing restarted them).
  for (;;) {
    if ((await readiness()).every((r) => r.status === 200)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  phase = 'after';
  assert.equal(node.process.exitCode, null, 'the SIP node lived through the restart');

  // Calls placed after the restart are answered and land.
  for (let i = 0; i < 3; i++) faxes.push(simulator.send({ to, target, tiffPath: onePage }));
  const sent = await Promise.all(faxes);
  writing = false;
  await writer;
  for (const [i, result] of sent.entries())
    assert.equal(
      result.fax?.ok,
      true,
      `fax ${i}: ${result.sipStatus} ${result.sipReason} ${result.fax?.text}`,
    );

  // Every fax the sender was told was received lands once, with all its pages, and gets its webhook.
  const listed = (await api.call('GET', '/api/partner/inbox?limit=100', { key: partner.apiKey })).body
    .items as {
    id: string;
    pages: number;
  }[];
  assert.equal(listed.length, sent.length, 'one inbox entry per confirmed fax');
  assert.deepEqual(
    listed.map((f) => f.pages).sort(),
    [1, 1, 1, 1, 3],
    'the fax cut by the restart kept its three pages',
  );
  const deliveredFaxIds = () =>
    new Set(
      receiver.received
        .map((w) => JSON.parse(w.body))
        .filter((b) => b.event === 'fax.received')
        .map((b) => b.faxId as string),
    );
  await receiver.waitFor(() => listed.every((f) => deliveredFaxIds().has(f.id)), 240_000);

  // Every API call: 2xx and kept, or 503 problem+json while the server was down. Never a 500.
  const numbers = new Set(
    (
      (await api.call('GET', '/api/partner/numbers?limit=100', { key: partner.apiKey })).body.items as {
        externalUserId: string;
      }[]
    ).map((n) => n.externalUserId),
  );
  assert.ok(
    answers.some((a) => a.phase === 'after' && a.result.status === 201),
    'writes after the restart',
  );
  for (const { externalUserId, result, phase: at } of answers) {
    if (result.status === 201)
      assert.ok(numbers.has(externalUserId), `${externalUserId} acknowledged and kept`);
    else {
      assert.equal(result.status, 503, `${externalUserId} (${at}): ${result.text}`);
      assert.equal(result.body.code, 'database_unavailable');
      assert.notEqual(at, 'after', `${externalUserId} refused after the database was back`);
    }
  }
});
