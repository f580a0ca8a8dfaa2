import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rasterisePdf } from '../../src/documents/fax-raster.ts';
import { OcrPool } from '../../src/ocr/ocr-pool.ts';
import type { BoundingBox, OcrPage, OcrWord } from '../../src/ocr/ocr-result.ts';
import { readingOrder } from '../../src/ocr/reading-order.ts';
import type { RulingLine } from '../../src/ocr/ruling-lines.ts';
import { FORM_PAGES, type FormPage, outOfOrder } from './form-pages.ts';

/** Words laid out like text: each string of a line becomes words 12 px apart, 20 px tall. */
function line(text: string, x: number, y: number): OcrWord[] {
  const words: OcrWord[] = [];
  let at = x;
  for (const w of text.split(' ')) {
    const width = w.length * 10;
    words.push({ text: w, confidence: 95, bbox: { x0: at, y0: y, x1: at + width, y1: y + 20 } });
    at += width + 12;
  }
  return words;
}

const hRule = (x0: number, x1: number, y: number): RulingLine => ({
  orientation: 'horizontal',
  bbox: { x0, y0: y, x1, y1: y + 2 },
});
const vRule = (x: number, y0: number, y1: number): RulingLine => ({
  orientation: 'vertical',
  bbox: { x0: x, y0, x1: x + 2, y1 },
});

