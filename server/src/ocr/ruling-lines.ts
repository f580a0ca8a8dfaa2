// Finds the ruling lines of a form page (box edges, table rules, fill-in lines) in the 1-bit image,
// and erases them before OCR: tesseract reads rules as junk characters and merges boxed text into them.

import { type Bitmap, getPixel, setPixel } from '../documents/bitmap.ts';
import type { BoundingBox } from './ocr-result.ts';

export type RuleOrientation = 'horizontal' | 'vertical';

export interface RulingLine {
  orientation: RuleOrientation;
  /** Extent of the rule's pixels (inclusive x0/y0, exclusive x1/y1). */
  bbox: BoundingBox;
}

export interface RulingOptions {
  /** Resolution of the (square-pixel) page, dpi: lengths below are in inches. */
  dpi: number;
  /** Shortest run that is a rule, inches. Letters' bars and dashes stay well below (0.1 in at 12 pt). */
  minLengthInches?: number;
  /** Thickest rule, inches; darker bands (inverted headers, photos) are not rules. */
  maxThicknessInches?: number;
  /** Breaks in a rule from fax line noise that are bridged, pixels. */
  maxGapPixels?: number;
}

interface Run {
  /** Row (horizontal) or column (vertical) of the run. */
  at: number;
  from: number;
  to: number;
}

/**
 * The page's ruling lines and a copy of the page with their pixels cleared. Scans rows for long
 * black runs (and columns the same way), bridging small breaks, and joins runs on neighbouring
 * rows that overlap into one rule, so a rule left slightly skewed stays one rule.
 */
export function findRulingLines(
  page: Bitmap,
  options: RulingOptions,
): { rules: RulingLine[]; cleaned: Bitmap } {
  const minLength = Math.max(24, Math.round((options.minLengthInches ?? 0.4) * options.dpi));
  const maxThickness = Math.max(3, Math.round((options.maxThicknessInches ?? 0.05) * options.dpi));
  const maxGap = options.maxGapPixels ?? 3;
  const cleaned: Bitmap = { ...page, data: page.data.slice() };
  const rules: RulingLine[] = [];

  const horizontal = groupRuns(rowRuns(page, minLength, maxGap), maxThickness, maxGap);
  for (const group of horizontal) {
    rules.push({ orientation: 'horizontal', bbox: groupBox(group, 'horizontal') });
    eraseRule(page, cleaned, group, 'horizontal');
  }
  const vertical = groupRuns(columnRuns(page, minLength, maxGap), maxThickness, maxGap);
  for (const group of vertical) {
    rules.push({ orientation: 'vertical', bbox: groupBox(group, 'vertical') });
    eraseRule(page, cleaned, group, 'vertical');
  }
  return { rules, cleaned };
}

/**
 * Clears a rule's pixels from `cleaned`, except where a stroke crosses it (ink just before and just
 * after the rule across its thickness): a letter that touches or crosses a box edge keeps its stem.
 */
function eraseRule(page: Bitmap, cleaned: Bitmap, group: Run[], orientation: RuleOrientation): void {
  // The rule's near and far edge at each position along it (a slightly skewed rule steps).
  const near = new Map<number, number>();
  const far = new Map<number, number>();
  for (const r of group) {
    for (let p = r.from; p < r.to; p++) {
      near.set(p, Math.min(near.get(p) ?? Infinity, r.at));
      far.set(p, Math.max(far.get(p) ?? -Infinity, r.at));
    }
  }
  const ink = (along: number, across: number) =>
    orientation === 'horizontal' ? getPixel(page, along, across) : getPixel(page, across, along);
  for (const r of group) {
    for (let p = r.from; p < r.to; p++) {
      if (ink(p, near.get(p)! - 1) && ink(p, far.get(p)! + 1)) continue;
      if (orientation === 'horizontal') setPixel(cleaned, p, r.at, 0);
      else setPixel(cleaned, r.at, p, 0);
    }
  }
}

