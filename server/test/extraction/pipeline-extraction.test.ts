// Extraction behind the real inbound pipeline: a corpus invoice rendered to fax pages is committed as a
// received call, OCR'd by the pipeline (tesseract), announced as fax.received, then fax.extracted follows
// with data shaped like the partner's schema — through the outbox, at a local webhook receiver.

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { buildCorpus } from '../../../scripts/fixtures/corpus/corpus.ts';
import { type ExtractionSchema, itemsOf, type SchemaField } from '../../src/extraction/extraction-schema.ts';
import type { TestAppliance } from '../support/test-appliance.ts';
import type { Receiver } from '../webhooks/receiver.ts';
import { eventsFor, partnerWithNumber, receiveCorpusFax, startWithReceiver } from './ocr-fax.ts';

const invoice = buildCorpus().find((d) => d.id === 'vendor-invoice-0')!;

let app: TestAppliance;
let receiver: Receiver;
let close: () => Promise<void>;

before(async () => {
  ({ app, receiver, close } = await startWithReceiver({
    extractionProvider: 'rules',
    ocrPoolSize: 1,
  }));
});
after(() => close());

it('fax.received, then fax.extracted shaped like the schema, for a fax through the pipeline', async () => {
  const partner = await partnerWithNumber(app, {
    webhookUrl: receiver.url,
    extractionSchema: invoice.schema,
  });
  const faxId = await receiveCorpusFax(app, partner, invoice);

  await receiver.waitFor((r) => eventsFor(r, faxId, 'fax.extracted').length === 1, 120_000);
  const events = receiver.received.map((r) => JSON.parse(r.body)).filter((b) => b.faxId === faxId);
  assert.deepEqual(
    events.map((e) => e.event),
    ['fax.received', 'fax.extracted'],
  );
  const [received, extracted] = events;
  assert.ok(extracted.createdAt >= received.createdAt);
  assert.equal(extracted.ocrText, received.ocrText);
  // Exactly the schema's shape whatever OCR read; the invoice number survives fax-quality OCR.
  assertShape(invoice.schema, extracted.extractedData);
  assert.equal(extracted.extractedData.invoiceNumber, invoice.truth.invoiceNumber);
  assert.equal(extracted.evidence.invoiceNumber.page, 1);
  assert.equal(extracted.evidence.invoiceNumber.span.text, invoice.truth.invoiceNumber);
});

/** `value` has exactly the schema's members at every level; leaves are null or of their type. */
function assertShape(schema: ExtractionSchema, value: unknown, path = ''): void {
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${path || '/'} is an object`);
  assert.deepEqual(Object.keys(value).sort(), Object.keys(schema).sort(), `${path || '/'} members`);
  for (const [name, field] of Object.entries(schema))
    assertField(field, (value as any)[name], `${path}/${name}`);
}

function assertField(field: SchemaField, value: unknown, path: string): void {
  if (field.type === 'object') assertShape(field.properties ?? {}, value, path);
  else if (field.type === 'array') {
    if (value === null) return;
    assert.ok(Array.isArray(value) && value.length > 0, `${path} is null or a non-empty array`);
    for (const [i, v] of value.entries()) assertField(itemsOf(field), v, `${path}/${i}`);
  } else if (value !== null) assert.equal(typeof value, field.type, path);
}
