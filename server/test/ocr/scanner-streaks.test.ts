import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  type Bitmap,
  cloneBitmap,
  countBlack,
  createBitmap,
  getPixel,
  setPixel,
} from '../../src/documents/bitmap.ts';
import { OcrPool } from '../../src/ocr/ocr-pool.ts';
import { repairScannerStreaks } from '../../src/ocr/scanner-streaks.ts';
import { characterErrorRate } from '../fixtures/character-error-rate.ts';
import { FAX_DOCUMENTS, makeFaxFixture } from '../fixtures/fax-documents.ts';

/** Draws what dirt (black) or a dead sensor element (white) leaves: `width` columns, every row. */
function streak(b: Bitmap, x: number, width: number, value: 0 | 1): void {
  for (let y = 0; y < b.height; y++) for (let dx = 0; dx < width; dx++) setPixel(b, x + dx, y, value);
}

function fill(b: Bitmap, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) setPixel(b, x, y, 1);
}

describe('repairScannerStreaks', () => {
  it('erases a black streak except where strokes cross it, and fills a white one where it cut strokes', () => {
    const page = createBitmap(400, 300);
    fill(page, 100, 50, 200, 54); // a horizontal stroke the black streak will cross
    fill(page, 250, 80, 320, 84); // one the white streak will cut
    fill(page, 60, 10, 64, 290); // a tall printed rule: not full height, kept
    const clean = cloneBitmap(page);
    streak(page, 150, 2, 1);
    streak(page, 280, 2, 0);
    // A white streak only shows where there was ink: this page needs rows of strokes across it.
    for (let y = 100; y < 280; y += 6) {
      fill(page, 270, y, 280, y + 2);
      fill(page, 282, y, 290, y + 2);
      fill(clean, 270, y, 290, y + 2);
    }

    const { bitmap, streaks } = repairScannerStreaks(page);
    assert.deepEqual(streaks, [
      { kind: 'black', x0: 150, x1: 152 },
      { kind: 'white', x0: 280, x1: 282 },
    ]);
    assert.equal(getPixel(bitmap, 150, 20), 0, 'streak erased above the stroke');
    assert.equal(getPixel(bitmap, 151, 52), 1, 'the crossing stroke keeps its pixels');
    assert.equal(getPixel(bitmap, 281, 82), 1, 'the cut stroke is joined again');
    assert.equal(getPixel(bitmap, 281, 90), 0, 'the white streak is not filled between strokes');
    assert.equal(countBlack(bitmap), countBlack(clean), 'the page is as printed');
    assert.equal(getPixel(page, 150, 20), 1, 'input untouched');
  });

  it('erases an edge shadow and leaves a clean page as it is', () => {
    const page = createBitmap(400, 300);
    fill(page, 100, 50, 200, 54);
    assert.equal(repairScannerStreaks(page).bitmap, page);
    fill(page, 0, 0, 12, 300);
    const { bitmap, streaks } = repairScannerStreaks(page);
    assert.deepEqual(streaks, [{ kind: 'black', x0: 0, x1: 12 }]);
    assert.equal(countBlack(bitmap), 100 * 4);
  });
});

describe('OCR through scanner streaks', () => {
  const pool = new OcrPool({ threads: 1 });
  const unrepairedPool = new OcrPool({ threads: 1, preprocess: { repairStreaks: false } });
  after(() => Promise.all([pool.close(), unrepairedPool.close()]));

  it('reads a page with black and white streaks through its words as well as the clean page', async () => {
    const fixture = await makeFaxFixture(FAX_DOCUMENTS[0], { resolution: 'fine' });
    const page = fixture.page;
    const streaked = cloneBitmap(page.bitmap);
    // Through the text column, where every line has words.
    for (const x of [420, 700]) streak(streaked, x, 2, 1);
    streak(streaked, 560, 2, 0);
    const cer = (text: string) => characterErrorRate(fixture.text, text).cer;
    const clean = await pool.recognize({ page: 1, ...page });
    const repaired = await pool.recognize({ page: 1, ...page, bitmap: streaked });
    const unrepaired = await unrepairedPool.recognize({ page: 1, ...page, bitmap: streaked });
    assert.ok(
      cer(repaired.text) <= cer(clean.text) + 0.01,
      `streaked ${cer(repaired.text)}, clean ${cer(clean.text)}`,
    );
    // What the repair is for: without it the streaks break words and cut the page into columns.
    assert.ok(cer(unrepaired.text) > cer(repaired.text) + 0.02, `unrepaired ${cer(unrepaired.text)}`);
    assert.ok(!repaired.rules?.some((r) => r.orientation === 'vertical'), 'no streak is taken for a rule');
  });
});
