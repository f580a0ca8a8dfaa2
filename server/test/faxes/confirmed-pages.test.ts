// A page confirmed to the sender is never lost (issue 15, item 1): a 2-page fax arrives over SIP +
// T.38 at the real appliance as a child process, which is SIGKILLed the moment the sender gets page
// 1's MCF. After the restart the call is a `partial` fax holding page 1 — OCR'd, searchable, in its
// PDF, extracted — announced by fax.received with `partial: true, pagesConfirmed: 1`, and no page
// image is left in the spool.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { systemClock } from '../../src/clock.ts';
import { FaxRepository } from '../../src/faxes/fax-repository.ts';
import { INTERRUPTED_TEXT } from '../../src/faxes/inbound-intake.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { MasterKey } from '../../src/storage/master-key.ts';
import { documentPages, localUrl, partnerWithNumber } from '../pipeline/inbound-fax.ts';
import { type ChildAppliance, startChildAppliance } from '../support/child-appliance.ts';
import { startTestAppliance, tempDataDir } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const dataDir = tempDataDir('faxseal-confirmed-pages');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-confirmed-'));
const children: ChildAppliance[] = [];
let receiver: Receiver | undefined;
let simulator: FaxSimulator | undefined;

after(async () => {
  for (const child of children) await child.kill('SIGKILL');
  await simulator?.stop();
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const spoolFiles = (): string[] =>
  readdirSync(path.join(dataDir, 'spool'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.tif'));

test('SIGKILL right after page 1 of 2 is confirmed: a partial fax with page 1, announced, spool empty', {
  timeout: 400_000,
}, async () => {
  const r = await startReceiver();
  receiver = r;
  const setup = await startTestAppliance({ urlAllowlist: ['127.0.0.1'] }, { dataDir });
  const { number, apiKey } = await partnerWithNumber(setup, 'dr-park', {
    webhookUrl: r.url,
    extractionSchema: { patientName: { type: 'string' }, allergies: { type: 'string' } },
  });
  await setup.shutdown({ keepData: true });

  const sipPort = await freePort('tcp+udp');
  const env = {
    FAXSEAL_DATA_DIR: dataDir,
    FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
    FAXSEAL_SIP_PORT: String(sipPort),
  };
  const first = await startChildAppliance(env);
  children.push(first);

  // Page 1 is the referral letter (Gonzalez, penicillin), page 2 the lab report (Robert Chen).
  const tiffPath = path.join(scratch, 'two-pages.tif');
  writeFaxTiff(tiffPath, await documentPages(2));
  simulator = await FaxSimulator.start();
  const db = openDatabase(dataDir, { migrate: false });
  const faxes = new FaxRepository(db, systemClock, MasterKey.load(dataDir, null));
  try {
    let atKill: { pages: number; status: string; spool: string[]; spoolMode: number } | undefined;
    const killed = new Promise<void>((resolve, reject) => {
      void simulator!
        .send({
          to: number.number,
          from: '+12175550142',
          target: { host: '127.0.0.1', port: sipPort },
          tiffPath,
          noPacing: true,
          timeoutMs: 120_000,
          onProgress: (e) => {
            if (e.type !== 'page' || e.page !== 1 || atKill) return;
            // The sender has its MCF for page 1: kill now, before anything else can happen.
            first.process.kill('SIGKILL');
            const [fax] = db.prepare("SELECT id FROM faxes WHERE direction = 'inbound'").all() as {
              id: string;
            }[];
            const stored = faxes.get(fax.id)!;
            const spool = spoolFiles();
            atKill = {
              pages: stored.pages,
              status: stored.status,
              spool,
              spoolMode: statSync(path.join(dataDir, 'spool', spool[0])).mode & 0o777,
            };
            resolve();
          },
        })
        .then((result) => {
          if (!atKill)
            reject(new Error(`the fax ended before page 1 was confirmed: ${JSON.stringify(result.fax)}`));
        }, reject);
    });
    await killed;
    await first.kill('SIGKILL');
    assert.deepEqual(
      { pages: atKill!.pages, status: atKill!.status, files: atKill!.spool.length },
      { pages: 1, status: 'receiving', files: 1 },
      'page 1 was recorded before its MCF left; the page in progress was in the spool',
    );
    assert.equal(atKill!.spoolMode, 0o600, 'the spool file is readable by the appliance user only');

    const second = await startChildAppliance(env);
    children.push(second);
    const events = () => r.received.map((w) => JSON.parse(w.body));
    await r.waitFor(() => events().some((e) => e.event === 'fax.extracted'), 180_000);
    const received = events().filter((e) => e.event === 'fax.received');
    assert.equal(received.length, 1, 'one fax.received');
    const body = received[0];
    assert.equal(body.partial, true);
    assert.equal(body.pagesConfirmed, 1);
    assert.equal(body.pages, 1);
    assert.match(body.ocrText, /Gonzalez/, 'page 1 was OCRed');
    assert.doesNotMatch(body.ocrText, /Robert Chen/, 'page 2 never arrived');

    const fax = faxes.get(body.faxId)!;
    assert.equal(fax.status, 'partial');
    assert.equal(fax.pages, 1);
    assert.equal(fax.t30Text, INTERRUPTED_TEXT);
    assert.deepEqual(spoolFiles(), [], 'nothing left in the spool');

    // As any fax: searchable, its PDF downloads with page 1's text layer, extraction ran on it.
    const auth = { authorization: `Bearer ${apiKey}` };
    const search = await fetch(`${second.url}/api/partner/inbox?q=penicillin`, { headers: auth });
    const { items } = (await search.json()) as { items: { id: string }[] };
    assert.deepEqual(
      items.map((i) => i.id),
      [body.faxId],
    );
    const pdf = await fetch(localUrl({ httpUrl: second.url }, body.pdfUrl));
    assert.equal(pdf.status, 200);
    const pdfPath = path.join(scratch, 'partial.pdf');
    writeFileSync(pdfPath, Buffer.from(await pdf.arrayBuffer()));
    assert.match(execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' }), /Pages:\s+1\n/);
    assert.match(execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' }), /Gonzalez/);
    const extracted = events().find((e) => e.event === 'fax.extracted');
    assert.equal(extracted.faxId, body.faxId);
    assert.equal(extracted.partial, true);
    assert.match(extracted.extractedData.allergies, /penicillin/);
  } finally {
    db.close();
  }
});
