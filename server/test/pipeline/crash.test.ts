// kill -9 in the middle of OCR: the real appliance as a child process is SIGKILLed while its
// `fax.process` job is recognising a 10-page fax, then started again on the same data directory.
// Afterwards: exactly one completed OCR (one PDF, one search row) and fax.received under one event id.

import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { systemClock } from '../../src/clock.ts';
import { FaxRepository } from '../../src/faxes/fax-repository.ts';
import { JobRepository } from '../../src/jobs/job-repository.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { MasterKey } from '../../src/storage/master-key.ts';
import { OutboxRepository } from '../../src/webhooks/outbox-repository.ts';
import { type ChildAppliance, startChildAppliance } from '../support/child-appliance.ts';
import { startTestAppliance, tempDataDir, testDatabase } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';
import { commitInboundFax, documentPages, partnerWithNumber } from './inbound-fax.ts';

const children: ChildAppliance[] = [];
let receiver: Receiver | undefined;
const dataDir = tempDataDir('faxseal-ocr-crash');

after(async () => {
  for (const child of children) await child.kill('SIGKILL');
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startChild(): Promise<ChildAppliance> {
  const { databaseUrl } = await testDatabase(dataDir);
  const child = await startChildAppliance({
    FAXSEAL_DATA_DIR: dataDir,
    ...(databaseUrl ? { FAXSEAL_DATABASE_URL: databaseUrl } : {}),
    FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
    // One OCR thread: ten pages take several seconds, time enough to land the kill mid-OCR.
    FAXSEAL_OCR_POOL_SIZE: '1',
  });
  children.push(child);
  return child;
}

test('SIGKILL during OCR, then restart: one completed OCR and fax.received with one event id', async () => {
  const r = await startReceiver();
  receiver = r;
  // A committed fax whose job has not run yet: commit it with the queue stopped, then hand over.
  const setup = await startTestAppliance({ urlAllowlist: ['127.0.0.1'] }, { dataDir });
  const partner = await partnerWithNumber(setup, 'crash-user', { webhookUrl: r.url });
  await setup.services.jobs.stop();
  const faxId = await commitInboundFax(setup.services, partner.number, await documentPages(10));
  await setup.shutdown({ keepData: true });

  // The children's database, read through the repositories while they run.
  const db = openDatabase({ dataDir, ...(await testDatabase(dataDir)) }, { migrate: false });
  const jobs = new JobRepository(db);
  const masterKey = MasterKey.load(dataDir, null);
  const faxes = new FaxRepository(db, systemClock, masterKey);
  const outbox = new OutboxRepository(db, systemClock, masterKey);
  const job = () => {
    const stored = jobs.findByUniqueKey(`process:${faxId}`)!;
    return { status: stored.status, attempts: stored.attempts };
  };
  const receivedEvents = () =>
    outbox
      .eventsOfFax(faxId)
      .filter((e) => e.event === 'fax.received')
      .map((e) => ({ id: e.id }));
  try {
    const first = await startChild();
    const deadline = Date.now() + 30_000;
    while (job().status !== 'running') {
      assert.ok(Date.now() < deadline, 'the job started');
      await sleep(20);
    }
    await sleep(2000);
    await first.kill('SIGKILL');
    assert.equal(faxes.get(faxId)!.ocrStatus, 'pending', 'killed before OCR finished');
    assert.deepEqual(receivedEvents(), []);
    assert.deepEqual(job(), { status: 'running', attempts: 1 });

    await startChild();
    await r.waitFor((got) => got.some((w) => JSON.parse(w.body).faxId === faxId), 120_000);
    await sleep(1000); // a duplicate, if there were one, would arrive now

    const events = receivedEvents();
    assert.equal(events.length, 1, 'one fax.received event');
    const deliveries = r.received.filter((w) => JSON.parse(w.body).faxId === faxId);
    assert.ok(deliveries.length >= 1);
    assert.deepEqual(new Set(deliveries.map((w) => w.headers['webhook-id'])), new Set([events[0].id]));
    const body = JSON.parse(deliveries[0].body);
    assert.equal(body.pages, 10);
    assert.match(body.ocrText, /Gonzalez/);

    const row = faxes.get(faxId)!;
    assert.equal(row.ocrStatus, 'done');
    assert.equal(row.receivedEventId, events[0].id);
    // The FTS index itself: no repository reads a stale row, so only the table shows one left behind.
    assert.equal(
      (db.prepare('SELECT COUNT(*) AS n FROM fax_search').get() as { n: number }).n,
      1,
      'one search row',
    );
    assert.deepEqual(job(), { status: 'done', attempts: 2 });
    // Exactly two documents on disk: the received TIFF and the one PDF with its text layer.
    const blobs = readdirSync(path.join(dataDir, 'blobs'), { recursive: true }).filter((f) =>
      String(f).endsWith('.bin'),
    );
    assert.equal(blobs.length, 2, `blobs: ${blobs.join(', ')}`);
    assert.deepEqual(
      readdirSync(path.join(dataDir, 'spool', 'pipeline')),
      [],
      'no page image left in the spool',
    );
  } finally {
    db.close();
  }
});
