// Puts the words OCR found on a form page into reading order: the page is cut into blocks along its
// ruling lines and whitespace (recursive XY-cut), and each block's words are grouped into lines.
// A boxed field then reads its label, then its contents; a table or a label column beside a value
// column reads row by row; independent columns (rows that do not line up) read one after the other.

import type { BoundingBox, OcrBlock, OcrLine, OcrWord } from './ocr-result.ts';
import type { RulingLine } from './ruling-lines.ts';

/** `blocks`: cut into blocks, columns and rows (below); `rows`: visual lines across the whole page. */
export type TextOrder = 'blocks' | 'rows' | 'engine';

export interface ReadingOrder {
  /** The words, reordered: each line's words are contiguous and left to right. */
  words: OcrWord[];
  lines: OcrLine[];
  blocks: OcrBlock[];
  /** Lines joined by newlines, blocks separated by a blank line. */
  text: string;
}

/** Tuning, in multiples of the page's median word height. */
const LIMITS = {
  /** A blank band at least this tall separates blocks (a normal line gap is ~0.8). */
  horizontalGap: 1.5,
  /** A white column at least this wide may separate columns (a word space is ~0.4). */
  verticalGap: 2,
  /** Share of the shorter side's lines that must line up across a gap for it to read as rows. */
  alignedShare: 0.8,
  /** Words this unsure and this short are likely specks: they never block a cut. */
  noiseConfidence: 30,
};

/** Lines on each side of a column rule that make it a table's rather than a row of boxes'. */
const TABLE_ROWS = 3;

interface Region {
  words: number[];
  /** Area the cuts gave this region (page coordinates). */
  bounds: BoundingBox;
  /** Sides that are ruling lines, not whitespace. */
  ruled: boolean;
}

interface Cut {
  axis: 'x' | 'y';
  at: number;
  /** Gap size over its threshold; rules score Infinity. */
  score: number;
  ruled: boolean;
}

/**
 * Orders `words` (boxes in the coordinates of `rules`) for a page `width`×`height`. Words are
 * copied, never changed; the result holds every word exactly once. `cells[i]` is the ruled cell
 * word i was read in, if any: a cell's words are never cut apart, and a cell is a block of its own.
 */
export function readingOrder(
  words: readonly OcrWord[],
  rules: readonly RulingLine[],
  width: number,
  height: number,
  order: Exclude<TextOrder, 'engine'> = 'blocks',
  cells: readonly (number | undefined)[] = [],
): ReadingOrder {
  const unit = medianWordHeight(words);
  const solid = words.map((w) => w.confidence >= LIMITS.noiseConfidence || w.text.length > 2);
  const ctx: Context = { words, rules, unit, solid, cells };
  const page: Region = {
    words: words.map((_, i) => i),
    bounds: { x0: 0, y0: 0, x1: width, y1: height },
    ruled: false,
  };
  const leaves: Region[] = [];
  if (order === 'rows') leaves.push(page);
  else split(ctx, page, leaves);

  const out: ReadingOrder = { words: [], lines: [], blocks: [], text: '' };
  const blockTexts: string[] = [];
  for (const leaf of leaves) {
    const lineGroups = groupLines(leaf.words.map((i) => words[i]));
    if (lineGroups.length === 0) continue;
    const bbox = unionBox(lineGroups.flat().map((w) => w.bbox));
    const block: OcrBlock = {
      bbox,
      region: enclosingRules(ctx, bbox, leaf.bounds),
      ruled: leaf.ruled,
      firstLine: out.lines.length,
      lineCount: lineGroups.length,
    };
    const lineTexts: string[] = [];
    for (const group of lineGroups) {
      const text = group.map((w) => w.text).join(' ');
      out.lines.push({
        text,
        bbox: unionBox(group.map((w) => w.bbox)),
        confidence: group.reduce((s, w) => s + w.confidence, 0) / group.length,
        block: out.blocks.length,
        firstWord: out.words.length,
        wordCount: group.length,
      });
      out.words.push(...group);
      lineTexts.push(text);
    }
    out.blocks.push(block);
    blockTexts.push(lineTexts.join('\n'));
  }
  out.text = blockTexts.join('\n\n');
  return out;
}

