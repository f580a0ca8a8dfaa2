import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OcrPool } from '../../src/ocr/ocr-pool.ts';
import type { OcrPage } from '../../src/ocr/ocr-result.ts';
import { characterErrorRate } from '../fixtures/character-error-rate.ts';
import { FAX_DOCUMENTS, type FaxFixture, makeFaxFixture } from '../fixtures/fax-documents.ts';

// The same document faxed at fine (204×196 dpi) and standard (204×98) resolution, with line noise,
// read by the default engine and by tesseract.js, the fallback that must keep working.
describe('OCR engines at fine and standard resolution', () => {
  let native: OcrPool;
  let js: OcrPool;
  let fine: FaxFixture;
  let standard: FaxFixture;
  const read: Record<string, OcrPage> = {};

  before(async () => {
    native = new OcrPool({ threads: 1 });
    js = new OcrPool({ threads: 1, engine: 'tesseract.js' });
    const doc = FAX_DOCUMENTS[1];
    fine = await makeFaxFixture(doc, { resolution: 'fine', speckle: 0.0005, seed: 7 });
    standard = await makeFaxFixture(doc, { resolution: 'standard', speckle: 0.0005, seed: 7 });
    read.fine = await native.recognize({ page: 1, ...fine.page });
    read.standard = await native.recognize({ page: 1, ...standard.page });
    read.js = await js.recognize({ page: 1, ...standard.page });
  });
  after(() => Promise.all([native.close(), js.close()]));

  const cer = (truth: FaxFixture, page: OcrPage) => characterErrorRate(truth.text, page.text).cer;

  it('reads a standard-resolution page within a point of the fine one', () => {
    assert.ok(cer(fine, read.fine) <= 0.02, `fine CER ${cer(fine, read.fine)}`);
    assert.ok(
      cer(standard, read.standard) <= cer(fine, read.fine) + 0.01,
      `standard ${cer(standard, read.standard)}, fine ${cer(fine, read.fine)}`,
    );
    // Boxes are on the page as received: at standard resolution, half as far down in pixels.
    const tallest = (p: OcrPage) => Math.max(...p.words.map((w) => w.bbox.y1));
    const ratio = tallest(read.fine) / tallest(read.standard);
    assert.ok(Math.abs(ratio - 2) < 0.1, `lowest word at ${ratio.toFixed(2)}× the standard page's`);
  });

  it('reads the standard page with tesseract.js, the fallback engine, as well', () => {
    assert.equal(read.js.engine, 'tesseract.js');
    assert.equal(read.standard.engine, 'native');
    assert.ok(cer(standard, read.js) <= 0.03, `tesseract.js CER ${cer(standard, read.js)}`);
    assert.ok(read.js.lines?.length, 'lines in reading order');
  });
});