/** Checks the structure every result must have: each word once, lines and blocks contiguous. */
function assertConsistent(words: OcrWord[], page: ReturnType<typeof readingOrder>): void {
  assert.equal(page.words.length, words.length);
  assert.deepEqual(new Set(page.words), new Set(words));
  let nextWord = 0;
  page.lines.forEach((l) => {
    assert.equal(l.firstWord, nextWord);
    nextWord += l.wordCount;
    assert.equal(
      l.text,
      page.words
        .slice(l.firstWord, l.firstWord + l.wordCount)
        .map((w) => w.text)
        .join(' '),
    );
  });
  assert.equal(nextWord, words.length);
  let nextLine = 0;
  page.blocks.forEach((b, i) => {
    assert.equal(b.firstLine, nextLine);
    for (let k = b.firstLine; k < b.firstLine + b.lineCount; k++) assert.equal(page.lines[k].block, i);
    nextLine += b.lineCount;
  });
  assert.equal(
    page.text,
    page.blocks
      .map((b) =>
        page.lines
          .slice(b.firstLine, b.firstLine + b.lineCount)
          .map((l) => l.text)
          .join('\n'),
      )
      .join('\n\n'),
  );
}

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('readingOrder on word boxes', () => {
  it('reads two columns whose lines do not line up one after the other', () => {
    const words = [
      ...line('INTAKE FORM', 100, 40),
      ...line('Name: Robert Chen', 100, 100),
      ...line('Address: 2250 Lake Road', 100, 130),
      ...line('Evanston IL 60201', 100, 160),
      ...line('Phone: 847-555-0193', 100, 190),
      ...line('Contact: Linda Chen', 700, 100),
      ...line('Mobile: 847-555-0110', 700, 145),
    ];
    const page = readingOrder(words, [], 1200, 400);
    assertConsistent(words, page);
    assert.equal(
      flat(page.text),
      'INTAKE FORM Name: Robert Chen Address: 2250 Lake Road Evanston IL 60201 Phone: 847-555-0193 ' +
        'Contact: Linda Chen Mobile: 847-555-0110',
    );
  });

  it('reads a label column beside a value column row by row, even across a wide gap', () => {
    const words = [
      ...line('Employee Name', 100, 100),
      ...line('Dana Whitfield', 600, 100),
      ...line('Date of Hire', 100, 130),
      ...line('06/14/2017', 600, 130),
      ...line('Base Pay Rate', 100, 160),
      ...line('$28.40 per hour', 600, 160),
    ];
    const page = readingOrder(words, [], 1200, 400);
    assertConsistent(words, page);
    assert.deepEqual(
      page.lines.map((l) => l.text),
      ['Employee Name Dana Whitfield', 'Date of Hire 06/14/2017', 'Base Pay Rate $28.40 per hour'],
    );
  });

  it('reads a grid of boxes row by row, box by box, each label before its value', () => {
    // Two rows of two boxes; labels of a row line up, values too, yet each box reads as a unit.
    const words = [
      ...line('PATIENT NAME', 110, 110),
      ...line('GONZALEZ MARIA', 110, 140),
      ...line('BIRTH DATE', 510, 110),
      ...line('07 22 1958', 510, 140),
      ...line('INSURED NAME', 110, 210),
      ...line('GONZALEZ LUIS', 110, 240),
      ...line('PLAN', 510, 210),
      ...line('Prairie PPO', 510, 240),
    ];
    const rules = [
      hRule(100, 900, 100),
      hRule(100, 900, 200),
      hRule(100, 900, 300),
      vRule(100, 100, 300),
      vRule(500, 100, 300),
      vRule(900, 100, 300),
    ];
    const page = readingOrder(words, rules, 1000, 400);
    assertConsistent(words, page);
    assert.deepEqual(
      page.blocks.map((b) =>
        page.lines
          .slice(b.firstLine, b.firstLine + b.lineCount)
          .map((l) => l.text)
          .join(' / '),
      ),
      [
        'PATIENT NAME / GONZALEZ MARIA',
        'BIRTH DATE / 07 22 1958',
        'INSURED NAME / GONZALEZ LUIS',
        'PLAN / Prairie PPO',
      ],
    );
    assert.ok(page.blocks.every((b) => b.ruled));
    // The region of a boxed field is its box: a value "inside the same box" can be found from it.
    assert.deepEqual(page.blocks[1].region, { x0: 501, y0: 101, x1: 901, y1: 201 });
  });

  it('reads a ruled table row by row, each row as one line', () => {
    const words = [
      ...line('QTY', 110, 110),
      ...line('DESCRIPTION', 210, 110),
      ...line('AMOUNT', 610, 110),
      ...line('4', 110, 150),
      ...line('Knee brace', 210, 150),
      ...line('358.00', 610, 150),
      ...line('10', 110, 190),
      ...line('Elastic bandage', 210, 190),
      ...line('32.50', 610, 190),
    ];
    const rules = [
      hRule(100, 800, 100),
      hRule(100, 800, 140),
      hRule(100, 800, 180),
      hRule(100, 800, 220),
      ...[100, 200, 600, 800].map((x) => vRule(x, 100, 220)),
    ];
    const page = readingOrder(words, rules, 1000, 400);
    assertConsistent(words, page);
    assert.deepEqual(
      page.lines.map((l) => l.text),
      ['QTY DESCRIPTION AMOUNT', '4 Knee brace 358.00', '10 Elastic bandage 32.50'],
    );
  });

  it('reads a table ruled only between its columns row by row, and boxes side by side box by box', () => {
    // Column rules, a rule under the header and none between the rows: the table of many invoices.
    const words = [
      ...line('QTY', 110, 110),
      ...line('DESCRIPTION', 210, 110),
      ...line('AMOUNT', 610, 110),
      ...line('4', 110, 150),
      ...line('Knee brace', 210, 150),
      ...line('358.00', 610, 150),
      ...line('10', 110, 180),
      ...line('Elastic bandage', 210, 180),
      ...line('32.50', 610, 180),
      ...line('2', 110, 210),
      ...line('Cold pack', 210, 210),
      ...line('91.90', 610, 210),
    ];
    const rules = [
      hRule(100, 800, 100),
      hRule(100, 800, 140),
      hRule(100, 800, 240),
      ...[100, 200, 600, 800].map((x) => vRule(x, 100, 240)),
    ];
    const table = readingOrder(words, rules, 1000, 400);
    assertConsistent(words, table);
    assert.deepEqual(
      table.lines.map((l) => l.text),
      ['QTY DESCRIPTION AMOUNT', '4 Knee brace 358.00', '10 Elastic bandage 32.50', '2 Cold pack 91.90'],
    );
    // Two boxed fields side by side, a label over a value in each: each box reads on its own.
    const boxes = [...line('PATIENT NAME', 110, 110), ...line('BIRTH DATE', 510, 110)];
    boxes.push(...line('NOVAK THEODORE', 110, 140), ...line('09 27 2011', 510, 140));
    const boxRules = [
      hRule(100, 900, 100),
      hRule(100, 900, 170),
      ...[100, 500, 900].map((x) => vRule(x, 100, 170)),
    ];
    const form = readingOrder(boxes, boxRules, 1000, 400);
    assert.deepEqual(
      form.lines.map((l) => l.text),
      ['PATIENT NAME', 'NOVAK THEODORE', 'BIRTH DATE', '09 27 2011'],
    );
  });

  it('keeps specks from blocking a column gutter, and every word once', () => {
    const speck = (x: number, y: number): OcrWord => ({
      text: '.',
      confidence: 10,
      bbox: { x0: x, y0: y, x1: x + 4, y1: y + 4 },
    });
    const words = [
      ...line('Left column first line', 100, 100),
      ...line('Left column second line', 100, 125),
      ...line('Left column third line', 100, 150),
      ...line('Right column text', 700, 112),
      ...line('Right column more', 700, 162),
      // Line noise across the gutter, read as punctuation: no 40 px (2 word heights) of it is blank.
      ...Array.from({ length: 12 }, (_, k) => speck(340 + k * 30, 118 + (k % 3) * 15)),
    ];
    const page = readingOrder(words, [], 1200, 300);
    assertConsistent(words, page);
    // The specks themselves join whichever line they sit on; the columns are what this is about.
    const text = flat(page.text).replace(/ \./g, '');
    assert.ok(text.startsWith('Left column first line Left column second line'), text);
    assert.ok(text.indexOf('Right column text') > text.indexOf('Left column third line'), text);
  });

  it('never loops on a rule that a word pokes across (all words on one side of it)', () => {
    // The word's box starts 2 px above the rule: within the overlap forgiven, but its centre is below.
    const words = [...line('Total Due', 100, 98), ...line('$646.04', 100, 130)];
    const page = readingOrder(words, [hRule(90, 400, 99)], 600, 300);
    assertConsistent(words, page);
    assert.equal(flat(page.text), 'Total Due $646.04');
  });

  it('returns an empty layout for a page without words', () => {
    const page = readingOrder([], [hRule(0, 100, 50)], 200, 200);
    assert.deepEqual(page, { words: [], lines: [], blocks: [], text: '' });
  });
});