interface Context {
  words: readonly OcrWord[];
  rules: readonly RulingLine[];
  unit: number;
  solid: boolean[];
  cells: readonly (number | undefined)[];
}

function split(ctx: Context, region: Region, leaves: Region[]): void {
  if (region.words.length === 0) return;
  // One box of a form: its label and its value stay one block, however far apart.
  const cell = ctx.cells[region.words[0]];
  if (cell !== undefined && region.words.every((i) => ctx.cells[i] === cell)) {
    leaves.push({ ...region, ruled: true });
    return;
  }
  const cut = ruleCut(ctx, region) ?? whitespaceCut(ctx, region) ?? headerCut(ctx, region);
  if (!cut) {
    leaves.push(region);
    return;
  }
  const [first, second] = divide(ctx, region, cut);
  if (first.words.length === 0 || second.words.length === 0) {
    // Every cut is checked to divide the words; this only guards the recursion.
    leaves.push(region);
    return;
  }
  split(ctx, first, leaves);
  split(ctx, second, leaves);
}

/** Splits a region at a cut; each word goes to the side its centre is on. */
function divide(ctx: Context, region: Region, cut: Cut): [Region, Region] {
  const { bounds } = region;
  const before: number[] = [];
  const after: number[] = [];
  for (const i of region.words) {
    const b = ctx.words[i].bbox;
    const centre = cut.axis === 'x' ? (b.x0 + b.x1) / 2 : (b.y0 + b.y1) / 2;
    (centre < cut.at ? before : after).push(i);
  }
  const ruled = region.ruled || cut.ruled;
  return cut.axis === 'x'
    ? [
        { words: before, bounds: { ...bounds, x1: cut.at }, ruled },
        { words: after, bounds: { ...bounds, x0: cut.at }, ruled },
      ]
    : [
        { words: before, bounds: { ...bounds, y1: cut.at }, ruled },
        { words: after, bounds: { ...bounds, y0: cut.at }, ruled },
      ];
}

/**
 * The cut region tightened to the nearest ruling line on each side of the content that spans it:
 * for a boxed field, its box, although the box's far edges were never needed as cuts.
 */
function enclosingRules(ctx: Context, content: BoundingBox, bounds: BoundingBox): BoundingBox {
  const out = { ...bounds };
  const slack = ctx.unit;
  for (const { orientation, bbox: r } of ctx.rules) {
    if (orientation === 'horizontal' && r.x0 <= content.x0 + slack && r.x1 >= content.x1 - slack) {
      const y = (r.y0 + r.y1) / 2;
      if (y <= content.y0 && y > out.y0) out.y0 = y;
      if (y >= content.y1 && y < out.y1) out.y1 = y;
    } else if (orientation === 'vertical' && r.y0 <= content.y0 + slack && r.y1 >= content.y1 - slack) {
      const x = (r.x0 + r.x1) / 2;
      if (x <= content.x0 && x > out.x0) out.x0 = x;
      if (x >= content.x1 && x < out.x1) out.x1 = x;
    }
  }
  return out;
}

/**
 * Whether words' centres lie on both sides of position `at` (a cut that leaves one side empty is
 * no cut) and no ruled cell's words lie on both.
 */
function divides(ctx: Context, ids: number[], axis: 'x' | 'y', at: number): boolean {
  let before = false;
  let after = false;
  const side = new Map<number, boolean>();
  for (const i of ids) {
    const b = ctx.words[i].bbox;
    const centre = axis === 'x' ? (b.x0 + b.x1) / 2 : (b.y0 + b.y1) / 2;
    const first = centre < at;
    if (first) before = true;
    else after = true;
    const cell = ctx.cells[i];
    if (cell === undefined) continue;
    if (side.get(cell) === !first) return false;
    side.set(cell, first);
  }
  return before && after;
}

/** Solid words' extent: what a rule must span to divide the region. */
function extent(ctx: Context, ids: number[]): BoundingBox | null {
  const boxes = ids.filter((i) => ctx.solid[i]).map((i) => ctx.words[i].bbox);
  return boxes.length ? unionBox(boxes) : null;
}

