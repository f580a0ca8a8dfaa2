// What OCR produces for one fax page: shared by the OCR pool, the PDF text layer, the inbox
// search index and the extraction providers (which ground their answers in these words).

/** Pixel box on the page image as received (origin top-left). */
export interface BoundingBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrWord {
  text: string;
  /** 0–100, as tesseract reports it. */
  confidence: number;
  bbox: BoundingBox;
}

/**
 * One line of text in reading order: words on one baseline within one block. Its words are
 * `page.words.slice(firstWord, firstWord + wordCount)`, left to right.
 */
export interface OcrLine {
  /** The words joined by single spaces (one line of `OcrPage.text`). */
  text: string;
  bbox: BoundingBox;
  /** Mean word confidence, 0–100. */
  confidence: number;
  /** Index into `OcrPage.blocks`. */
  block: number;
  firstWord: number;
  wordCount: number;
}

/**
 * A region of the page read as a unit: a box of a form (bounded by ruling lines), a column, a
 * table row band, a paragraph. Its lines are `page.lines.slice(firstLine, firstLine + lineCount)`.
 * A boxed field is one block holding its label's line(s), then its value's.
 */
export interface OcrBlock {
  /** The union of the block's words. */
  bbox: BoundingBox;
  /**
   * The area the page was cut into to make this block (whitespace gutters, ruling lines): for a
   * boxed field, the box. Values "inside the same box" as a label lie in this region.
   */
  region: BoundingBox;
  /** True when at least one side of `region` is a ruling line rather than whitespace. */
  ruled: boolean;
  firstLine: number;
  lineCount: number;
}

/** A ruling line found on the page (box edge, table rule, fill-in line). */
export interface OcrRule {
  orientation: 'horizontal' | 'vertical';
  bbox: BoundingBox;
}

/** One cell of a ruled table: the area between its rules and the words read inside it. */
export interface OcrTableCell {
  bbox: BoundingBox;
  /** The cell's words in reading order, joined by spaces (lines too); empty for an empty cell. */
  text: string;
  /** Indices into `OcrPage.words`. */
  words: number[];
}

/**
 * A ruled table or grid of form boxes: cells bounded by rules on every side, each read on its own
 * (so no word spans two cells). Rows are the cells whose tops line up, top to bottom.
 */
export interface OcrTable {
  bbox: BoundingBox;
  /** Rows top to bottom, each row's cells left to right. */
  rows: OcrTableCell[][];
}

/**
 * The engines that can read a page (see server/src/ocr/ocr-engine.ts). `paddle` (PaddleOCR on
 * onnxruntime-node) is for the OCR bench only: its package is a devDependency.
 */
export type OcrEngineName = 'native' | 'tesseract.js' | 'paddle';

export interface OcrPage {
  /** 1-based page number within the fax. */
  page: number;
  /** Page image size in pixels (as received, before any preprocessing). */
  width: number;
  height: number;
  /** Horizontal and vertical resolution in dots per inch (fax: 204×196 fine, 204×98 standard). */
  xResolution: number;
  yResolution: number;
  /** The page's text in reading order: `lines` joined by newlines, blocks separated by a blank line. */
  text: string;
  /** Mean word confidence, 0–100. */
  confidence: number;
  /** Every word, in reading order (the order of `text`). */
  words: OcrWord[];
  /** Reading-order lines over `words` (absent in results stored before reading order existed). */
  lines?: OcrLine[];
  /** Reading-order blocks over `lines`. */
  blocks?: OcrBlock[];
  /** Ruling lines found on the page. */
  rules?: OcrRule[];
  /** Ruled tables and grids of boxes, cell by cell (absent in results stored before cells were read). */
  tables?: OcrTable[];
  /** The engine that read the page. */
  engine?: OcrEngineName;
  /** The engine stopped at the page's time budget: the text may be incomplete. */
  timedOut?: boolean;
}
