// The whole inbound path on loopback: the fax simulator faxes a generated document to the appliance
// over SIP + T.38 in real time → intake → OCR → fax.received at a local webhook receiver carrying the
// document's words → its signed pdfUrl downloads a PDF whose text layer holds those words → then
// fax.extracted with data shaped exactly like the partner's schema.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';
import { documentPages, localUrl, partnerWithNumber } from './inbound-fax.ts';

let app: TestAppliance;
let receiver: Receiver;
let simulator: FaxSimulator;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-sip-e2e-'));

before(async () => {
  receiver = await startReceiver();
  app = await startTestAppliance({ urlAllowlist: ['127.0.0.1'] });
  simulator = await FaxSimulator.start();
});
after(async () => {
  await simulator?.stop();
  await app?.shutdown();
  await receiver?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const schema = {
  allergies: { type: 'string' },
  insuranceId: { type: 'string', description: 'Member or policy id' },
  provider: { type: 'object', properties: { name: { type: 'string' }, fax: { type: 'string' } } },
  medications: { type: 'array', items: { type: 'string' } },
};

test('a document faxed over SIP arrives as fax.received with its words, its PDF is searchable, then fax.extracted follows', {
  timeout: 240_000,
}, async () => {
  const { number } = await partnerWithNumber(app, 'dr-whitfield', {
    webhookUrl: receiver.url,
    extractionSchema: schema,
  });
  const tiffPath = path.join(scratch, 'referral.tif');
  writeFaxTiff(tiffPath, await documentPages(1));
  const sent = await simulator.send({
    mode: 't38',
    to: number.number,
    from: '+12175550142',
    target: { host: '127.0.0.1', port: app.sipPort },
    tiffPath,
  });
  assert.ok(sent.answered, `${sent.sipStatus} ${sent.sipReason}`);
  assert.equal(sent.fax?.ok, true, sent.fax?.text);

  await receiver.waitFor((got) => got.some((w) => JSON.parse(w.body).event === 'fax.received'), 120_000);
  const body = JSON.parse(receiver.received.find((w) => JSON.parse(w.body).event === 'fax.received')!.body);
  assert.equal(body.externalUserId, 'dr-whitfield');
  assert.equal(body.from, '+12175550142');
  assert.equal(body.to, number.number);
  assert.equal(body.pages, 1);
  for (const word of ['REFERRAL', 'Gonzalez', 'Cardiology', 'penicillin'])
    assert.ok(body.ocrText.includes(word), `ocrText has "${word}"`);

  const pdf = await fetch(localUrl(app, body.pdfUrl));
  assert.equal(pdf.status, 200);
  const file = path.join(scratch, 'received.pdf');
  writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
  const layer = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  for (const word of ['Gonzalez', 'Cardiology', 'penicillin'])
    assert.ok(layer.includes(word), `PDF text has "${word}"`);

  const events = () => receiver.received.map((w) => JSON.parse(w.body));
  await receiver.waitFor(() => events().some((e) => e.event === 'fax.extracted'), 60_000);
  const order = events().map((e) => e.event);
  assert.ok(order.indexOf('fax.received') < order.indexOf('fax.extracted'), order.join(', '));
  const extracted = events().find((e) => e.event === 'fax.extracted');
  assert.equal(extracted.faxId, body.faxId);
  assert.deepEqual(Object.keys(extracted.extractedData).sort(), [
    'allergies',
    'insuranceId',
    'medications',
    'provider',
  ]);
  assert.deepEqual(Object.keys(extracted.extractedData.provider).sort(), ['fax', 'name']);
  assert.match(extracted.extractedData.allergies, /penicillin/);
  assert.equal(extracted.extractedData.insuranceId, null, 'nothing on the page supports an insurance id');
  assert.equal(extracted.evidence.allergies.page, 1);
});