/** Whether no solid word straddles position `at` on `axis` (a little overlap is forgiven). */
function clear(ctx: Context, ids: number[], axis: 'x' | 'y', at: number): boolean {
  const slack = ctx.unit * 0.2;
  return ids.every((i) => {
    if (!ctx.solid[i]) return true;
    const b = ctx.words[i].bbox;
    const [lo, hi] = axis === 'x' ? [b.x0, b.x1] : [b.y0, b.y1];
    return !(lo + slack < at && at < hi - slack);
  });
}

/**
 * A ruling line across the whole region with words on both sides: box and table edges. Horizontal
 * rules first, so a ruled table reads row by row and a grid of boxes row by row, box by box.
 */
function ruleCut(ctx: Context, region: Region): Cut | null {
  const box = extent(ctx, region.words);
  if (!box) return null;
  const slack = ctx.unit;
  // One line between column rules is a table row: it reads left to right as one line, not cell by cell.
  const axes =
    groupLines(region.words.filter((i) => ctx.solid[i]).map((i) => ctx.words[i])).length > 1
      ? (['y', 'x'] as const)
      : (['y'] as const);
  for (const axis of axes) {
    let best: Cut | null = null;
    for (const rule of ctx.rules) {
      const r = rule.bbox;
      const at = axis === 'y' ? (r.y0 + r.y1) / 2 : (r.x0 + r.x1) / 2;
      const spans =
        axis === 'y'
          ? rule.orientation === 'horizontal' && r.x0 <= box.x0 + slack && r.x1 >= box.x1 - slack
          : rule.orientation === 'vertical' && r.y0 <= box.y0 + slack && r.y1 >= box.y1 - slack;
      const [lo, hi] = axis === 'y' ? [box.y0, box.y1] : [box.x0, box.x1];
      if (!spans || at <= lo || at >= hi || !clear(ctx, region.words, axis, at)) continue;
      if (!divides(ctx, region.words, axis, at)) continue;
      // A column rule of a table whose rows have no rules between them: the rows stay rows.
      if (axis === 'x' && tableColumns(ctx, region.words, at)) continue;
      // The first rule in reading direction: the rest are found in the second part.
      if (!best || at < best.at) best = { axis, at, score: Infinity, ruled: true };
    }
    if (best) return best;
  }
  return null;
}

