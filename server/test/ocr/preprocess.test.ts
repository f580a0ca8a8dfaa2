import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Bitmap, countBlack, createBitmap, getPixel, setPixel } from '../../src/documents/bitmap.ts';
import { estimateSkew, rotate, unrotatePoint } from '../../src/ocr/deskew.ts';
import { despeckle } from '../../src/ocr/despeckle.ts';
import { smoothForOcr } from '../../src/ocr/grey-smoothing.ts';
import { DEFAULT_PREPROCESS, preparePage } from '../../src/ocr/page-preprocess.ts';
import { squarePixelFactor, stretchRows } from '../../src/ocr/square-pixels.ts';
import { FAX_DOCUMENTS, makeFaxFixture } from '../fixtures/fax-documents.ts';

function fill(b: Bitmap, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) setPixel(b, x, y, 1);
}

/** Text-like rows of short dashes, the shape projection profiles see on a page. */
function linedPage(): Bitmap {
  const b = createBitmap(800, 600);
  for (let y = 60; y < 560; y += 24) for (let x = 40; x < 760; x += 14) fill(b, x, y, x + 9, y + 8);
  return b;
}

describe('squarePixels', () => {
  it('stretches standard resolution only', () => {
    assert.equal(squarePixelFactor(204, 196), 1);
    assert.ok(Math.abs(squarePixelFactor(204, 98) - 2.082) < 0.001);
    const b = createBitmap(16, 3);
    setPixel(b, 5, 1, 1);
    const tall = stretchRows(b, 2);
    assert.deepEqual([tall.width, tall.height], [16, 6]);
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((y) => getPixel(tall, 5, y)),
      [0, 0, 1, 1, 0, 0],
    );
    assert.equal(stretchRows(b, 1), b);
  });
});

describe('despeckle', () => {
  it('removes 1–2 pixel specks and keeps everything larger', () => {
    const b = createBitmap(64, 32);
    setPixel(b, 3, 3, 1); // single speck
    setPixel(b, 10, 3, 1); // diagonal pair
    setPixel(b, 11, 4, 1);
    fill(b, 20, 3, 22, 5); // 2×2 dot: a period, kept
    fill(b, 30, 3, 33, 4); // 3-pixel dash, kept
    fill(b, 40, 10, 60, 20); // a stroke...
    setPixel(b, 39, 15, 1); // ...with a pixel touching it, kept
    setPixel(b, 0, 0, 1); // speck in the corner
    const before = countBlack(b);
    const out = despeckle(b);
    assert.equal(countBlack(out), before - 4);
    for (const [x, y] of [
      [3, 3],
      [10, 3],
      [11, 4],
      [0, 0],
    ]) {
      assert.equal(getPixel(out, x, y), 0);
    }
    assert.equal(getPixel(out, 39, 15), 1);
    assert.equal(countBlack(b), before, 'input untouched');
  });
});

describe('deskew', () => {
  it('rotate moves content clockwise for positive angles', () => {
    const b = createBitmap(200, 200);
    fill(b, 150, 98, 160, 102); // right of centre
    const r = rotate(b, 10);
    // Clockwise with y down: a point right of the centre moves down.
    let sumY = 0;
    let n = 0;
    for (let y = 0; y < 200; y++) {
      for (let x = 0; x < 200; x++) {
        if (getPixel(r, x, y)) {
          sumY += y;
          n++;
        }
      }
    }
    assert.ok(sumY / n > 105, `moved down to ${sumY / n}`);
    // (155, 100) is 55 px right of the centre; rotated 10° it sits at centre + 55·(cos, sin).
    const a = Math.PI / 18;
    const back = unrotatePoint(200, 200, 10, 100 + 55 * Math.cos(a), 100 + 55 * Math.sin(a));
    assert.ok(Math.abs(back.x - 155) < 1e-9 && Math.abs(back.y - 100) < 1e-9, JSON.stringify(back));
  });

  it('estimates small angles of either sign', () => {
    const page = linedPage();
    assert.ok(Math.abs(estimateSkew(page)) <= 0.05);
    for (const angle of [-2.5, -0.7, 1, 3]) {
      const measured = estimateSkew(rotate(page, angle));
      assert.ok(Math.abs(measured - angle) <= 0.1, `${angle}° measured as ${measured}°`);
    }
    assert.equal(estimateSkew(createBitmap(100, 100)), 0, 'blank page');
  });

  it('measures the skew of a rendered fax page', async () => {
    const { page } = await makeFaxFixture(FAX_DOCUMENTS[0], {
      resolution: 'fine',
      skewDegrees: 1.5,
      speckle: 0.0005,
    });
    const measured = estimateSkew(page.bitmap);
    assert.ok(Math.abs(measured - 1.5) <= 0.1, `measured ${measured}°`);
  });
});

