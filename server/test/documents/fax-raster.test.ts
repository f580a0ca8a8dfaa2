import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { countBlack, diffPixels } from '../../src/documents/bitmap.ts';
import {
  decodeFaxTiff,
  encodeFaxTiff,
  FaxRasterError,
  rasterisePdf,
} from '../../src/documents/fax-raster.ts';
import { readTiff } from '../../src/documents/tiff.ts';
import { FAX_DOCUMENTS, makeFaxFixture } from '../fixtures/fax-documents.ts';
import { makeTiffVariants } from '../fixtures/tiff-files.ts';

async function numberedPdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    // Page i has i black bars, so page order can be checked from the pixels.
    const page = doc.addPage([612, 792]);
    for (let k = 0; k < i; k++) page.drawRectangle({ x: 72 + k * 40, y: 600, width: 20, height: 100 });
    page.drawText(`Page ${i}`, { x: 72, y: 500, size: 12, font });
  }
  return doc.save();
}

const rejection = (code: string) => (err: unknown) => err instanceof FaxRasterError && err.code === code;

describe('rasterisePdf', () => {
  it('renders fine and standard pages 1728 pixels wide, in page order', async () => {
    const pdf = await numberedPdf(11); // two-digit page numbers: file names must still sort
    const fine = await rasterisePdf(pdf);
    assert.equal(fine.length, 11);
    for (const p of fine)
      assert.deepEqual(
        [p.bitmap.width, p.bitmap.height, p.xResolution, p.yResolution],
        [1728, 2156, 204, 196],
      );
    const bars = fine.map((p) => countBlack(p.bitmap));
    for (let i = 1; i < bars.length; i++) assert.ok(bars[i] > bars[i - 1], 'each page has one more bar');

    const [standard] = await rasterisePdf(pdf, { resolution: 'standard', maxPages: 11 });
    assert.deepEqual([standard.bitmap.width, standard.bitmap.height, standard.yResolution], [1728, 1078, 98]);
  });

  it('refuses oversized, overlong and broken documents', async () => {
    const pdf = await numberedPdf(3);
    await assert.rejects(rasterisePdf(pdf, { maxPages: 2 }), rejection('too-many-pages'));
    await assert.rejects(rasterisePdf(pdf, { maxBytes: 100 }), rejection('too-large'));
    await assert.rejects(
      rasterisePdf(new TextEncoder().encode('%PDF-1.4 garbage')),
      rejection('invalid-pdf'),
    );
  });
});

describe('encodeFaxTiff / decodeFaxTiff', () => {
  it('round-trips pages through T.6 losslessly, with their resolution', async () => {
    const a = (await makeFaxFixture(FAX_DOCUMENTS[0], { resolution: 'fine', speckle: 0.001 })).page;
    const b = (await makeFaxFixture(FAX_DOCUMENTS[1], { resolution: 'standard' })).page;
    const tiff = await encodeFaxTiff([a, b]);
    const pages = readTiff(tiff);
    assert.deepEqual(
      pages.map((p) => [p.compression, p.fillOrder, p.strips.length, p.yResolution]),
      [
        [4, 1, 1, 196],
        [4, 1, 1, 98],
      ],
    );
    const [da, db] = await decodeFaxTiff(tiff);
    assert.equal(diffPixels(da.bitmap, a.bitmap), 0);
    assert.equal(diffPixels(db.bitmap, b.bitmap), 0);
    assert.deepEqual([db.xResolution, db.yResolution], [204, 98]);
  });

  it('decodes what spandsp writes: LSB-first T.6, and T.4 2-D', async () => {
    const { page } = await makeFaxFixture(FAX_DOCUMENTS[2], { resolution: 'fine' });
    const files = await makeTiffVariants(page);
    for (const file of [files.lsbFirst, files.t4, files.strips]) {
      const [decoded] = await decodeFaxTiff(file);
      assert.equal(diffPixels(decoded.bitmap, page.bitmap), 0);
    }
    await assert.rejects(decodeFaxTiff(new Uint8Array(16)), rejection('invalid-tiff'));
  });
});