/** The widest blank band or column that divides the region, if wide enough. */
function whitespaceCut(ctx: Context, region: Region): Cut | null {
  const candidates: Cut[] = [];
  for (const gap of gaps(ctx, region.words, 'y')) {
    const score = gap.size / (LIMITS.horizontalGap * ctx.unit);
    if (score >= 1) candidates.push({ axis: 'y', at: gap.at, score, ruled: false });
  }
  for (const gap of gaps(ctx, region.words, 'x')) {
    const score = gap.size / (LIMITS.verticalGap * ctx.unit);
    if (score >= 1 && !rowsAlign(ctx, region.words, gap.at)) {
      candidates.push({ axis: 'x', at: gap.at, score, ruled: false });
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  return candidates.find((c) => divides(ctx, region.words, c.axis, c.at)) ?? null;
}

/**
 * Independent columns under a heading that spans them, separated only by an ordinary line gap:
 * cut the heading off where the lines below start to divide into columns.
 */
function headerCut(ctx: Context, region: Region): Cut | null {
  const rows = gaps(ctx, region.words, 'y', 0.2 * ctx.unit);
  for (const gap of rows) {
    const below = region.words.filter((i) => (ctx.words[i].bbox.y0 + ctx.words[i].bbox.y1) / 2 > gap.at);
    if (below.length < 4) break;
    const columns = gaps(ctx, below, 'x').filter(
      (g) => g.size >= LIMITS.verticalGap * ctx.unit && !rowsAlign(ctx, below, g.at),
    );
    if (columns.length && divides(ctx, region.words, 'y', gap.at))
      return { axis: 'y', at: gap.at, score: 1, ruled: false };
  }
  return null;
}

/** Blank bands between solid words' projections on an axis (centre and size), in order. */
function gaps(ctx: Context, ids: number[], axis: 'x' | 'y', minSize = 0): { at: number; size: number }[] {
  const spans = ids
    .filter((i) => ctx.solid[i])
    .map((i) => {
      const b = ctx.words[i].bbox;
      return axis === 'x' ? [b.x0, b.x1] : [b.y0, b.y1];
    })
    .sort((a, b) => a[0] - b[0]);
  const found: { at: number; size: number }[] = [];
  let end = -Infinity;
  for (const [lo, hi] of spans) {
    // Touching boxes overlap by a pixel or two after deskewing: that is no gap.
    if (end !== -Infinity && lo - end > minSize) found.push({ at: (lo + end) / 2, size: lo - end });
    end = Math.max(end, hi);
  }
  return found;
}

/** Whether the lines left and right of x line up as rows (a table, labels beside values). */
function rowsAlign(ctx: Context, ids: number[], x: number): boolean {
  const left: OcrWord[] = [];
  const right: OcrWord[] = [];
  for (const i of ids) {
    if (!ctx.solid[i]) continue;
    const w = ctx.words[i];
    ((w.bbox.x0 + w.bbox.x1) / 2 < x ? left : right).push(w);
  }
  const [fewer, more] = [groupLines(left), groupLines(right)]
    .map((lines) => lines.map((l) => unionBox(l.map((w) => w.bbox))))
    .sort((a, b) => a.length - b.length);
  if (fewer.length === 0) return false;
  const matched = fewer.filter((a) => more.some((b) => verticalOverlap(a, b) >= 0.5)).length;
  return matched / fewer.length >= LIMITS.alignedShare;
}

/**
 * Whether the lines left and right of x are a table's columns: they line up as rows, and each
 * side holds at least `TABLE_ROWS` lines (boxed fields side by side hold a label and a value).
 */
function tableColumns(ctx: Context, ids: number[], x: number): boolean {
  const side = (left: boolean) =>
    groupLines(
      ids
        .filter((i) => ctx.solid[i])
        .map((i) => ctx.words[i])
        .filter((w) => (w.bbox.x0 + w.bbox.x1) / 2 < x === left),
    ).length;
  return Math.min(side(true), side(false)) >= TABLE_ROWS && rowsAlign(ctx, ids, x);
}

/** Words grouped into lines (top to bottom), each line left to right. */
function groupLines(words: OcrWord[]): OcrWord[][] {
  const sorted = [...words].sort((a, b) => a.bbox.y0 + a.bbox.y1 - (b.bbox.y0 + b.bbox.y1));
  const lines: { words: OcrWord[]; box: BoundingBox }[] = [];
  for (const word of sorted) {
    // Compare with the line's core band (median top and bottom), so one tall word cannot chain lines.
    const home = lines.find((l) => verticalOverlap(word.bbox, coreBand(l.words)) >= 0.5);
    if (home) {
      home.words.push(word);
      home.box = unionBox([home.box, word.bbox]);
    } else {
      lines.push({ words: [word], box: word.bbox });
    }
  }
  lines.sort((a, b) => coreBand(a.words).y0 - coreBand(b.words).y0);
  return lines.map((l) => l.words.sort((a, b) => a.bbox.x0 - b.bbox.x0));
}

function coreBand(words: OcrWord[]): BoundingBox {
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  return {
    x0: 0,
    x1: 0,
    y0: median(words.map((w) => w.bbox.y0)),
    y1: median(words.map((w) => w.bbox.y1)),
  };
}

/** Vertical overlap of two boxes over the shorter one's height. */
function verticalOverlap(a: BoundingBox, b: BoundingBox): number {
  const overlap = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  const shorter = Math.min(a.y1 - a.y0, b.y1 - b.y0);
  return shorter > 0 ? Math.max(0, overlap) / shorter : 0;
}

function medianWordHeight(words: readonly OcrWord[]): number {
  const heights = words
    .filter((w) => w.text.length >= 2)
    .map((w) => w.bbox.y1 - w.bbox.y0)
    .sort((a, b) => a - b);
  return heights.length ? Math.max(4, heights[heights.length >> 1]) : 20;
}

export function unionBox(boxes: readonly BoundingBox[]): BoundingBox {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes) {
    x0 = Math.min(x0, b.x0);
    y0 = Math.min(y0, b.y0);
    x1 = Math.max(x1, b.x1);
    y1 = Math.max(y1, b.y1);
  }
  return { x0, y0, x1, y1 };
}
