import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Bitmap, countBlack, createBitmap, getPixel, setPixel } from '../../src/documents/bitmap.ts';
import { findRulingLines } from '../../src/ocr/ruling-lines.ts';

function fill(b: Bitmap, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) setPixel(b, x, y, 1);
}

describe('findRulingLines', () => {
  it('finds rules, bridges fax breaks, follows a slight skew, and leaves text and blocks alone', () => {
    const b = createBitmap(1000, 800);
    fill(b, 100, 100, 900, 102); // a 2-px box edge
    fill(b, 100, 200, 400, 201); // a rule broken by line noise...
    fill(b, 403, 200, 700, 201); // ...3 px later it goes on
    for (let x = 100; x < 900; x++) setPixel(b, x, 300 + Math.floor((x - 100) / 400), 1); // steps down 1 px
    fill(b, 100, 400, 102, 700); // a vertical box edge
    fill(b, 300, 500, 800, 560); // a solid band (an inverted heading): not a rule
    for (let x = 120; x < 600; x += 30) fill(b, x, 620, x + 20, 623); // dashes of text: too short
    const before = countBlack(b);

    const { rules, cleaned } = findRulingLines(b, { dpi: 200 });
    const horizontal = rules.filter((r) => r.orientation === 'horizontal').map((r) => r.bbox);
    const vertical = rules.filter((r) => r.orientation === 'vertical').map((r) => r.bbox);
    assert.deepEqual(horizontal, [
      { x0: 100, y0: 100, x1: 900, y1: 102 },
      { x0: 100, y0: 200, x1: 700, y1: 201 },
      { x0: 100, y0: 300, x1: 900, y1: 302 },
    ]);
    assert.deepEqual(vertical, [{ x0: 100, y0: 400, x1: 102, y1: 700 }]);

    // Rule pixels are erased, everything else is kept.
    for (const [x, y] of [
      [500, 101],
      [150, 200],
      [850, 301],
      [101, 500],
    ])
      assert.equal(getPixel(cleaned, x, y), 0, `(${x}, ${y}) erased`);
    assert.equal(getPixel(cleaned, 500, 530), 1, 'the solid band stays');
    assert.equal(getPixel(cleaned, 125, 621), 1, 'text dashes stay');
    const erased = 800 * 2 + 597 + 800 + 300 * 2;
    assert.equal(countBlack(cleaned), before - erased);
    assert.equal(countBlack(b), before, 'input untouched');
  });

  it('keeps the strokes of letters that cross or touch a rule', () => {
    const b = createBitmap(1000, 300);
    fill(b, 100, 100, 900, 102); // a box edge...
    fill(b, 300, 90, 303, 112); // ...crossed by a letter's stem
    fill(b, 500, 102, 503, 115); // ...and touched by one from below
    const { cleaned } = findRulingLines(b, { dpi: 200 });
    assert.equal(getPixel(cleaned, 301, 101), 1, 'the crossing stem is whole');
    assert.equal(getPixel(cleaned, 501, 101), 0, 'a touching stem ends where it ends');
    assert.equal(getPixel(cleaned, 501, 102), 1);
    assert.equal(countBlack(cleaned), 3 * 22 + 3 * 13);
  });

  it('finds nothing on a blank page', () => {
    const { rules, cleaned } = findRulingLines(createBitmap(200, 200), { dpi: 204 });
    assert.deepEqual(rules, []);
    assert.equal(countBlack(cleaned), 0);
  });
});
