// Reads the cells of a ruled table or boxed form apart from the page: each cell's pixels alone (the
// rules and everything outside whitened), a row's cells side by side with white between them, then
// the rest of the page with those cells blanked. A word can no longer run across the rule between
// two cells, nor a box's value into its neighbour's label.

import type { Bitmap } from '../../server/src/documents/bitmap.ts';
import type { Cell, CellMap } from '../../server/src/ocr/cell-grid.ts';
import type { GreyImage } from '../../server/src/ocr/grey-smoothing.ts';
import type { BoundingBox } from '../../server/src/ocr/ocr-result.ts';
import type { EngineOutput, EngineRequest, EngineWord } from './engine-words.ts';

/** White margin around the sheet of cells, pixels: tesseract finds text lines poorly at an image's edge. */
const MARGIN = 8;
/**
 * White between two cells laid side by side, and between two rows, inches: several word spaces, so
 * no word runs from one cell into the next, while a row still reads as lines.
 */
const CELL_GAP_INCHES = 0.25;
/** A cell with fewer black pixels than this holds specks, not text (a digit is ~60 at 204 dpi). */
const MIN_INK = 30;
/** Engine block numbers of cells start here, after any the page itself gets. */
const CELL_BLOCKS = 1_000_000;

export interface CellReading {
  /** Words of every cell read, on the page's coordinates; `cellOf[i]` is the cell of `words[i]`. */
  words: EngineWord[];
  cellOf: number[];
  /** The page to read next: the request with the cells read blanked. */
  rest: EngineRequest;
  timedOut: boolean;
}

interface Placed {
  cell: Cell;
  /** Where the cell's left edge is on the sheet. */
  x: number;
}

/** One row of cells on the sheet: `top` on the page is at `y` on the sheet. */
interface Strip {
  placed: Placed[];
  top: number;
  y: number;
  height: number;
}

/**
 * Reads every cell with ink in one engine call: the cells of one row (their tops and bottoms line
 * up) side by side with white between them, the rows one under another on one sheet. A row read
 * alone loses the lines around it (tesseract read an uppercase header "QTY" as "QTy" alone, "QTY"
 * with the rows below). Each word goes back to the cell it was read in.
 */
export async function readCells(
  request: EngineRequest,
  map: CellMap,
  recognize: (request: EngineRequest) => Promise<EngineOutput>,
): Promise<CellReading> {
  const page = { ...request.bitmap, data: request.bitmap.data.slice() };
  const grey = request.grey ? { ...request.grey, data: request.grey.data.slice() } : undefined;
  const inked = map.cells.filter((c) => inkIn(request.bitmap, map, c) >= MIN_INK);
  const out: CellReading = { words: [], cellOf: [], rest: request, timedOut: false };
  if (!inked.length) return out;
  const gap = Math.round(CELL_GAP_INCHES * request.dpi);
  const sheet: Strip[] = [];
  let [width, height] = [0, MARGIN];
  for (const row of strips(inked, request.dpi)) {
    const placed: Placed[] = [];
    let x = MARGIN;
    for (const cell of row) {
      placed.push({ cell, x });
      x += cell.bbox.x1 - cell.bbox.x0 + gap;
    }
    width = Math.max(width, x - gap + MARGIN);
    const top = Math.min(...row.map((c) => c.bbox.y0));
    const rowHeight = Math.max(...row.map((c) => c.bbox.y1)) - top;
    sheet.push({ placed, top, y: height, height: rowHeight });
    height += rowHeight + gap;
  }
  height += MARGIN - gap;
  const result = await recognize({
    bitmap: sheetBitmap(request.bitmap, map, sheet, width, height),
    grey: request.grey && sheetGrey(request.grey, map, sheet, width, height),
    dpi: request.dpi,
    psm: 6,
    timeoutMs: request.timeoutMs,
  });
  out.timedOut = result.timedOut;
  for (const w of result.words) {
    const cy = (w.bbox.y0 + w.bbox.y1) / 2;
    const cx = (w.bbox.x0 + w.bbox.x1) / 2;
    const strip = sheet.findLast((s) => s.y - gap / 2 <= cy) ?? sheet[0];
    const home = strip.placed.findLast((p) => p.x - gap / 2 <= cx) ?? strip.placed[0];
    const dx = home.cell.bbox.x0 - home.x;
    const dy = strip.top - strip.y;
    out.words.push({
      ...w,
      bbox: { x0: w.bbox.x0 + dx, y0: w.bbox.y0 + dy, x1: w.bbox.x1 + dx, y1: w.bbox.y1 + dy },
      block: CELL_BLOCKS + home.cell.label,
    });
    out.cellOf.push(home.cell.label);
  }
  for (const cell of inked) blank(page, grey, map, cell.label, cell.bbox);
  out.rest = { ...request, bitmap: page, grey };
  return out;
}

