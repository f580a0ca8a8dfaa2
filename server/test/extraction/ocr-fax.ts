// Test set-up for extraction through the appliance: a partner with a number and a webhook receiver, and
// an inbound fax whose OCR is already stored (as the pipeline leaves it) with a schema snapshot.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CorpusDocument, renderCorpusPdf } from '../../../scripts/fixtures/corpus/corpus.ts';
import { encodeFaxTiff, rasterisePdf } from '../../src/documents/fax-raster.ts';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import type { OcrPage } from '../../src/ocr/ocr-result.ts';
import { newId } from '../../src/storage/ids.ts';
import type { TestAppliance } from '../support/test-appliance.ts';
import type { ReceivedWebhook } from '../webhooks/receiver.ts';

export interface TestPartner {
  partnerId: string;
  apiKey: string;
  numberId: string;
  shadowUserId: string;
  number: string;
}

export async function partnerWithNumber(
  app: TestAppliance,
  settings: { webhookUrl?: string; extractionSchema?: ExtractionSchema } = {},
  externalUserId = 'dr-jones',
): Promise<TestPartner> {
  const { partnerId, apiKey } = await app.onboardPartner();
  const created = await app.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId, tier: 'business' },
  });
  assert.equal(created.status, 201, created.text);
  if (Object.keys(settings).length) {
    const patched = await app.call('PATCH', '/api/partner/settings', { key: apiKey, body: settings });
    assert.equal(patched.status, 200, patched.text);
  }
  const row = app.services.db
    .prepare('SELECT shadow_user_id FROM numbers WHERE id = ?')
    .get(created.body.id) as { shadow_user_id: string };
  return {
    partnerId,
    apiKey,
    numberId: created.body.id,
    shadowUserId: row.shadow_user_id,
    number: created.body.number,
  };
}

/** An inbound fax after OCR: pages with text and word boxes, `schema` as its snapshot (null: none). */
export function insertOcrFax(
  app: TestAppliance,
  partner: TestPartner,
  pages: OcrPage[],
  schema: ExtractionSchema | null,
  options: { ocrStatus?: 'done' | 'pending' } = {},
): string {
  const id = newId('fax');
  const now = app.services.clock.now().toISOString();
  const db = app.services.db;
  db.transaction(() => {
    db.prepare(
      `INSERT INTO faxes (id, partner_id, number_id, shadow_user_id, direction, status, from_number, to_number,
         pages, ocr_status, ocr_text, extraction_schema, created_at)
       VALUES (?, ?, ?, ?, 'inbound', 'received', '+15035550126', ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      partner.partnerId,
      partner.numberId,
      partner.shadowUserId,
      partner.number,
      pages.length,
      options.ocrStatus ?? 'done',
      pages.map((p) => p.text.trim()).join('\n\n'),
      schema ? JSON.stringify(schema) : null,
      now,
    );
    for (const p of pages) {
      db.prepare(
        `INSERT INTO fax_pages (fax_id, page, width, height, x_resolution, y_resolution, ocr_text, ocr_confidence, ocr_words)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        p.page,
        p.width,
        p.height,
        p.xResolution,
        p.yResolution,
        p.text,
        p.confidence,
        JSON.stringify(p.words),
      );
    }
  })();
  return id;
}

/** A corpus document rendered to fax pages and committed as a finished inbound call (pipeline input). */
export async function receiveCorpusFax(
  app: TestAppliance,
  partner: TestPartner,
  doc: CorpusDocument,
): Promise<string> {
  const faxId = newId('fax');
  const tiffPath = join(app.dataDir, `${faxId}.tif`);
  writeFileSync(tiffPath, await encodeFaxTiff(await rasterisePdf(await renderCorpusPdf(doc))));
  const completedAt = new Date();
  await app.services.intake.commit({
    faxId,
    callId: `call-${faxId}`,
    trunkId: app.services.trunks.list()[0].id,
    number: app.services.numbers.byId(partner.numberId)!,
    from: '+15035550126',
    to: partner.number,
    transport: 't38',
    rxTiffPath: tiffPath,
    t30Code: 0,
    t30Text: 'OK',
    pagesReceived: doc.pages.length,
    remoteStationId: null,
    bitRate: 14400,
    ecm: true,
    startedAt: new Date(completedAt.getTime() - 30_000),
    completedAt,
  });
  return faxId;
}

export function eventsFor(received: ReceivedWebhook[], faxId: string, event: string): Record<string, any>[] {
  return received.map((r) => JSON.parse(r.body)).filter((b) => b.faxId === faxId && b.event === event);
}

/** Waits until the queue has no live `fax.extract` job left (done or failed). */
export async function extractJobsSettled(app: TestAppliance, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = app.services.db
      .prepare(
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'fax.extract' AND status IN ('queued', 'running')",
      )
      .get() as { n: number };
    if (live.n === 0) return;
    if (Date.now() > deadline) throw new Error('fax.extract jobs still live');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function storedExtraction(app: TestAppliance, faxId: string) {
  const row = app.services.db
    .prepare('SELECT extraction_status, extracted_data, extraction_evidence FROM faxes WHERE id = ?')
    .get(faxId) as {
    extraction_status: string;
    extracted_data: string | null;
    extraction_evidence: string | null;
  };
  return {
    status: row.extraction_status,
    data: row.extracted_data ? JSON.parse(row.extracted_data) : null,
    evidence: row.extraction_evidence ? JSON.parse(row.extraction_evidence) : null,
  };
}
