// The `fax.extract` job through a real appliance with `rules`: a two-page fax (cover + corpus invoice) with
// its OCR and schema snapshot → fax.extracted at a webhook receiver shaped exactly like a nested schema
// with nulls, evidence pointing at the text; idempotent re-runs; re-extract after a schema change.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildCorpus, textToOcrPages } from '../../../scripts/fixtures/corpus/corpus.ts';
import { enqueueExtraction, FAX_EXTRACT_JOB } from '../../src/extraction/extract-job.ts';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { expectProblem, type TestAppliance } from '../support/test-appliance.ts';
import type { Receiver } from '../webhooks/receiver.ts';
import {
  eventsFor,
  extractJobsSettled,
  insertOcrFax,
  partnerWithNumber,
  startWithReceiver,
  storedExtraction,
  type TestPartner,
} from './ocr-fax.ts';

const invoice = buildCorpus().find((d) => d.id === 'vendor-invoice-1')!;
const COVER = 'FAX COVER SHEET\nTo: Accounts Payable\nPages: 2 including cover';
const pages = textToOcrPages([COVER, invoice.pages[0]]);

// The corpus schema, plus a nested object holding an array of objects that the fax does not answer.
const schema: ExtractionSchema = {
  ...invoice.schema,
  remittance: {
    type: 'object',
    properties: {
      bankName: { type: 'string' },
      accounts: {
        type: 'array',
        items: { type: 'object', properties: { routing: { type: 'string' }, last4: { type: 'string' } } },
      },
      contact: { type: 'object', properties: { phone: { type: 'string' }, email: { type: 'string' } } },
    },
  },
  approvals: { type: 'array', items: { type: 'string' } },
};
const expected = {
  ...invoice.truth,
  remittance: { bankName: null, accounts: null, contact: { phone: null, email: null } },
  approvals: null,
};