describe('reading order on rendered, rasterised and OCRed form pages', () => {
  let pool: OcrPool;
  let engineOrder: OcrPool;
  let forms: FormPage[];
  let pages: OcrPage[];
  let enginePages: OcrPage[];

  before(async () => {
    pool = new OcrPool({ threads: 2 });
    engineOrder = new OcrPool({ threads: 2, order: 'engine' });
    forms = await Promise.all(FORM_PAGES.map((make) => make()));
    const images = await Promise.all(
      forms.map(async (f) => (await rasterisePdf(f.pdf, { resolution: 'fine' }))[0]),
    );
    pages = await Promise.all(images.map((image, i) => pool.recognize({ page: i + 1, ...image })));
    enginePages = await Promise.all(
      images.map((image, i) => engineOrder.recognize({ page: i + 1, ...image })),
    );
  });
  after(async () => {
    await pool.close();
    await engineOrder.close();
  });

  FORM_PAGES.forEach((_, i) => {
    it(`reads form ${i + 1} in reading order`, () => {
      const form = forms[i];
      const page = pages[i];
      assert.deepEqual(outOfOrder(page.text, form.order), [], `${form.name}:\n${page.text}`);
      assert.ok(page.lines && page.blocks, 'lines and blocks present');
      const words = page.words.length;
      assert.equal(
        page.lines.reduce((n, l) => n + l.wordCount, 0),
        words,
        'every word is on exactly one line',
      );
      assert.ok(page.engine === 'native' || page.engine === 'tesseract.js');
    });
  });

  it('finds the ruling lines of the boxed and ruled forms, in page coordinates', () => {
    const rulesOf = (name: string) => pages[forms.findIndex((f) => f.name === name)].rules ?? [];
    // 4 rows of boxes: 5 horizontal edges; the ruled table: 5 rules and 5 column lines.
    const boxed = rulesOf('boxed-claim');
    assert.equal(boxed.filter((r) => r.orientation === 'horizontal').length, 5);
    const table = rulesOf('ruled-table');
    assert.equal(table.filter((r) => r.orientation === 'horizontal').length, 5);
    assert.equal(table.filter((r) => r.orientation === 'vertical').length, 5);
    assert.equal(rulesOf('label-column').length, 0);
    const within = (b: BoundingBox) => b.x0 >= 0 && b.y0 >= 0 && b.x1 <= 1728 && b.y1 <= 2156;
    assert.ok([...boxed, ...table].every((r) => within(r.bbox)));
  });

  it("puts a boxed field's label and value in one block whose region is the box", () => {
    const page = pages[forms.findIndex((f) => f.name === 'boxed-claim')];
    const block = page.blocks!.find((b) => page.lines![b.firstLine].text.startsWith('BIRTH DATE'));
    assert.ok(block, 'a block starts with the BIRTH DATE label');
    assert.equal(page.lines![block.firstLine + 1].text, '07 22 1958');
    assert.ok(block.ruled);
    const inside = (b: BoundingBox, r: BoundingBox) =>
      b.x0 >= r.x0 && b.x1 <= r.x1 && b.y0 >= r.y0 && b.y1 <= r.y1;
    assert.ok(inside(block.bbox, block.region));
  });

  it("is needed: the engine's own order gets forms wrong (the same pages, reading order off)", () => {
    const wrong = forms.filter((f, i) => outOfOrder(enginePages[i].text, f.order).length > 0);
    assert.ok(wrong.length >= 2, `engine order wrong on ${wrong.map((f) => f.name).join(', ')}`);
  });
});
