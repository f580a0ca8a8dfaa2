// What the item-6 sweeps and purges of issue 15 leave behind, on a real appliance restarted on its
// data directory: outbound PDFs get a purge time and are purged; a fax left `sending` by one process
// death after another, or left with no attempt at all, fails (transmission_error) with its credits
// refunded instead of waiting for ever; blobs a crash wrote without a row are deleted at start-up;
// webhook events and deliveries go once their retention has passed, pending ones stay.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, test } from 'node:test';
import type { Clock } from '../../src/clock.ts';
import { INTERRUPTED } from '../../src/outbound/outbound-faxes.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { makePdf, sendingPartner, sendMultipart } from '../outbound/support.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';

const DAY = 24 * 60 * 60_000;
const dataDir = tempDataDir('faxseal-sweeps');
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
const config = { urlAllowlist: ['127.0.0.1'], webhookRetrySchedule: [3600] };
let app: TestAppliance | undefined;

after(async () => {
  await app?.shutdown();
});

test('sweeps at start-up and retention purges leave no fax waiting and no content kept for ever', {
  timeout: 300_000,
}, async () => {
  app = await startTestAppliance(config, { dataDir, clock });
  // Nothing dials in this first life: the faxes stay exactly where the test puts them.
  await app.services.jobs.stop();
  const partner = await sendingPartner(app, 20);
  const submit = async (pages: number) => {
    const sent = await sendMultipart(
      app!,
      partner.apiKey,
      { externalUserId: partner.externalUserId, to: '+13125550180' },
      await makePdf(pages),
    );
    assert.equal(sent.status, 202, sent.text);
    return sent.body.id as string;
  };
  const canceled = await submit(1);
  const killedEveryTime = await submit(2);
  const noAttemptLeft = await submit(3);
  assert.equal(app.services.credits.balance(partner.partnerId), 14);
  const cancel = await app.call('DELETE', `/api/partner/fax/${canceled}`, { key: partner.apiKey });
  assert.equal(cancel.status, 200, cancel.text);

  const row = (db: ReturnType<typeof openDatabase>, id: string) =>
    db.prepare('SELECT status, pdf_blob, purge_at, purged_at FROM faxes WHERE id = ?').get(id) as {
      status: string;
      pdf_blob: string | null;
      purge_at: string | null;
      purged_at: string | null;
    };
  const pdfBlob = row(app.services.db, canceled).pdf_blob!;
  const purgeAt = Date.parse(row(app.services.db, canceled).purge_at!);
  // The partner keeps faxes 30 days (the default); the business tier allows that.
  assert.ok(Math.abs(purgeAt - (Date.now() + 30 * DAY)) < 60_000, 'purge_at is submission + 30 days');

  // What a crash leaves in the blob store: a sealed file whose row never committed, a half write.
  const orphan = app.services.blobs.put('pdf', await makePdf(1));
  const halfWritten = `${app.services.blobs.pathOf(orphan).replace(/\.bin$/, '')}-x.bin.tmp`;
  writeFileSync(halfWritten, 'partial');
  // The partner's webhook is down: the events of the faxes above are pending, or skipped if none.
  await app.call('PATCH', '/api/partner/settings', {
    key: partner.apiKey,
    body: { webhookUrl: 'http://127.0.0.1:9/hooks' },
  });
  await app.shutdown({ keepData: true });

  // The state after process deaths: one fax mid-call whose job was claimed as often as it may be
  // (each claim died), one whose last attempt failed for good while it was queued.
  const db = openDatabase(dataDir, { migrate: false });
  const sendJob = "kind = 'fax.send' AND json_extract(payload, '$.faxId') = @faxId";
  db.prepare("UPDATE faxes SET status = 'sending', send_attempts = 3 WHERE id = ?").run(killedEveryTime);
  db.prepare(
    `UPDATE jobs SET status = 'running', attempts = 3, locked_by = @worker, lease_until = @lease WHERE ${sendJob}`,
  ).run({
    faxId: killedEveryTime,
    worker: `${hostname()}:deadbeef0000`,
    lease: new Date(Date.now() + DAY).toISOString(),
  });
  db.prepare(
    `UPDATE jobs SET status = 'failed', attempts = 3, last_error = 'the appliance stopped during the call',
       finished_at = @now WHERE ${sendJob}`,
  ).run({ faxId: noAttemptLeft, now: new Date().toISOString() });
  db.close();

  app = await startTestAppliance(config, { dataDir, clock });
  assert.equal(app.recovery.strandedSends, 1, 'the fax with no attempt left');
  assert.equal(app.recovery.unreferencedBlobs, 1);
  assert.equal(app.recovery.partialBlobs, 1);
  assert.equal(app.services.blobs.exists(orphan), false, 'the orphan blob is gone');
  assert.equal(app.services.blobs.exists(pdfBlob), true, 'a blob a row names stays');

  const fax = async (id: string) =>
    (await app!.call('GET', `/api/partner/fax/${id}`, { key: partner.apiKey })).body;
  const stranded = await fax(noAttemptLeft);
  assert.equal(stranded.status, 'failed');
  assert.equal(stranded.failureCode, 'transmission_error');
  assert.equal(stranded.failureDetail, INTERRUPTED.detail);
  const deadline = Date.now() + 120_000;
  while ((await fax(killedEveryTime)).status !== 'failed') {
    assert.ok(Date.now() < deadline, 'the fax interrupted on every try ends failed');
    await new Promise((r) => setTimeout(r, 200));
  }
  const interrupted = await fax(killedEveryTime);
  assert.equal(interrupted.failureCode, 'transmission_error');
  assert.equal(interrupted.failureDetail, INTERRUPTED.detail);
  assert.equal(interrupted.pagesDelivered, 0);
  assert.equal(app.services.credits.balance(partner.partnerId), 20, 'every reserved page refunded');
  const failedEvents = app.services.webhooks.deliveries
    .eventsOfFax(killedEveryTime)
    .concat(app.services.webhooks.deliveries.eventsOfFax(noAttemptLeft))
    .filter((e) => e.event === 'fax.failed');
  assert.equal(failedEvents.length, 2, 'fax.failed for each');

  // 31 days on: the sent faxes' documents are past retention, and so are the webhook rows whose
  // deliveries finished (the cancel's, skipped: no webhook URL yet); pending ones stay.
  // The dispatcher is stopped first: the jump would make the pending retries due.
  await app.services.webhooks.dispatcher.stop();
  offsetMs = 31 * DAY;
  const eventCount = () =>
    (app!.services.db.prepare('SELECT COUNT(*) AS n FROM webhook_events').get() as { n: number }).n;
  const pending = () =>
    (
      app!.services.db
        .prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'delivering')")
        .get() as { n: number }
    ).n;
  const before = { events: eventCount(), pending: pending() };
  assert.ok(before.pending > 0, 'the down webhook left deliveries pending');
  const report = app.pipeline.purger.purgeDue('cli');
  assert.deepEqual(new Set(report.faxIds), new Set([canceled, killedEveryTime, noAttemptLeft]));
  assert.equal(app.services.blobs.exists(pdfBlob), false, 'the outbound PDF is purged');
  assert.equal(row(app.services.db, canceled).pdf_blob, null);
  assert.ok(row(app.services.db, canceled).purged_at);
  assert.ok(report.webhookEvents >= 1, 'the finished webhook events are purged');
  assert.equal(eventCount(), before.events - report.webhookEvents);
  assert.equal(pending(), before.pending, 'pending deliveries are kept');
  const log = await app.call('GET', '/api/partner/webhooks/deliveries', { key: partner.apiKey });
  assert.equal(log.status, 200);
  assert.ok(log.body.items.every((d: { status: string }) => ['pending', 'delivering'].includes(d.status)));
  assert.equal(app.pipeline.purger.purgeDue('cli').webhookEvents, 0, 'nothing twice');
});
