// Reads the cells of a ruled table or boxed form one by one, each on its own crop with everything
// outside the cell whitened, then the rest of the page with those cells blanked: a word can no
// longer run across the rule between two cells, nor a box's value into its neighbour's label.

import type { Bitmap } from '../../server/src/documents/bitmap.ts';
import type { CellMap } from '../../server/src/ocr/cell-grid.ts';
import type { GreyImage } from '../../server/src/ocr/grey-smoothing.ts';
import type { BoundingBox } from '../../server/src/ocr/ocr-result.ts';
import type { EngineOutput, EngineRequest, EngineWord } from './engine-words.ts';

/** White margin around a cell's crop, pixels: tesseract finds text lines poorly at an image's edge. */
const MARGIN = 8;
/** A cell with fewer black pixels than this holds specks, not text (a digit is ~60 at 204 dpi). */
const MIN_INK = 30;
/** Cells taller than this many inches hold paragraphs: read with automatic layout, not as one block. */
const BLOCK_INCHES = 1.2;
/** Engine block numbers of cells start here, after any the page itself gets. */
const CELL_BLOCKS = 1_000_000;

export interface CellReading {
  /** Words of every cell read, on the page's coordinates; `cellOf[i]` is the cell of `words[i]`. */
  words: EngineWord[];
  cellOf: number[];
  /** The cells that were read (those with ink). */
  read: Set<number>;
  /** The page to read next: the request with the cells read blanked. */
  rest: EngineRequest;
  timedOut: boolean;
}

export async function readCells(
  request: EngineRequest,
  map: CellMap,
  recognize: (request: EngineRequest) => Promise<EngineOutput>,
): Promise<CellReading> {
  const out: CellReading = { words: [], cellOf: [], read: new Set(), rest: request, timedOut: false };
  const deadline = request.timeoutMs > 0 ? performance.now() + request.timeoutMs : Infinity;
  const page = { ...request.bitmap, data: request.bitmap.data.slice() };
  const grey = request.grey ? { ...request.grey, data: request.grey.data.slice() } : undefined;
  let line = 0;
  for (const cell of map.cells) {
    const crop = cropCell(request.bitmap, map, cell.label, cell.bbox);
    if (crop.ink < MIN_INK) continue;
    const left = deadline - performance.now();
    if (left <= 0) {
      out.timedOut = true;
      break;
    }
    const tall = cell.bbox.y1 - cell.bbox.y0 > BLOCK_INCHES * request.dpi;
    const result = await recognize({
      bitmap: crop.bitmap,
      grey: request.grey && cropGrey(request.grey, map, cell.label, cell.bbox),
      dpi: request.dpi,
      psm: tall ? 3 : 6,
      timeoutMs: Number.isFinite(left) ? Math.max(1, Math.round(left)) : 0,
    });
    if (result.timedOut) out.timedOut = true;
    const dx = cell.bbox.x0 - MARGIN;
    const dy = cell.bbox.y0 - MARGIN;
    const firstLine = line;
    for (const w of result.words) {
      out.words.push({
        ...w,
        bbox: { x0: w.bbox.x0 + dx, y0: w.bbox.y0 + dy, x1: w.bbox.x1 + dx, y1: w.bbox.y1 + dy },
        line: firstLine + w.line,
        block: CELL_BLOCKS + cell.label,
      });
      out.cellOf.push(cell.label);
      line = Math.max(line, firstLine + w.line + 1);
    }
    out.read.add(cell.label);
    blank(page, grey, map, cell.label, cell.bbox);
  }
  out.rest = { ...request, bitmap: page, grey };
  return out;
}

/** Whether grid square (x, y) of the page (pixels) belongs to cell `label`. */
function inCell(map: CellMap, label: number, x: number, y: number): boolean {
  return map.labels[((y / map.step) | 0) * map.columns + ((x / map.step) | 0)] === label;
}

/** The cell's pixels on a white crop with a margin; everything outside the cell is white. */
function cropCell(
  page: Bitmap,
  map: CellMap,
  label: number,
  box: BoundingBox,
): { bitmap: Bitmap; ink: number } {
  const width = box.x1 - box.x0 + 2 * MARGIN;
  const height = box.y1 - box.y0 + 2 * MARGIN;
  const rowBytes = (width + 7) >> 3;
  const data = new Uint8Array(rowBytes * height);
  let ink = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      if (!((page.data[y * page.rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1)) continue;
      if (!inCell(map, label, x, y)) continue;
      const cx = x - box.x0 + MARGIN;
      data[(y - box.y0 + MARGIN) * rowBytes + (cx >> 3)] |= 0x80 >> (cx & 7);
      ink++;
    }
  }
  return { bitmap: { width, height, rowBytes, data }, ink };
}

function cropGrey(page: GreyImage, map: CellMap, label: number, box: BoundingBox): GreyImage {
  const width = box.x1 - box.x0 + 2 * MARGIN;
  const height = box.y1 - box.y0 + 2 * MARGIN;
  const data = new Uint8Array(width * height).fill(255);
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      if (inCell(map, label, x, y)) {
        data[(y - box.y0 + MARGIN) * width + x - box.x0 + MARGIN] = page.data[y * page.width + x];
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
