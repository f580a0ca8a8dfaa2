// An outbound fax whose sending node is killed (SIGKILL) mid-document resumes on the other node from
// its first unconfirmed page: two SIP nodes as child processes on one PostgreSQL database and one
// bucket, an API node in this process, the fax simulator as the receiving machine behind a peer
// trunk. Each page the far end confirms (MCF) is recorded as it is confirmed; once the dead node's
// lease runs out the survivor dials again and sends only pages k+1…n. Both calls are in the fax's
// events (two fax.sending, one fax.delivered), and the credits are charged once per page.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../../scripts/free-port.ts';
import { type LocalS3, startLocalS3 } from '../../../scripts/local-s3.ts';
import { diffPixels } from '../../src/documents/bitmap.ts';
import { decodeFaxTiff } from '../../src/documents/fax-raster.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { adminToken, makePdf, sendingPartner, sendMultipart } from '../outbound/support.ts';
import { type ChildAppliance, startChildAppliance } from '../support/child-appliance.ts';
import { dropTestDatabase, newTestDatabase } from '../support/postgres.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const PAGES = 4;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-resume-'));
let databaseUrl: string;
let s3: LocalS3;
let receiver: Receiver;
let api: TestAppliance;
let simulator: FaxSimulator;
const nodes: { name: string; child: ChildAppliance }[] = [];

before(async () => {
  databaseUrl = await newTestDatabase();
  s3 = await startLocalS3({ directory: path.join(scratch, 's3') });
  receiver = await startReceiver();
  const masterKey = randomBytes(32).toString('base64');
  const blobUrl = s3.blobUrl('resume');
  api = await startTestAppliance(
    {
      databaseUrl,
      blobUrl,
      masterKey,
      nodeName: 'api-1',
      nodeRoles: ['api'],
      urlAllowlist: ['127.0.0.1'],
      rateLimitPerMinute: 100_000,
    },
    { dataDir: tempDataDir('faxseal-resume-api') },
  );
  for (const [i, name] of ['fax-a', 'fax-b'].entries()) {
    const child = await startChildAppliance({
      FAXSEAL_DATA_DIR: path.join(scratch, name),
      FAXSEAL_DATABASE_URL: databaseUrl,
      FAXSEAL_BLOB_URL: blobUrl,
      FAXSEAL_MASTER_KEY: masterKey,
      FAXSEAL_NODE_NAME: name,
      FAXSEAL_NODE_ROLES: 'sip,dispatch',
      FAXSEAL_SIP_PORT: String(await freePort('tcp+udp')),
      FAXSEAL_MEDIA_PORTS: `${34000 + i * 400}-${34399 + i * 400}`,
      FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
      FAXSEAL_TRUNK_KEEPALIVE_SECONDS: '0',
    });
    nodes.push({ name, child });
  }
  simulator = await FaxSimulator.start({ address: '127.0.0.1', mediaPorts: { first: 35000, last: 35099 } });
});

after(async () => {
  await simulator?.stop();
  for (const n of nodes) await n.child.kill('SIGTERM');
  await api?.shutdown();
  await receiver?.close();
  await s3?.stop();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  rmSync(scratch, { recursive: true, force: true });
});

test('kill -9 of the sending node mid-fax: the survivor sends only the pages not confirmed', async () => {
  const partner = await sendingPartner(api, 10);
  const farEnd = simulator.receive({ mode: 'fax' });
  const trunk = await api.call('POST', '/api/admin/trunks', {
    key: adminToken(api),
    body: {
      name: 'far-end',
      mode: 'peer',
      host: '127.0.0.1',
      port: simulator.sipPort,
      allowedIps: ['127.0.0.1'],
      outbound: true,
    },
  });
  assert.equal(trunk.status, 201, trunk.text);
  api.services.db.prepare('UPDATE dids SET trunk_id = ? WHERE e164 = ?').run(trunk.body.id, partner.number);
  const faxRow = () =>
    api.services.db.prepare('SELECT pages_delivered AS delivered FROM faxes WHERE id = ?').get(sentId) as {
      delivered: number;
    };
  const sendJob = () =>
    api.services.db
      .prepare(
        "SELECT status, locked_by AS lockedBy FROM jobs WHERE kind = 'fax.send' ORDER BY created_at DESC",
      )
      .get() as { status: string; lockedBy: string | null } | undefined;

  const pdf = await makePdf(PAGES);
  const sent = await sendMultipart(
    api,
    partner.apiKey,
    { externalUserId: partner.externalUserId, to: '+13125550181', callbackUrl: receiver.url },
    pdf,
  );
  assert.equal(sent.status, 202, sent.text);
  const sentId = sent.body.id as string;

  // The sending node dies once the far end has confirmed page 1 and the node has recorded it.
  while (faxRow().delivered < 1) await new Promise((r) => setTimeout(r, 50));
  const sender = nodes.find((n) => sendJob()?.lockedBy?.startsWith(`${n.name}:`))!;
  assert.ok(sender, `the send job is held by a node: ${JSON.stringify(sendJob())}`);
  await sender.child.kill('SIGKILL');
  const survivor = nodes.find((n) => n !== sender)!;
  const confirmedBeforeKill = faxRow().delivered;
  assert.ok(
    confirmedBeforeKill >= 1 && confirmedBeforeKill < PAGES,
    `${confirmedBeforeKill} pages confirmed`,
  );

  // The survivor takes the job when the dead node's lease runs out and sends the rest.
  for (;;) {
    const fax = (await api.call('GET', `/api/partner/fax/${sentId}`, { key: partner.apiKey })).body;
    if (fax.status === 'delivered' || fax.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const fax = (await api.call('GET', `/api/partner/fax/${sentId}`, { key: partner.apiKey })).body;
  assert.equal(fax.status, 'delivered', JSON.stringify(fax));
  assert.equal(fax.pagesDelivered, PAGES);
  assert.equal(fax.attempts, 2);
  assert.match(sendJob()!.lockedBy ?? '', new RegExp(`^${survivor.name}:`), 'the survivor sent it');

  const calls = await farEnd.settled(2);
  assert.equal(calls.length, 2, 'two calls: the cut one and the resumed one');
  const [first, second] = calls;
  assert.equal(second.fax?.ok, true);
  assert.equal(second.fax?.pages, PAGES - confirmedBeforeKill, 'the second call carries only the rest');
  // What the second call carried is pages k+1…n of the document, pixel for pixel.
  const rendered = await decodeFaxTiff(
    api.services.blobs.get(api.services.faxes.outbound(sentId)!.tiffBlob!),
  );
  const resent = await decodeFaxTiff(await readFile(second.fax!.rxTiff));
  assert.equal(resent.length, PAGES - confirmedBeforeKill);
  for (const [i, page] of resent.entries())
    assert.equal(
      diffPixels(page.bitmap, rendered[confirmedBeforeKill + i].bitmap),
      0,
      `resent page ${i + 1}`,
    );
  assert.ok((first.fax?.pages ?? 0) >= confirmedBeforeKill, 'the first call delivered what was recorded');

  // Both attempts are in the fax's events; credits are charged once per page delivered.
  await receiver.waitFor((r) => r.some((w) => JSON.parse(w.body).event === 'fax.delivered'), 120_000);
  const events = receiver.received.map((w) => JSON.parse(w.body)).filter((e) => e.faxId === sentId);
  assert.deepEqual(
    events.map((e) => e.event),
    ['fax.sending', 'fax.sending', 'fax.delivered'],
  );
  assert.equal(api.services.credits.balance(partner.partnerId), 10 - PAGES);
});
