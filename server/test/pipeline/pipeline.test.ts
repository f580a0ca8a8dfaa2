// The inbound pipeline end to end from a committed fax: real OCR (tesseract.js), the PDF rebuilt
// with its text layer, fax.received at a real webhook receiver, the signed link (ranges, tampering,
// expiry), the schema snapshot for extraction, an idempotent re-run, and the retention purge.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SignedPdfLinks } from '../../src/inbox/signed-links.ts';
import { JobRepository } from '../../src/jobs/job-repository.ts';
import { PurgeReportRepository } from '../../src/pipeline/purge-report-repository.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';
import {
  commitInboundFax,
  documentPages,
  localUrl,
  type PartnerWithNumber,
  partnerWithNumber,
} from './inbound-fax.ts';

let app: TestAppliance;
let receiver: Receiver;
let partner: PartnerWithNumber;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-pipeline-'));

interface FaxReceivedBody {
  id: string;
  event: string;
  externalUserId: string;
  faxId: string;
  from: string;
  to: string;
  pages: number;
  ocrText: string;
  pdfUrl: string;
  pdfUrlExpiresAt: string;
}

let faxId: string;
let received: FaxReceivedBody;
let originalPdfBlob: string;

before(async () => {
  receiver = await startReceiver();
  app = await startTestAppliance({ urlAllowlist: ['127.0.0.1'], ocrPoolSize: 2 });
  partner = await partnerWithNumber(app, 'dr-park', { webhookUrl: receiver.url });
});
after(async () => {
  await app.shutdown();
  await receiver.close();
  rmSync(scratch, { recursive: true, force: true });
});

const receivedFor = (id: string) =>
  receiver.received
    .map((w) => JSON.parse(w.body))
    .filter((b) => b.event === 'fax.received' && b.faxId === id);

test('a committed 2-page fax becomes fax.received with its OCR text and a searchable PDF', async () => {
  faxId = await commitInboundFax(app.services, partner.number, await documentPages(2));
  originalPdfBlob = app.services.faxes.get(faxId)!.pdfBlob!;
  const committedAt = Date.now();
  await receiver.waitFor(() => receivedFor(faxId).length > 0, 120_000);
  received = receivedFor(faxId)[0];

  assert.equal(received.externalUserId, 'dr-park');
  assert.equal(received.from, '+16175550123');
  assert.equal(received.to, partner.number.number);
  assert.equal(received.pages, 2);
  for (const word of ['REFERRAL', 'Gonzalez', 'penicillin', 'LABORATORY', 'Glucose', 'Hemoglobin'])
    assert.ok(received.ocrText.includes(word), `ocrText has "${word}"`);
  // Signed when OCR finished (after the commit), valid for the default hour from then.
  const ttl = Date.parse(received.pdfUrlExpiresAt) - committedAt;
  assert.ok(ttl > 3590_000 && ttl < 3600_000 + 120_000, `link valid for the default hour (${ttl} ms)`);

  const res = await fetch(localUrl(app, received.pdfUrl));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  const pdfFile = path.join(scratch, 'fax.pdf');
  writeFileSync(pdfFile, Buffer.from(await res.arrayBuffer()));
  const layer = execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' });
  for (const word of ['Gonzalez', 'penicillin', 'Hemoglobin', 'Creatinine'])
    assert.ok(layer.includes(word), `PDF text layer has "${word}"`);

  const row = app.services.faxes.get(faxId)!;
  assert.equal(row.ocrStatus, 'done');
  assert.equal(row.extractionStatus, 'skipped', 'no schema: no extraction');
  assert.equal(row.receivedEventId, received.id);
  assert.ok((row.ocrConfidence as number) > 50);
  assert.notEqual(row.pdfBlob, originalPdfBlob, 'PDF replaced by the one with a text layer');
  assert.equal(existsSync(app.services.blobs.pathOf(originalPdfBlob)), false, 'old PDF deleted');
  const words = app.services.faxes.ocrPages(faxId);
  assert.equal(words.length, 2);
  for (const p of words) assert.ok(p.words.length > 50, 'word boxes stored per page');

  const downloads = app.services.audit
    .list({ targetId: faxId, limit: 10 })
    .filter((e) => e.action === 'fax.pdf_downloaded');
  assert.equal(downloads.length, 1, 'the download is an audit entry');
});

test('a second run of the job finds the result committed and sends nothing more', async () => {
  const outcome = await app.pipeline.processor.process(faxId);
  assert.equal(outcome.status, 'already-done');
  const events = app.services.webhooks.deliveries.eventsOfFax(faxId);
  assert.equal(events.filter((e) => e.event === 'fax.received').length, 1);
});