describe('preparePage', () => {
  it('maps boxes on the prepared image back to the page as received', () => {
    const page = linedPage();
    const standard = preparePage(page, 204, 98);
    assert.equal(standard.bitmap.height, Math.round(600 * (204 / 98)));
    assert.equal(standard.yResolution, 204);
    assert.deepEqual(standard.toOriginal({ x0: 40, y0: 208, x1: 100, y1: 416 }), {
      x0: 40,
      y0: 100,
      x1: 100,
      y1: 200,
    });

    const skewed = rotate(page, 2);
    const prepared = preparePage(skewed, 204, 196, { ...DEFAULT_PREPROCESS, rotateAboveDegrees: 5 });
    assert.ok(Math.abs(prepared.skewDegrees - 2) <= 0.1);
    assert.equal(prepared.bitmap.data.length, skewed.data.length);
    // OCR reads the page unrotated; the layout is levelled: a dash of the skewed page (where the
    // rotation put the first dash of a row) sits back at its level position, and returns.
    const dash = unrotatePoint(800, 600, -2, 44.5, 304);
    const level = prepared.toLevel({ x0: dash.x - 4.5, y0: dash.y - 4, x1: dash.x + 4.5, y1: dash.y + 4 });
    assert.ok(Math.abs((level.x0 + level.x1) / 2 - 44.5) <= 1, JSON.stringify(level));
    assert.ok(Math.abs((level.y0 + level.y1) / 2 - 304) <= 1, JSON.stringify(level));
    const back = prepared.levelToOriginal(level);
    assert.ok(
      Math.abs((back.x0 + back.x1) / 2 - dash.x) <= 1 && Math.abs((back.y0 + back.y1) / 2 - dash.y) <= 1,
    );
    // Past rotateAboveDegrees OCR reads the levelled page, and its boxes go back through the rotation.
    const rotated = preparePage(skewed, 204, 196, { ...DEFAULT_PREPROCESS, rotateAboveDegrees: 1 });
    assert.equal(rotated.bitmap, rotated.level());
    const box = rotated.toOriginal({ x0: 40, y0: 300, x1: 49, y1: 308 });
    assert.ok(Math.abs((box.x0 + box.x1) / 2 - dash.x) <= 1 && Math.abs((box.y0 + box.y1) / 2 - dash.y) <= 1);
    assert.equal(prepared.level().width, 800);
    assert.ok(Math.abs(estimateSkew(prepared.level())) <= 0.1, 'the levelled page has no skew left');

    const off = preparePage(skewed, 204, 98, {
      repairStreaks: false,
      squarePixels: false,
      despeckle: false,
      deskew: false,
      rulingLines: false,
      eraseRules: false,
      cells: false,
      rotateAboveDegrees: 90,
      smoothSigma: 0,
    });
    assert.equal(off.bitmap, skewed);
  });
});

describe('smoothForOcr', () => {
  it('keeps solid ink and paper, fades an isolated speck and darkens a break in a stroke', () => {
    const b = createBitmap(40, 20);
    fill(b, 2, 2, 12, 8); // solid ink
    setPixel(b, 30, 10, 1); // a speck
    fill(b, 10, 14, 30, 17); // a stroke 3 pixels tall...
    for (let y = 14; y < 17; y++) setPixel(b, 20, y, 0); // ...broken by one column
    const grey = smoothForOcr(b, 0.8);
    const at = (x: number, y: number) => grey.data[y * grey.width + x];
    assert.deepEqual([grey.width, grey.height], [40, 20]);
    assert.equal(at(6, 5), 0);
    assert.equal(at(35, 3), 255);
    assert.ok(at(30, 10) > 160, `speck ${at(30, 10)}`);
    assert.ok(at(20, 15) < at(30, 10) - 40, `break ${at(20, 15)}`);
  });
});
