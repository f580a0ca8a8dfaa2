// Test set-up for extraction through the appliance: a partner with a number and a webhook receiver, and
// an inbound fax whose OCR is already stored (as the pipeline leaves it) with a schema snapshot.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CorpusDocument, renderCorpusPdf } from '../../../scripts/fixtures/corpus/corpus.ts';
import type { Config } from '../../src/config/config.ts';
import { encodeFaxTiff, rasterisePdf } from '../../src/documents/fax-raster.ts';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import type { OcrPage } from '../../src/ocr/ocr-result.ts';
import { newId } from '../../src/storage/ids.ts';
import { storedInboundFax } from '../pipeline/inbound-fax.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { type ReceivedWebhook, type Receiver, startReceiver } from '../webhooks/receiver.ts';

export interface TestPartner {
  partnerId: string;
  apiKey: string;
  numberId: string;
  shadowUserId: string;
  number: string;
}

/** A webhook receiver on loopback and an appliance allowed to post to it; `close` stops both. */
export async function startWithReceiver(overrides: Partial<Config> = {}) {
  const receiver: Receiver = await startReceiver();
  const app = await startTestAppliance({ urlAllowlist: ['127.0.0.1'], ...overrides });
  return {
    app,
    receiver,
    async close() {
      await app.shutdown();
      await receiver.close();
    },
  };
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
  return {
    partnerId,
    apiKey,
    numberId: created.body.id,
    shadowUserId: app.services.numbers.byId(created.body.id)!.shadowUserId,
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
  const now = app.services.clock.now().toISOString();
  const { db, faxes, numbers } = app.services;
  const fax = storedInboundFax(numbers.byId(partner.numberId)!, pages.length, {
    from: '+15035550126',
    to: partner.number,
    extractionSchema: schema,
    createdAt: now,
  });
  db.transaction(() => {
    faxes.insertInbound(
      fax,
      pages.map((p) => ({
        faxId: fax.id,
        page: p.page,
        width: p.width,
        height: p.height,
        xResolution: p.xResolution,
        yResolution: p.yResolution,
        imageBlob: null,
      })),
    );
    if ((options.ocrStatus ?? 'done') === 'done') {
      const text = pages.map((p) => p.text.trim()).join('\n\n');
      const confidence = pages.reduce((sum, p) => sum + p.confidence, 0) / Math.max(1, pages.length);
      // No PDF: extraction never reads it.
      faxes.saveOcr(fax.id, { pages, text, confidence, status: 'done' }, null, null, now);
    }
  })();
  return fax.id;
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
    const live = app.services.jobs
      .stats()
      .filter((s) => s.kind === 'fax.extract' && (s.status === 'queued' || s.status === 'running'));
    if (live.length === 0) return;
    if (Date.now() > deadline) throw new Error('fax.extract jobs still live');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function storedExtraction(app: TestAppliance, faxId: string) {
  const fax = app.services.faxes.get(faxId)!;
  return {
    status: fax.extractionStatus,
    data: fax.extractedData,
    evidence: fax.evidence as Record<string, any>,
  };
}