/** Cells grouped into rows: a cell joins a row whose top and bottom are within a fifth of an inch of its own. */
function strips(cells: readonly Cell[], dpi: number): Cell[][] {
  const slack = 0.2 * dpi;
  const rows: Cell[][] = [];
  for (const cell of [...cells].sort((a, b) => a.bbox.y0 - b.bbox.y0)) {
    const row = rows.find(
      (r) => Math.abs(r[0].bbox.y0 - cell.bbox.y0) <= slack && Math.abs(r[0].bbox.y1 - cell.bbox.y1) <= slack,
    );
    if (row) row.push(cell);
    else rows.push([cell]);
  }
  for (const row of rows) row.sort((a, b) => a.bbox.x0 - b.bbox.x0);
  return rows;
}

/** Whether grid square (x, y) of the page (pixels) belongs to cell `label`. */
function inCell(map: CellMap, label: number, x: number, y: number): boolean {
  return map.labels[((y / map.step) | 0) * map.columns + ((x / map.step) | 0)] === label;
}

/** Black pixels of the page inside a cell. */
function inkIn(page: Bitmap, map: CellMap, cell: Cell): number {
  let ink = 0;
  for (let y = cell.bbox.y0; y < cell.bbox.y1; y++) {
    for (let x = cell.bbox.x0; x < cell.bbox.x1; x++) {
      if ((page.data[y * page.rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1 && inCell(map, cell.label, x, y))
        ink++;
    }
  }
  return ink;
}

/** The cells' pixels on a white sheet, each at its place; everything outside a cell stays white. */
function sheetBitmap(page: Bitmap, map: CellMap, sheet: Strip[], width: number, height: number): Bitmap {
  const rowBytes = (width + 7) >> 3;
  const data = new Uint8Array(rowBytes * height);
  for (const strip of sheet) {
    for (const { cell, x: at } of strip.placed) {
      const { x0, y0, x1, y1 } = cell.bbox;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          if (!((page.data[y * page.rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1)) continue;
          if (!inCell(map, cell.label, x, y)) continue;
          const sx = x - x0 + at;
          data[(y - strip.top + strip.y) * rowBytes + (sx >> 3)] |= 0x80 >> (sx & 7);
        }
      }
    }
  }
  return { width, height, rowBytes, data };
}

function sheetGrey(page: GreyImage, map: CellMap, sheet: Strip[], width: number, height: number): GreyImage {
  const data = new Uint8Array(width * height).fill(255);
  for (const strip of sheet) {
    for (const { cell, x: at } of strip.placed) {
      const { x0, y0, x1, y1 } = cell.bbox;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          if (inCell(map, cell.label, x, y))
            data[(y - strip.top + strip.y) * width + x - x0 + at] = page.data[y * page.width + x];
        }
      }
    }
  }
  return { width, height, data };
}

/** Whitens a cell read on the page (and its grey copy), so the page's own reading skips it. */
function blank(
  page: Bitmap,
  grey: GreyImage | undefined,
  map: CellMap,
  label: number,
  box: BoundingBox,
): void {
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      if (!inCell(map, label, x, y)) continue;
      page.data[y * page.rowBytes + (x >> 3)] &= ~(0x80 >> (x & 7));
      if (grey) grey.data[y * grey.width + x] = 255;
    }
  }
}
