import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Bitmap, createBitmap, setPixel } from '../../src/documents/bitmap.ts';
import { rasterisePdf } from '../../src/documents/fax-raster.ts';
import { findCells, groupTables } from '../../src/ocr/cell-grid.ts';
import { OcrPool } from '../../src/ocr/ocr-pool.ts';
import type { OcrPage } from '../../src/ocr/ocr-result.ts';
import { findRulingLines } from '../../src/ocr/ruling-lines.ts';
import { adjacentBoxes, GRID_ROWS, gridTable } from './form-pages.ts';

// Ruled tables and boxed forms are read cell by cell: the cells come from the rules, each is read
// on its own crop, and the page reports them as tables of rows.

function fill(b: Bitmap, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) setPixel(b, x, y, 1);
}

/** A 4×6 grid of 2-px rules, optionally sloping by `slope` pixels per pixel (a skewed fax). */
function grid(slope = 0): Bitmap {
  const b = createBitmap(1000, 800);
  const xs = [100, 250, 500, 650, 900];
  const ys = [100, 160, 220, 280, 340, 400, 460];
  for (const y of ys)
    for (let x = 100; x <= 902; x++)
      fill(b, x, Math.round(y + (x - 100) * slope), x + 1, Math.round(y + (x - 100) * slope) + 2);
  for (const x of xs)
    for (let y = 100; y <= 462 + 802 * slope; y++)
      fill(b, Math.round(x - (y - 100) * slope), y, Math.round(x - (y - 100) * slope) + 2, y + 1);
  return b;
}

function cellsOf(b: Bitmap, dpi = 200) {
  const { rules, cleaned } = findRulingLines(b, { dpi });
  return findCells(b, cleaned, rules, dpi);
}

describe('cell grid', () => {
  it('finds the 24 cells of a ruled 4×6 grid and groups them into one table of 6 rows of 4', () => {
    const map = cellsOf(grid());
    assert.equal(map.cells.length, 24);
    const tables = groupTables(map.cells, 12);
    assert.equal(tables.length, 1);
    assert.deepEqual(
      tables[0].rows.map((r) => r.length),
      [4, 4, 4, 4, 4, 4],
    );
    // Each cell lies between its rules, off their pixels.
    const first = map.cells[tables[0].rows[0][0]].bbox;
    assert.ok(
      first.x0 >= 102 && first.x0 <= 106 && first.x1 >= 244 && first.x1 <= 250,
      JSON.stringify(first),
    );
    assert.ok(
      first.y0 >= 102 && first.y0 <= 106 && first.y1 >= 154 && first.y1 <= 160,
      JSON.stringify(first),
    );
  });

  it('still finds the cells when the page is skewed by half a degree', () => {
    const map = cellsOf(grid(Math.tan((0.5 * Math.PI) / 180)));
    assert.equal(map.cells.length, 24);
    assert.deepEqual(
      groupTables(map.cells, 12)[0].rows.map((r) => r.length),
      [4, 4, 4, 4, 4, 4],
    );
  });

  it('does not cut cells along a scanner streak that runs the length of the page', () => {
    const b = grid();
    fill(b, 370, 0, 372, 800); // a streak through the middle column
    assert.equal(cellsOf(b).cells.length, 24);
  });

  it('does not take the tops of a line of bold letters for a rule', () => {
    const b = createBitmap(1200, 1200);
    fill(b, 100, 100, 900, 102);
    fill(b, 100, 300, 900, 302);
    fill(b, 100, 100, 102, 302);
    fill(b, 898, 100, 900, 302);
    // "Letters": a 200-px bar with a stem every 12 px hanging from it, inside the box.
    fill(b, 200, 180, 400, 183);
    for (let x = 200; x < 400; x += 12) fill(b, x, 183, x + 4, 205);
    const map = cellsOf(b);
    assert.equal(map.cells.length, 1, 'one box, not cut by the letters');
  });

  it('finds no cell on a page without rules, nor in an unclosed area', () => {
    assert.equal(cellsOf(createBitmap(600, 600)).cells.length, 0);
    const b = createBitmap(1000, 400);
    fill(b, 100, 100, 900, 102);
    fill(b, 100, 300, 900, 302); // two rules, no sides: open to the page
    assert.equal(cellsOf(b).cells.length, 0);
  });
});

describe('per-cell OCR', () => {
  let native: OcrPool;
  let js: OcrPool;
  const read: Record<string, OcrPage> = {};

  before(async () => {
    native = new OcrPool({ threads: 1, preprocess: { cells: true } });
    js = new OcrPool({ threads: 1, engine: 'tesseract.js', preprocess: { cells: true } });
    const [table] = await rasterisePdf((await gridTable()).pdf, { resolution: 'fine' });
    const [boxes] = await rasterisePdf((await adjacentBoxes()).pdf, { resolution: 'fine' });
    read.table = await native.recognize({ page: 1, ...table });
    read.tableJs = await js.recognize({ page: 1, ...table });
    read.boxes = await native.recognize({ page: 1, ...boxes });
  });
  after(() => Promise.all([native.close(), js.close()]));

  const cellTexts = (page: OcrPage) => page.tables?.map((t) => t.rows.map((r) => r.map((c) => c.text)));

  it('reads a ruled 4×6 table as 6 rows of 4 cells with their text (native engine)', () => {
    assert.deepEqual(cellTexts(read.table), [GRID_ROWS.map((r) => [...r])]);
    // Every cell's words are the page's, and no word lies in two cells.
    const [table] = read.table.tables!;
    const used = table.rows.flat().flatMap((c) => c.words);
    assert.equal(new Set(used).size, used.length);
    for (const cell of table.rows.flat()) {
      assert.equal(cell.words.map((i) => read.table.words[i].text).join(' '), cell.text);
    }
  });

  it('reads the same table cell by cell with tesseract.js, the fallback engine', () => {
    assert.equal(read.tableJs.engine, 'tesseract.js');
    assert.deepEqual(cellTexts(read.tableJs), [GRID_ROWS.map((r) => [...r])]);
  });

  it("never fuses two adjacent boxes' texts across the rule between them", () => {
    // A stray mark at a word's edge ("55104.", "=HEARTLAND": the engine reads the rule's end or a
    // speck, and which one varies with the tesseract build) is character noise, not fusion: what
    // must never happen is one word holding text from both boxes.
    const clean = (t: string) => t.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
    const texts = read.boxes.words.map((w) => clean(w.text));
    for (const word of ['ACCT', '55104', 'PLAN', '7782', 'HEARTLAND'])
      assert.ok(texts.includes(word), `${word} in ${texts}`);
    // Each box is one block of the reading order: its label, then its value, although the gap
    // between them would divide a block elsewhere.
    const blockTexts = read.boxes.text.split('\n\n').map((b) => b.split(/\s+/).map(clean).join(' '));
    assert.deepEqual(blockTexts, ['ACCOUNT NO ACCT 55104', 'PLAN 7782 HEARTLAND']);
    const [account, plan] = read.boxes.blocks!;
    assert.ok(account.ruled && plan.ruled);
    assert.ok(account.region.x1 <= plan.region.x0, 'the blocks are the two boxes');
    // Two boxes in one row are no table.
    assert.deepEqual(read.boxes.tables, []);
  });
});
