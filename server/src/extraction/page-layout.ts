// A fax page as geometry an extractor can reason over: OCR words grouped into visual rows and into
// segments (runs of words with no column gap), with the relations forms use — right of, below, above,
// inside the same ruled box — and each word tied to its offsets in the page text (for evidence).

import type { BoundingBox, OcrPage, OcrRule } from '../ocr/ocr-result.ts';
import type { OcrDocument } from './ocr-document.ts';

export interface LayoutWord {
  text: string;
  bbox: BoundingBox;
  /** Index in `OcrPage.words`. */
  index: number;
  confidence: number;
  /** Offsets in the page text; null when the word could not be found there. */
  start: number | null;
  end: number | null;
}

/** Words on one baseline with no column gap between them: a label, a value, a cell. */
export interface Segment {
  page: number;
  /** Index of the segment in its page's `segments` (top to bottom, left to right). */
  id: number;
  row: number;
  words: LayoutWord[];
  text: string;
  bbox: BoundingBox;
}

export interface LayoutPage {
  page: number;
  width: number;
  height: number;
  /** Median word height: the unit every distance is measured in. */
  unit: number;
  segments: Segment[];
  /** Segment ids per visual row, left to right. */
  rows: number[][];
  rules: OcrRule[];
  /** The fax header line the sending machine stamped (date, station, page n/m): never a value. */
  headerRow: number | null;
}

/** Builds the layout of every page of a fax. */
export function layoutDocument(doc: OcrDocument): LayoutPage[] {
  return doc.pages.map((page) => layoutPage(page, doc));
}

export function layoutPage(page: OcrPage, doc: OcrDocument): LayoutPage {
  const offsets = doc.wordOffsets(page.page);
  const words: LayoutWord[] = page.words
    .map((w, index) => ({
      text: w.text,
      bbox: w.bbox,
      index,
      confidence: w.confidence,
      start: offsets.get(index)?.start ?? null,
      end: offsets.get(index)?.end ?? null,
    }))
    .filter((w) => w.text.trim() && w.bbox.x1 > w.bbox.x0 && w.bbox.y1 > w.bbox.y0);
  const heights = words.map((w) => w.bbox.y1 - w.bbox.y0).sort((a, b) => a - b);
  const unit = Math.max(4, heights[Math.floor(heights.length / 2)] ?? 20);
  levelWords(words, unit);
  const rules = (page.rules ?? []).filter((r) => r.orientation === 'vertical');

  // Rows: words whose vertical centres sit within half a unit of the row's, scanning top to bottom.
  const byTop = [...words].sort((a, b) => centreY(a.bbox) - centreY(b.bbox));
  const rowWords: LayoutWord[][] = [];
  const rowCentre: number[] = [];
  for (const w of byTop) {
    const cy = centreY(w.bbox);
    let placed = false;
    for (let r = rowWords.length - 1; r >= 0 && r >= rowWords.length - 4; r--) {
      if (Math.abs(rowCentre[r] - cy) <= unit * 0.45) {
        rowWords[r].push(w);
        rowCentre[r] = (rowCentre[r] * (rowWords[r].length - 1) + cy) / rowWords[r].length;
        placed = true;
        break;
      }
    }
    if (!placed) {
      rowWords.push([w]);
      rowCentre.push(cy);
    }
  }
  const order = rowCentre.map((c, i) => [c, i] as const).sort((a, b) => a[0] - b[0]);
  const segments: Segment[] = [];
  const rows: number[][] = [];
  for (const [, r] of order) {
    const ws = rowWords[r].sort((a, b) => a.bbox.x0 - b.bbox.x0);
    const ids: number[] = [];
    let current: LayoutWord[] = [];
    const flush = () => {
      if (!current.length) return;
      const seg = makeSegment(page.page, segments.length, rows.length, current);
      segments.push(seg);
      ids.push(seg.id);
      current = [];
    };
    for (const w of ws) {
      const prev = current[current.length - 1];
      if (prev && isColumnGap(prev, w, unit, rules)) flush();
      current.push(w);
    }
    flush();
    rows.push(ids);
  }
  const layout: LayoutPage = {
    page: page.page,
    width: page.width,
    height: page.height,
    unit,
    segments,
    rows,
    rules: page.rules ?? [],
    headerRow: null,
  };
  layout.headerRow = findFaxHeader(layout);
  return layout;
}

/**
 * A page fed or scanned at a slant puts one printed line at different heights across the page: the
 * median slope between neighbouring words of a line (in text order) is sheared out of the boxes, so
 * rows and columns are found as printed. Evidence keeps the boxes as received.
 */