describe('fax.extract with rules', () => {
  let app: TestAppliance;
  let receiver: Receiver;
  let partner: TestPartner;
  let close: () => Promise<void>;

  before(async () => {
    ({ app, receiver, close } = await startWithReceiver({
      webhookRetrySchedule: [0.05],
      extractionProvider: 'rules',
    }));
    partner = await partnerWithNumber(app, { webhookUrl: receiver.url, extractionSchema: schema });
  });
  after(() => close());

  it('delivers fax.extracted shaped exactly like the schema, with evidence on the right page and text', async () => {
    const faxId = insertOcrFax(app, partner, pages, schema);
    enqueueExtraction(app.services, faxId);
    await receiver.waitFor((r) => eventsFor(r, faxId, 'fax.extracted').length === 1);
    const [body] = eventsFor(receiver.received, faxId, 'fax.extracted');

    assert.deepEqual(body.extractedData, expected);
    assert.equal(body.externalUserId, 'dr-jones');
    assert.equal(body.pages, 2);
    assert.equal(body.to, partner.number);
    assert.match(
      body.pdfUrl,
      new RegExp(`/files/faxes/${faxId}\\.pdf\\?expires=\\d+&for=webhook&sig=[0-9a-f]{64}$`),
      'the link names who it was issued to',
    );
    assert.ok(body.ocrText.includes('INV-33138'));

    // Every value has evidence; every span is the text at its offsets on its page, inside its box.
    const paths = Object.keys(body.evidence);
    assert.ok(paths.includes('invoiceNumber') && paths.includes('lineItems[2].amount'), paths.join());
    assert.ok(!paths.some((p) => p.startsWith('remittance') || p.startsWith('approvals')));
    for (const [path, ev] of Object.entries<any>(body.evidence)) {
      const page = pages[ev.page - 1];
      assert.equal(page.text.slice(ev.span.start, ev.span.end), ev.span.text, path);
      assert.ok(ev.confidence > 0 && ev.confidence <= 1, path);
      assert.ok(ev.bbox && ev.bbox.x1 > ev.bbox.x0 && ev.bbox.y1 > ev.bbox.y0, path);
    }
    assert.deepEqual(
      { page: body.evidence.invoiceNumber.page, text: body.evidence.invoiceNumber.span.text },
      { page: 2, text: 'INV-33138' },
    );
    assert.equal(body.evidence['lineItems[1].description'].span.text, 'Paper towels, case');
    assert.equal(body.evidence.invoiceDate.span.text, 'April 9, 2025');
    // The box of "INV-33138" is the word box OCR gave for it.
    const word = pages[1].words.find((w) => w.text === 'INV-33138')!;
    assert.deepEqual(body.evidence.invoiceNumber.bbox, word.bbox);

    const stored = storedExtraction(app, faxId);
    assert.equal(stored.status, 'done');
    assert.deepEqual(stored.data, expected);
    assert.equal(stored.evidence.provider, 'rules');
    assert.equal(stored.evidence.fallback, null);
    assert.deepEqual(stored.evidence.fields, body.evidence);
  });

  it('is idempotent: a second run of the job sends nothing more', async () => {
    const faxId = insertOcrFax(app, partner, pages, schema);
    enqueueExtraction(app.services, faxId);
    await receiver.waitFor((r) => eventsFor(r, faxId, 'fax.extracted').length === 1);
    // At-least-once delivery of the job itself: run it again (another row, same fax).
    app.services.jobs.enqueue(FAX_EXTRACT_JOB, { faxId });
    assert.equal(enqueueExtraction(app.services, faxId), enqueueExtraction(app.services, faxId));
    await extractJobsSettled(app);
    const events = app.services.webhooks.deliveries.eventsOfFax(faxId);
    assert.equal(events.filter((e) => e.event === 'fax.extracted').length, 1);
  });

  it('skips a fax without a schema snapshot: no event, status skipped', async () => {
    const faxId = insertOcrFax(app, partner, pages, null);
    enqueueExtraction(app.services, faxId);
    await extractJobsSettled(app);
    assert.equal(storedExtraction(app, faxId).status, 'skipped');
    assert.equal(eventsFor(receiver.received, faxId, 'fax.extracted').length, 0);
  });

  it('re-extract after a schema change answers with the new shape', async () => {
    const faxId = insertOcrFax(app, partner, pages, schema);
    enqueueExtraction(app.services, faxId);
    await receiver.waitFor((r) => eventsFor(r, faxId, 'fax.extracted').length === 1);

    const newSchema: ExtractionSchema = {
      invoice: {
        type: 'object',
        properties: { number: { type: 'string', description: 'Invoice number' }, total: { type: 'number' } },
      },
      vendorName: { type: 'string', description: 'printed as "Vendor" or "Remit To"' },
      lineItems: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            description: { type: 'string', description: 'printed as "Description" or "Item"' },
            amount: { type: 'number' },
          },
        },
      },
      customerSignature: { type: 'boolean' },
    };
    const patched = await app.call('PATCH', '/api/partner/settings', {
      key: partner.apiKey,
      body: { extractionSchema: newSchema },
    });
    assert.equal(patched.status, 200, patched.text);
    const res = await app.call('POST', `/api/partner/faxes/${faxId}/re-extract`, { key: partner.apiKey });
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.body, { faxId, extractionStatus: 'pending', extractionSchema: newSchema });

    await receiver.waitFor((r) => eventsFor(r, faxId, 'fax.extracted').length === 2);
    const [first, second] = eventsFor(receiver.received, faxId, 'fax.extracted');
    assert.notEqual(first.id, second.id);
    assert.deepEqual(second.extractedData, {
      invoice: { number: 'INV-33138', total: 3505.55 },
      vendorName: 'Tri-County Plumbing',
      lineItems: (invoice.truth.lineItems as { description: string; amount: number }[]).map(
        ({ description, amount }) => ({ description, amount }),
      ),
      customerSignature: null,
    });
    assert.equal(second.evidence['invoice.number'].span.text, 'INV-33138');
    assert.deepEqual(storedExtraction(app, faxId).data, second.extractedData);

    // Back to the first schema: the fax answers in that shape again.
    await app.call('PATCH', '/api/partner/settings', {
      key: partner.apiKey,
      body: { extractionSchema: schema },
    });
  });

  it('re-extract refuses another partner’s fax (404), a purged fax and one without OCR (409)', async () => {
    const faxId = insertOcrFax(app, partner, pages, schema);
    const other = await partnerWithNumber(app, { extractionSchema: schema }, 'someone');
    expectProblem(
      await app.call('POST', `/api/partner/faxes/${faxId}/re-extract`, { key: other.apiKey }),
      404,
      'fax_not_found',
    );
    expectProblem(
      await app.call('POST', '/api/partner/faxes/fax_nonexistent/re-extract', { key: partner.apiKey }),
      404,
      'fax_not_found',
    );
    const pending = insertOcrFax(app, partner, pages, schema, { ocrStatus: 'pending' });
    expectProblem(
      await app.call('POST', `/api/partner/faxes/${pending}/re-extract`, { key: partner.apiKey }),
      409,
      'ocr_not_ready',
    );
    app.services.faxes.tombstone(app.services.faxes.get(faxId)!, new Date().toISOString());
    expectProblem(
      await app.call('POST', `/api/partner/faxes/${faxId}/re-extract`, { key: partner.apiKey }),
      409,
      'fax_purged',
    );
    const noSchema = await partnerWithNumber(app, {}, 'nobody');
    const theirs = insertOcrFax(app, noSchema, pages, null);
    expectProblem(
      await app.call('POST', `/api/partner/faxes/${theirs}/re-extract`, { key: noSchema.apiKey }),
      409,
      'extraction_schema_not_set',
    );
    expectProblem(await app.call('POST', `/api/partner/faxes/${faxId}/re-extract`), 401, 'unauthorized');
  });
});

describe('fax.extract when the configured provider fails', () => {
  let app: TestAppliance;
  let receiver: Receiver;
  let close: () => Promise<void>;

  before(async () => {
    ({ app, receiver, close } = await startWithReceiver({
      extractionProvider: 'llama',
      llamaModel: 'not-here.gguf',
      llamaThreads: 1,
    }));
  });
  after(() => close());

  it('falls back to rules, delivers fax.extracted and records the fallback', async () => {
    const partner = await partnerWithNumber(app, { webhookUrl: receiver.url, extractionSchema: schema });
    const faxId = insertOcrFax(app, partner, pages, schema);
    enqueueExtraction(app.services, faxId);
    await receiver.waitFor((r) => eventsFor(r, faxId, 'fax.extracted').length === 1);
    assert.deepEqual(eventsFor(receiver.received, faxId, 'fax.extracted')[0].extractedData, expected);
    const stored = storedExtraction(app, faxId);
    assert.equal(stored.evidence.provider, 'rules');
    assert.deepEqual(stored.evidence.fallback, { from: 'llama', code: 'model_unavailable' });
  });
});
