// Test support for the inbound pipeline: a partner with a number and a webhook receiver, and faxes
// committed exactly as a finished call commits them — generated documents rendered to fax pages,
// written to a TIFF by the spandsp addon, handed to services.intake.commit.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type FaxPage, writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import type { NewInboundFax } from '../../src/faxes/fax-repository.ts';
import type { FaxNumberRecord } from '../../src/numbers/number-repository.ts';
import type { Services } from '../../src/services.ts';
import { newId } from '../../src/storage/ids.ts';
import { FAX_DOCUMENTS, type FaxFixtureOptions, makeFaxFixture } from '../fixtures/fax-documents.ts';
import type { TestAppliance } from '../support/test-appliance.ts';

/** The generated documents (referral letter, lab result, invoice) as fax pages, in that order, cycled. */
export async function documentPages(count: number, options: FaxFixtureOptions = {}): Promise<FaxPage[]> {
  const pages: FaxPage[] = [];
  for (let i = 0; i < count; i++) {
    const { page } = await makeFaxFixture(FAX_DOCUMENTS[i % FAX_DOCUMENTS.length], {
      seed: i + 1,
      ...options,
    });
    pages.push({
      width: page.bitmap.width,
      height: page.bitmap.height,
      xResolution: page.xResolution,
      yResolution: page.yResolution,
      bitmap: page.bitmap.data,
    });
  }
  return pages;
}

export interface PartnerWithNumber {
  partnerId: string;
  apiKey: string;
  number: FaxNumberRecord;
}

export async function partnerWithNumber(
  app: TestAppliance,
  externalUserId: string,
  settings: Record<string, unknown> = {},
): Promise<PartnerWithNumber> {
  const { partnerId, apiKey } = await app.onboardPartner();
  await addNumber(app, apiKey, externalUserId);
  if (Object.keys(settings).length > 0)
    await app.call('PATCH', '/api/partner/settings', { key: apiKey, body: settings });
  return { partnerId, apiKey, number: app.services.numbers.activeFor(partnerId, externalUserId)! };
}

export async function addNumber(app: TestAppliance, apiKey: string, externalUserId: string): Promise<void> {
  const res = await app.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId, tier: 'personal' },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`provisioning failed: ${res.text}`);
}

/** Commits a received fax of `pages` to `number` through the real intake; returns the fax id. */
export async function commitInboundFax(
  services: Services,
  number: FaxNumberRecord,
  pages: FaxPage[],
  from = '+16175550123',
): Promise<string> {
  const spool = mkdtempSync(path.join(os.tmpdir(), 'faxseal-rx-'));
  try {
    const rxTiffPath = path.join(spool, 'rx.tif');
    writeFaxTiff(rxTiffPath, pages);
    const faxId = newId('fax');
    const completedAt = services.clock.now();
    await services.intake.commit({
      faxId,
      callId: `call-${faxId}`,
      trunkId: services.trunks.list().find((t) => t.name === 'lab')!.id,
      number,
      from,
      to: number.number,
      transport: 't38',
      rxTiffPath,
      t30Code: 0,
      t30Text: 'OK',
      pagesReceived: pages.length,
      remoteStationId: from,
      bitRate: 14400,
      ecm: true,
      startedAt: new Date(completedAt.getTime() - 30_000),
      completedAt,
    });
    return faxId;
  } finally {
    rmSync(spool, { recursive: true, force: true });
  }
}

/** A signed link as the test can fetch it: the appliance's public URL has port 0 under test. */
export function localUrl(app: { httpUrl: string }, signedUrl: string): string {
  const u = new URL(signedUrl);
  return app.httpUrl + u.pathname + u.search;
}

/** A stored inbound fax of `pages` pages to `number` with nothing else recorded; `fields` add to it. */
export function storedInboundFax(
  number: FaxNumberRecord,
  pages: number,
  fields: Partial<NewInboundFax> = {},
): NewInboundFax {
  return {
    id: newId('fax'),
    partnerId: number.partnerId,
    numberId: number.id,
    shadowUserId: number.shadowUserId,
    status: 'received',
    from: null,
    to: null,
    callId: null,
    trunkId: null,
    transport: null,
    pages,
    remoteStationId: null,
    bitRate: null,
    ecm: null,
    resolution: null,
    t30Code: null,
    t30Text: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    overage: false,
    pdfBlob: null,
    purgeAt: null,
    extractionSchema: null,
    createdAt: new Date().toISOString(),
    ...fields,
  };
}