function levelWords(words: LayoutWord[], unit: number): void {
  const slopes: number[] = [];
  const byIndex = [...words].sort((a, b) => a.index - b.index);
  for (let i = 1; i < byIndex.length; i++) {
    const a = byIndex[i - 1].bbox;
    const b = byIndex[i].bbox;
    const dx = (b.x0 + b.x1) / 2 - (a.x0 + a.x1) / 2;
    const dy = centreY(b) - centreY(a);
    if (dx > unit && b.x0 - a.x1 < unit * 3 && Math.abs(dy) < unit * 0.6) slopes.push(dy / dx);
  }
  if (slopes.length < 8) return;
  slopes.sort((x, y) => x - y);
  const slope = slopes[Math.floor(slopes.length / 2)];
  if (Math.abs(slope) < 0.002) return;
  for (const w of words) {
    const shift = slope * ((w.bbox.x0 + w.bbox.x1) / 2);
    w.bbox = { x0: w.bbox.x0, x1: w.bbox.x1, y0: w.bbox.y0 - shift, y1: w.bbox.y1 - shift };
  }
}

function makeSegment(page: number, id: number, row: number, words: LayoutWord[]): Segment {
  return {
    page,
    id,
    row,
    words,
    text: words.map((w) => w.text).join(' '),
    bbox: union(words.map((w) => w.bbox)),
  };
}

// A gap wider than about one and a half characters' height separates columns; so does a vertical rule.
function isColumnGap(a: LayoutWord, b: LayoutWord, unit: number, rules: OcrRule[]): boolean {
  const gap = b.bbox.x0 - a.bbox.x1;
  if (gap > unit * 1.3) return true;
  // A tick box glyph after a word starts a new option ("Yes ☐ No ☒" reads as options, not one value).
  if (gap > unit * 0.6 && /^[☐☒☑□■]$/.test(b.text) && !/^[☐☒☑□■]$/.test(a.text)) return true;
  const y0 = Math.max(a.bbox.y0, b.bbox.y0);
  const y1 = Math.min(a.bbox.y1, b.bbox.y1);
  return rules.some(
    (r) =>
      r.bbox.x0 >= a.bbox.x1 - 2 &&
      r.bbox.x1 <= b.bbox.x0 + 2 &&
      r.bbox.y0 <= y1 &&
      r.bbox.y1 >= y0 - (y1 - y0),
  );
}

// The sending machine's header: the top row of the page with a page counter ("P.1/2", "Pg 1/1",
// "PAGE 01/01", "1 of 3") or a FROM/TO station pair.
function findFaxHeader(layout: LayoutPage): number | null {
  for (let r = 0; r < Math.min(2, layout.rows.length); r++) {
    const segs = layout.rows[r].map((id) => layout.segments[id]);
    if (segs.some((s) => s.bbox.y0 > layout.height * 0.06)) continue;
    const text = segs.map((s) => s.text).join(' ');
    if (/\b(?:p(?:g|age)?\.?\s*0*\d+\s*(?:\/|of)\s*0*\d+|from\s*:|to\s*:)/i.test(text)) return r;
  }
  return null;
}

export function centreY(b: BoundingBox): number {
  return (b.y0 + b.y1) / 2;
}

export function union(boxes: BoundingBox[]): BoundingBox {
  return {
    x0: Math.min(...boxes.map((b) => b.x0)),
    y0: Math.min(...boxes.map((b) => b.y0)),
    x1: Math.max(...boxes.map((b) => b.x1)),
    y1: Math.max(...boxes.map((b) => b.y1)),
  };
}

/** Horizontal overlap of two boxes, in pixels (negative: the gap between them). */
export function xOverlap(a: BoundingBox, b: BoundingBox): number {
  return Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
}

/** Whether a horizontal ruling line runs between two vertically stacked boxes (a box edge). */
export function ruleBetween(layout: LayoutPage, upper: BoundingBox, lower: BoundingBox): boolean {
  const x0 = Math.max(upper.x0, lower.x0);
  const x1 = Math.min(upper.x1, lower.x1);
  return layout.rules.some(
    (r) =>
      r.orientation === 'horizontal' &&
      r.bbox.y0 >= upper.y1 - 2 &&
      r.bbox.y1 <= lower.y0 + 2 &&
      r.bbox.x0 <= Math.max(x0, x1) &&
      r.bbox.x1 >= Math.min(x0, x1),
  );
}