function rowRuns(b: Bitmap, minLength: number, maxGap: number): Run[] {
  const runs: Run[] = [];
  for (let y = 0; y < b.height; y++) {
    const row = y * b.rowBytes;
    let start = -1;
    let lastBlack = -2;
    const close = () => {
      if (start >= 0 && lastBlack + 1 - start >= minLength)
        runs.push({ at: y, from: start, to: lastBlack + 1 });
      start = -1;
    };
    for (let i = 0; i < b.rowBytes; i++) {
      const byte = b.data[row + i];
      if (byte === 0) {
        // A white byte: the run (if any) can only continue if the gap stays bridgeable.
        if (start >= 0 && (i + 1) * 8 - 1 - lastBlack > maxGap) close();
        continue;
      }
      for (let bit = 0; bit < 8; bit++) {
        const x = i * 8 + bit;
        if (x >= b.width) break;
        if (!(byte & (0x80 >> bit))) continue;
        if (start >= 0 && x - lastBlack - 1 > maxGap) close();
        if (start < 0) start = x;
        lastBlack = x;
      }
    }
    close();
  }
  return runs;
}

function columnRuns(b: Bitmap, minLength: number, maxGap: number): Run[] {
  const runs: Run[] = [];
  const start = new Int32Array(b.width).fill(-1);
  const lastBlack = new Int32Array(b.width).fill(-2);
  const close = (x: number) => {
    if (start[x] >= 0 && lastBlack[x] + 1 - start[x] >= minLength)
      runs.push({ at: x, from: start[x], to: lastBlack[x] + 1 });
    start[x] = -1;
  };
  // Row by row (the image's own order), keeping one open run per column.
  for (let y = 0; y < b.height; y++) {
    const row = y * b.rowBytes;
    for (let i = 0; i < b.rowBytes; i++) {
      const byte = b.data[row + i];
      for (let bit = 0; bit < 8; bit++) {
        const x = i * 8 + bit;
        if (x >= b.width) break;
        if (byte & (0x80 >> bit)) {
          if (start[x] >= 0 && y - lastBlack[x] - 1 > maxGap) close(x);
          if (start[x] < 0) start[x] = y;
          lastBlack[x] = y;
        } else if (start[x] >= 0 && y - lastBlack[x] > maxGap) {
          close(x);
        }
      }
    }
  }
  for (let x = 0; x < b.width; x++) close(x);
  return runs;
}

/**
 * Joins runs on adjacent rows (or columns) that overlap or meet end to end (a skewed rule steps
 * from one row to the next); keeps groups no thicker than a rule.
 */
function groupRuns(runs: Run[], maxThickness: number, maxGap: number): Run[][] {
  runs.sort((a, b) => a.at - b.at || a.from - b.from);
  const groups: { runs: Run[]; last: number; from: number; to: number }[] = [];
  let open: typeof groups = [];
  for (const run of runs) {
    open = open.filter((g) => run.at - g.last <= 1);
    const home = open.find((g) => run.from <= g.to + maxGap && run.to >= g.from - maxGap);
    if (home) {
      home.runs.push(run);
      home.last = run.at;
      home.from = Math.min(home.from, run.from);
      home.to = Math.max(home.to, run.to);
    } else {
      const g = { runs: [run], last: run.at, from: run.from, to: run.to };
      groups.push(g);
      open.push(g);
    }
  }
  return (
    groups
      // Mean thickness (black area over length): a rule left slightly skewed spans more rows, not more ink.
      .filter((g) => g.runs.reduce((sum, r) => sum + r.to - r.from, 0) / (g.to - g.from) <= maxThickness)
      .map((g) => g.runs)
  );
}

function groupBox(runs: Run[], orientation: RuleOrientation): BoundingBox {
  let [from, to, first, last] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const r of runs) {
    from = Math.min(from, r.from);
    to = Math.max(to, r.to);
    first = Math.min(first, r.at);
    last = Math.max(last, r.at);
  }
  return orientation === 'horizontal'
    ? { x0: from, y0: first, x1: to, y1: last + 1 }
    : { x0: first, y0: from, x1: last + 1, y1: to };
}
