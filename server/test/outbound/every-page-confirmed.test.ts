// An outbound fax whose every page the far end confirmed (MCF) before the process died is delivered at
// the next start, not dialed again: a second call would start past the last page (T.30 41, the TIFF
// cannot be opened) and fail a delivered fax as document_error, as the 100-trial chaos run met. Both
// ways a start meets such a fax: its job claimed by the dead process (it runs again), and its job's
// attempts all used (the start-up sweep). The state is what a SIGKILL right after the last MCF
// leaves, written into the database of a real appliance, which then starts on it.

import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, test } from 'node:test';
import { openDatabase } from '../../src/storage/database.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';
import { makePdf, sendingPartner, sendMultipart } from './support.ts';

const DAY = 24 * 60 * 60_000;
const dataDir = tempDataDir('faxseal-every-page');
let app: TestAppliance | undefined;

after(async () => {
  await app?.shutdown();
});

test('every page confirmed when the process died: delivered at the next start, charged, no new call', {
  timeout: 120_000,
}, async () => {
  app = await startTestAppliance({}, { dataDir });
  // Nothing dials in this first life: the faxes stay exactly where the test puts them.
  await app.services.jobs.stop();
  const partner = await sendingPartner(app, 10);
  const submit = async () => {
    const sent = await sendMultipart(
      app!,
      partner.apiKey,
      { externalUserId: partner.externalUserId, to: '+13125550180' },
      await makePdf(2),
    );
    assert.equal(sent.status, 202, sent.text);
    return sent.body.id as string;
  };
  const jobClaimed = await submit();
  const noAttemptLeft = await submit();
  assert.equal(app.services.credits.balance(partner.partnerId), 6, '2 pages held for each');
  await app.shutdown({ keepData: true });

  // Both were mid-call on their first attempt and the far end had confirmed page 2 of 2 (pages are
  // recorded at each MCF, the outcome only when the call ends). One's job was claimed by the dead
  // process; the other's had been claimed as often as it may be.
  const db = openDatabase(dataDir, { migrate: false });
  const sendJob = "kind = 'fax.send' AND json_extract(payload, '$.faxId') = @faxId";
  for (const id of [jobClaimed, noAttemptLeft])
    db.prepare(
      "UPDATE faxes SET status = 'sending', send_attempts = 1, pages_delivered = 2 WHERE id = ?",
    ).run(id);
  db.prepare(
    `UPDATE jobs SET status = 'running', attempts = 1, locked_by = @worker, lease_until = @lease WHERE ${sendJob}`,
  ).run({
    faxId: jobClaimed,
    worker: `${hostname()}:deadbeef0000`,
    lease: new Date(Date.now() + DAY).toISOString(),
  });
  db.prepare(
    `UPDATE jobs SET status = 'failed', attempts = 3, last_error = 'the appliance stopped during the call',
       finished_at = @now WHERE ${sendJob}`,
  ).run({ faxId: noAttemptLeft, now: new Date().toISOString() });
  db.close();

  app = await startTestAppliance({}, { dataDir });
  assert.equal(app.recovery.strandedSends, 1, 'the sweep settled the fax with no attempt left');
  const fax = async (id: string) =>
    (await app!.call('GET', `/api/partner/fax/${id}`, { key: partner.apiKey })).body;
  const deadline = Date.now() + 60_000;
  // Until it settles, or a second call begins (which is the bug).
  const pending = () => {
    const f = app!.services.faxes.outbound(jobClaimed)!;
    return ['queued', 'sending'].includes(f.status) && f.attempts === 1;
  };
  while (pending()) {
    assert.ok(Date.now() < deadline, 'the claimed job ran again');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const id of [jobClaimed, noAttemptLeft]) {
    const settled = await fax(id);
    assert.equal(settled.status, 'delivered', JSON.stringify(settled));
    assert.equal(settled.pagesDelivered, 2);
    assert.equal(settled.failureCode, null);
    assert.equal(settled.attempts, 1, 'no second call');
    const events: string[] = app.services.webhooks.deliveries.eventsOfFax(id).map((e) => e.event);
    assert.deepEqual(
      events.filter((e) => e !== 'fax.sending'),
      ['fax.delivered'],
    );
  }
  assert.equal(
    app.services.credits.balance(partner.partnerId),
    6,
    'both charged for the 2 pages they delivered',
  );
});