test('the signed link serves byte ranges', async () => {
  const url = localUrl(app, received.pdfUrl);
  const full = Buffer.from(await (await fetch(url)).arrayBuffer());
  const first = await fetch(url, { headers: { range: 'bytes=0-99' } });
  assert.equal(first.status, 206);
  assert.equal(first.headers.get('content-range'), `bytes 0-99/${full.length}`);
  assert.deepEqual(Buffer.from(await first.arrayBuffer()), full.subarray(0, 100));
  const middle = await fetch(url, { headers: { range: 'bytes=1000-1499' } });
  assert.deepEqual(Buffer.from(await middle.arrayBuffer()), full.subarray(1000, 1500));
  const tail = await fetch(url, { headers: { range: 'bytes=-64' } });
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), full.subarray(full.length - 64));
  const beyond = await fetch(url, { headers: { range: `bytes=${full.length}-` } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${full.length}`);
});

test('an altered or expired link is refused with 403', async () => {
  const url = new URL(localUrl(app, received.pdfUrl));
  const sig = url.searchParams.get('sig')!;
  const tampered = new URL(url);
  tampered.searchParams.set('sig', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
  const r1 = await fetch(tampered);
  assert.equal(r1.status, 403);
  assert.equal(((await r1.json()) as { code: string }).code, 'link_invalid');

  const later = new URL(url);
  later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
  assert.equal((await fetch(later)).status, 403, 'a longer expiry breaks the signature');

  const otherFax = new URL(url.href.replace(faxId, 'fax_00000000000000000000000000'));
  assert.equal((await fetch(otherFax)).status, 403, 'a signature is bound to its fax');

  const pastClock = { now: () => new Date(Date.now() - 2 * 3600_000) };
  const old = new SignedPdfLinks(
    app.services.masterKey.deriveKey('signed-pdf-links'),
    app.httpUrl,
    3600,
    pastClock,
  ).create(faxId, 'webhook');
  const r2 = await fetch(old.url);
  assert.equal(r2.status, 403);
  assert.equal(((await r2.json()) as { code: string }).code, 'link_expired');
  assert.equal((await fetch(`${app.httpUrl}/files/faxes/${faxId}.pdf`)).status, 403, 'unsigned');
});

test('a fax keeps the extraction schema in force when it arrived and is queued for extraction', async () => {
  const schema = { patientName: { type: 'string' }, dob: { type: 'string' } };
  const withSchema = await partnerWithNumber(app, 'clinic-1', {
    webhookUrl: receiver.url,
    extractionSchema: schema,
  });
  const id = await commitInboundFax(app.services, withSchema.number, await documentPages(1));
  await app.call('PATCH', '/api/partner/settings', {
    key: withSchema.apiKey,
    body: { extractionSchema: { invoiceNumber: { type: 'string' } } },
  });
  assert.deepEqual(app.services.faxes.get(id)!.extractionSchema, schema, 'snapshot taken at intake');
  await receiver.waitFor(() => receivedFor(id).length > 0, 120_000);
  const job = new JobRepository(app.services.db).findByUniqueKey(`extract:${id}`);
  assert.deepEqual(
    { kind: job?.kind, payload: job?.payload },
    { kind: 'fax.extract', payload: { faxId: id } },
  );
});

test('retention purge deletes the files and OCR text, keeps a tombstone, and the link gives 410', async () => {
  const s = app.services;
  const blobIds = [s.faxes.get(faxId)!.pdfBlob!, ...new Set(s.faxes.pages(faxId).map((p) => p.imageBlob!))];
  for (const id of blobIds) assert.ok(existsSync(s.blobs.pathOf(id)));
  const hit = await app.call('GET', '/api/partner/inbox?q=Gonzalez', { key: partner.apiKey });
  assert.deepEqual(
    hit.body.items.map((i: { id: string }) => i.id),
    [faxId],
  );

  // Its retention ran out a second ago (no API shortens the retention of a fax already received).
  s.db
    .prepare('UPDATE faxes SET purge_at = ? WHERE id = ?')
    .run(new Date(Date.now() - 1000).toISOString(), faxId);
  const report = app.pipeline.purger.purgeDue('cli');
  assert.deepEqual(report.faxIds, [faxId]);
  assert.equal(report.blobsDeleted, blobIds.length);
  for (const id of blobIds)
    assert.equal(existsSync(s.blobs.pathOf(id)), false, `${s.blobs.pathOf(id)} removed`);

  const gone = await fetch(localUrl(app, received.pdfUrl));
  assert.equal(gone.status, 410);
  assert.equal(((await gone.json()) as { code: string }).code, 'fax_purged');

  const detail = await app.call('GET', `/api/partner/faxes/${faxId}`, { key: partner.apiKey });
  assert.equal(detail.status, 200);
  assert.ok(detail.body.purgedAt);
  assert.equal(detail.body.ocrText, null);
  assert.equal(detail.body.pdfUrl, null);
  assert.equal(detail.body.pages, 2, 'metadata kept for billing');
  assert.ok(detail.body.pageDetails.every((p: { ocrText: string | null }) => p.ocrText === null));
  const miss = await app.call('GET', '/api/partner/inbox?q=Gonzalez', { key: partner.apiKey });
  assert.deepEqual(miss.body.items, [], 'search row removed');

  const event = s.webhooks.deliveries.eventsOfFax(faxId).find((e) => e.id === received.id)!;
  assert.equal(JSON.parse(event.body).ocrText, '', 'the kept webhook body lost its OCR text');
  const stored = new PurgeReportRepository(s.db).get(report.id!)!;
  assert.deepEqual(
    { trigger: stored.trigger, faxesPurged: stored.faxesPurged, faxIds: stored.faxIds },
    { trigger: 'cli', faxesPurged: 1, faxIds: [faxId] },
  );
  assert.equal(app.pipeline.purger.purgeDue('cli').faxIds.length, 0, 'nothing twice');
});
