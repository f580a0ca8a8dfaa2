// Repairs the lines a sheet-fed scanner draws down a whole fax page: dirt on the glass (a black
// line), a dead sensor element (a white one), the shadow of a sheet narrower than the glass.

import { type Bitmap, cloneBitmap, getPixel, setPixel } from '../documents/bitmap.ts';

/** Columns a streak covers (inclusive `x0`, exclusive `x1`). */
export interface ScannerStreak {
  kind: 'black' | 'white';
  x0: number;
  x1: number;
}

/**
 * A column black on at least this share of its rows is a streak: the scanner's sensor sees every
 * line of the sheet, while a printed rule stops at the page's margins and a text column has gaps.
 */
const BLACK_SHARE = 0.95;
/** Widest streak repaired, as a share of the page width (~5 px at 204 dpi): wider is content. */
const MAX_WIDTH_SHARE = 0.003;
/**
 * A white streak is a run of empty columns whose neighbours both hold ink on this many rows at
 * once: strokes it cut. Gutters and margins have ink on one side at most.
 */
const MIN_CUT_ROWS_SHARE = 0.01;

/**
 * Finds full-height streaks and returns a repaired copy of the page (the same page when there is
 * none). Black streaks are erased except where a stroke crosses them (ink on both sides); white
 * ones are filled where a stroke was cut (ink on both sides). Edge shadows (black at the page
 * border) are erased outright.
 */
export function repairScannerStreaks(page: Bitmap): { bitmap: Bitmap; streaks: ScannerStreak[] } {
  const counts = columnInk(page);
  const maxWidth = Math.max(2, Math.round(page.width * MAX_WIDTH_SHARE));
  const streaks: ScannerStreak[] = [];
  for (const [x0, x1] of columnRuns(counts, (n) => n >= page.height * BLACK_SHARE)) {
    const atEdge = x0 === 0 || x1 === page.width;
    if (atEdge || x1 - x0 <= maxWidth) streaks.push({ kind: 'black', x0, x1 });
  }
  for (const [x0, x1] of columnRuns(counts, (n) => n === 0)) {
    if (x0 === 0 || x1 === page.width || x1 - x0 > maxWidth) continue;
    if (cutRows(page, x0 - 1, x1) >= page.height * MIN_CUT_ROWS_SHARE)
      streaks.push({ kind: 'white', x0, x1 });
  }
  if (streaks.length === 0) return { bitmap: page, streaks };
  const out = cloneBitmap(page);
  for (const s of streaks) {
    const atEdge = s.x0 === 0 || s.x1 === page.width;
    for (let y = 0; y < page.height; y++) {
      const crossed = !atEdge && crosses(page, s.x0 - 1, s.x1, y);
      // Black: cleared unless a stroke crosses here. White: filled only where a stroke was cut.
      if (s.kind === 'black' || crossed)
        for (let x = s.x0; x < s.x1; x++) setPixel(out, x, y, crossed ? 1 : 0);
    }
  }
  return { bitmap: out, streaks };
}

/** Black pixels per column. */
function columnInk(b: Bitmap): Uint32Array {
  const counts = new Uint32Array(b.width);
  for (let y = 0; y < b.height; y++) {
    const row = y * b.rowBytes;
    for (let i = 0; i < b.rowBytes; i++) {
      const byte = b.data[row + i];
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if (byte & (0x80 >> bit) && i * 8 + bit < b.width) counts[i * 8 + bit]++;
      }
    }
  }
  return counts;
}

/** Runs of adjacent columns whose counts pass `test`, as [x0, x1). */
function columnRuns(counts: Uint32Array, test: (n: number) => boolean): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let x = 0; x <= counts.length; x++) {
    const inside = x < counts.length && test(counts[x]);
    if (inside && start < 0) start = x;
    if (!inside && start >= 0) {
      runs.push([start, x]);
      start = -1;
    }
  }
  return runs;
}

/** Rows on which both columns hold ink. */
function cutRows(b: Bitmap, left: number, right: number): number {
  let n = 0;
  for (let y = 0; y < b.height; y++) if (getPixel(b, left, y) && getPixel(b, right, y)) n++;
  return n;
}

/** Whether a stroke passes from column `left` to column `right` at row y: level, or slanting a row. */
function crosses(b: Bitmap, left: number, right: number, y: number): boolean {
  return [0, -1, 1].some((dy) => getPixel(b, left, y - dy) === 1 && getPixel(b, right, y + dy) === 1);
}
