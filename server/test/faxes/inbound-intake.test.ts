// A finished call becomes a durable fax: PDF + TIFF sealed on disk, fax row, pages and processing
// job committed together; dropped calls keep their pages as partial; over-allowance is flagged.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { readFaxTiff, writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { parsePbm } from '../../src/documents/bitmap.ts';
import { FaxRepository } from '../../src/faxes/fax-repository.ts';
import { FAX_PROCESS_JOB, InboundIntake } from '../../src/faxes/inbound-intake.ts';
import { DatabaseJobQueue } from '../../src/jobs/job-queue.ts';
import { JobRepository } from '../../src/jobs/job-repository.ts';
import type { FaxNumberRecord } from '../../src/numbers/number-repository.ts';
import { BlobStore } from '../../src/storage/blob-store.ts';
import { newId } from '../../src/storage/ids.ts';
import { storedInboundFax } from '../pipeline/inbound-fax.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let intake: InboundIntake;
let faxes: FaxRepository;
let jobRows: JobRepository;
let blobs: BlobStore;
let number: FaxNumberRecord;
let trunkId: string;
const spool = mkdtempSync(path.join(os.tmpdir(), 'spool-'));

before(async () => {
  app = await startTestAppliance();
  const s = app.services;
  faxes = new FaxRepository(s.db, s.clock, s.masterKey);
  jobRows = new JobRepository(s.db);
  blobs = new BlobStore(app.dataDir, s.masterKey);
  const jobs = new DatabaseJobQueue(s.db, s.clock, pino({ level: 'silent' }));
  intake = new InboundIntake(s.db, s.clock, faxes, blobs, s.settings, jobs, pino({ level: 'silent' }));
  trunkId = s.trunks.list().find((t) => t.name === 'lab')!.id;
  const { apiKey, partnerId } = await app.onboardPartner();
  await app.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId: 'intake', tier: 'personal' },
  });
  number = s.numbers.activeFor(partnerId, 'intake')!;
});
after(async () => {
  await app.shutdown();
  rmSync(spool, { recursive: true, force: true });
});

function finishedCall(tiffPath: string, t30Code: number, pagesReceived: number) {
  const now = new Date();
  return {
    faxId: newId('fax'),
    callId: `call-${Math.random()}`,
    trunkId,
    number,
    from: '+16175550123',
    to: number.number,
    transport: 't38' as const,
    rxTiffPath: tiffPath,
    t30Code,
    t30Text: t30Code === 0 ? 'OK' : 'Call dropped',
    pagesReceived,
    remoteStationId: '+1 617 555 0123',
    bitRate: 14400,
    ecm: true,
    startedAt: new Date(now.getTime() - 30_000),
    completedAt: now,
  };
}

test('a completed call commits fax row, pages, sealed PDF and one processing job', async () => {
  const sent = [drawSyntheticPage({ seed: 1 }), drawSyntheticPage({ seed: 2 })];
  const tiff = path.join(spool, 'ok.tif');
  writeFaxTiff(tiff, sent);
  const call = finishedCall(tiff, 0, 2);
  assert.equal(await intake.commit(call), 'received');
  assert.equal(existsSync(tiff), false, 'spool file released after commit');

  const fax = faxes.get(call.faxId)!;
  assert.equal(fax.status, 'received');
  assert.equal(fax.pages, 2);
  assert.equal(fax.partnerId, number.partnerId);
  assert.equal(fax.resolution, '204x196');
  assert.equal(fax.overage, false);
  assert.equal(
    Date.parse(fax.purgeAt!) - Date.parse(fax.createdAt),
    30 * 86_400_000,
    'default 30-day retention',
  );
  assert.deepEqual(
    faxes.pages(call.faxId).map((p) => [p.page, p.width]),
    [
      [1, 1728],
      [2, 1728],
    ],
  );

  // The PDF renders back to the very pixels that were received.
  const pdfPath = path.join(spool, 'out.pdf');
  writeFileSync(pdfPath, blobs.get(fax.pdfBlob!));
  execFileSync('pdftoppm', [
    '-mono',
    '-f',
    '1',
    '-l',
    '1',
    '-singlefile',
    '-scale-to-x',
    '1728',
    '-scale-to-y',
    String(sent[0].height),
    pdfPath,
    path.join(spool, 'p'),
  ]);
  const rendered = parsePbm(readFileSync(path.join(spool, 'p.pbm')));
  assert.equal(
    Buffer.compare(Buffer.from(rendered.data), Buffer.from(sent[0].bitmap)),
    0,
    'PDF page 1 is pixel-identical',
  );

  const stored = path.join(spool, 'stored.tif');
  writeFileSync(stored, blobs.get(faxes.pages(call.faxId)[0].imageBlob!));
  const roundTrip = readFaxTiff(stored).pages;
  assert.deepEqual(Buffer.from(roundTrip[1].bitmap), Buffer.from(sent[1].bitmap));

  const job = jobRows.findByUniqueKey(`process:${call.faxId}`);
  assert.deepEqual(
    { kind: job?.kind, payload: job?.payload },
    { kind: FAX_PROCESS_JOB, payload: { faxId: call.faxId } },
  );
});

test('a call dropped after page 1 of 2 keeps a partial fax with 1 page', async () => {
  const tiff = path.join(spool, 'partial.tif');
  writeFaxTiff(tiff, [drawSyntheticPage({ seed: 3 })]);
  const call = finishedCall(tiff, 49, 1);
  assert.equal(await intake.commit(call), 'partial');
  const fax = faxes.get(call.faxId)!;
  assert.equal(fax.pages, 1);
  assert.equal(fax.t30Code, 49);
  assert.ok(fax.pdfBlob);
});

test('a call with no page leaves a failed fax and no job', async () => {
  const call = finishedCall(path.join(spool, 'never-written.tif'), 49, 0);
  assert.equal(await intake.commit(call), 'failed');
  const fax = faxes.get(call.faxId)!;
  assert.equal(fax.pages, 0);
  assert.equal(fax.pdfBlob, null);
  assert.equal(jobRows.findByUniqueKey(`process:${call.faxId}`), null);
});

test('pages beyond the monthly allowance are received and flagged as overage', async () => {
  // 199 of the personal tier's 200 pages already used this month.
  faxes.insertInbound(storedInboundFax(number, 199), []);
  const tiff = path.join(spool, 'over.tif');
  writeFaxTiff(tiff, [drawSyntheticPage({ seed: 4 }), drawSyntheticPage({ seed: 5 })]);
  const call = finishedCall(tiff, 0, 2);
  assert.equal(await intake.commit(call), 'received');
  assert.equal(faxes.get(call.faxId)!.overage, true);
});
