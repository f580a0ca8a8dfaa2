// Fax-aware clean-up of a page before OCR, and the way back: every box OCR finds on the cleaned
// image is mapped to the page as received, which is what the text layer and extraction need.
// A slightly skewed page is not rotated for OCR (tesseract reads it better than our nearest-neighbour
// rotation of it, measured on the blind corpus); its layout is levelled instead.

import type { Bitmap } from '../documents/bitmap.ts';
import { estimateSkew, rotate, unrotatePoint } from './deskew.ts';
import { despeckle } from './despeckle.ts';
import type { BoundingBox } from './ocr-result.ts';
import { repairScannerStreaks } from './scanner-streaks.ts';
import { squarePixelFactor, stretchRows } from './square-pixels.ts';

export interface PreprocessOptions {
  /** Repair full-height scanner streaks (scanner-streaks.ts) before anything reads the page. */
  repairStreaks: boolean;
  squarePixels: boolean;
  despeckle: boolean;
  /** Measure the skew and level the layout (ruling lines, lines of words) by it. */
  deskew: boolean;
  /** Find box and table rules for reading order (ruling-lines.ts). */
  rulingLines: boolean;
  /** Also erase the rules found from the image OCR reads. */
  eraseRules: boolean;
  /**
   * Read each cell of a ruled table or boxed form on its own crop (cell-grid.ts), then the rest of
   * the page: no word runs across the rule between two cells. Off by default: on seven dev form
   * families it left field F1 where it was (0.422 -> 0.423) for 1.26x the CPU per page and twice the
   * worker's peak memory; `OcrPage.tables` is there for a reader that uses it.
   */
  cells: boolean;
  /** OCR reads the page rotated level when its skew is at least this many degrees (else as it is). */
  rotateAboveDegrees: number;
  /**
   * OCR reads a standard-resolution page (stretched to square pixels) as grey, blurred by this many
   * pixels (grey-smoothing.ts); 0 reads the bits. Fine pages are always read as bits.
   */
  smoothSigma: number;
}

/**
 * Measured in `npm run bench:ocr -- --ablation` (generated pages and the blind corpus's dev set).
 * Erasing rules cost 7 points of order-free CER on the corpus (text touching the rules loses strokes).
 */
export const DEFAULT_PREPROCESS: PreprocessOptions = {
  repairStreaks: true,
  squarePixels: true,
  despeckle: true,
  deskew: true,
  rulingLines: true,
  eraseRules: false,
  cells: false,
  rotateAboveDegrees: 1.5,
  smoothSigma: 0.8,
};

/** Skews below this are left alone: lines of words stay level enough to group. */
const MIN_SKEW_DEGREES = 0.15;

export interface PreparedPage {
  /** What OCR reads: despeckled, square pixels, rotated level only past `rotateAboveDegrees`. */
  bitmap: Bitmap;
  /** Resolution of `bitmap` in dpi (both axes after squaring). */
  xResolution: number;
  yResolution: number;
  /** The page's skew, degrees (0 when below the threshold or not measured). */
  skewDegrees: number;
  /** The page rotated level (the same image when there is no skew). */
  level(): Bitmap;
  /** A box OCR found on `bitmap`, on the levelled page: centre rotated, size kept (a word stays a word). */
  toLevel(box: BoundingBox): BoundingBox;
  /** A box on the levelled page on the page as received (the box around its rotated corners). */
  levelToOriginal(box: BoundingBox): BoundingBox;
  /** A box OCR found on `bitmap`, on the page as received. */
  toOriginal(box: BoundingBox): BoundingBox;
}

export function preparePage(
  page: Bitmap,
  xResolution: number,
  yResolution: number,
  options: PreprocessOptions = DEFAULT_PREPROCESS,
): PreparedPage {
  let bitmap = page;
  // First: a streak is one long rule to the ruling-line finder and cuts every word it crosses.
  if (options.repairStreaks) bitmap = repairScannerStreaks(bitmap).bitmap;
  if (options.despeckle) bitmap = despeckle(bitmap);
  const factor = options.squarePixels ? squarePixelFactor(xResolution, yResolution) : 1;
  bitmap = stretchRows(bitmap, factor);
  let skew = options.deskew ? estimateSkew(bitmap) : 0;
  if (Math.abs(skew) < MIN_SKEW_DEGREES) skew = 0;
  const { width, height } = bitmap;
  const unrotated = bitmap;
  let level: Bitmap | undefined;
  const rotated = skew !== 0 && Math.abs(skew) >= options.rotateAboveDegrees;
  if (rotated) {
    level = rotate(unrotated, -skew);
    bitmap = level;
  }
  const unrotatedToLevel = (b: BoundingBox): BoundingBox => {
    if (skew === 0) return b;
    // rotate(bitmap, -skew) levels the page; unrotatePoint(+skew) is where a point goes under it.
    const c = unrotatePoint(width, height, skew, (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2);
    const [w, h] = [(b.x1 - b.x0) / 2, (b.y1 - b.y0) / 2];
    return { x0: c.x - w, y0: c.y - h, x1: c.x + w, y1: c.y + h };
  };
  const fromLevel = (b: BoundingBox): BoundingBox => {
    if (skew === 0) return b;
    const corners = [
      unrotatePoint(width, height, -skew, b.x0, b.y0),
      unrotatePoint(width, height, -skew, b.x1, b.y0),
      unrotatePoint(width, height, -skew, b.x0, b.y1),
      unrotatePoint(width, height, -skew, b.x1, b.y1),
    ];
    return {
      x0: Math.min(...corners.map((p) => p.x)),
      y0: Math.min(...corners.map((p) => p.y)),
      x1: Math.max(...corners.map((p) => p.x)),
      y1: Math.max(...corners.map((p) => p.y)),
    };
  };
  const unrotatedToOriginal = (b: BoundingBox): BoundingBox => {
    const clamp = (v: number, max: number) => Math.min(max, Math.max(0, Math.round(v)));
    return {
      x0: clamp(b.x0, page.width),
      y0: clamp(b.y0 / factor, page.height),
      x1: clamp(b.x1, page.width),
      y1: clamp(b.y1 / factor, page.height),
    };
  };
  return {
    bitmap,
    xResolution,
    yResolution: yResolution * factor,
    skewDegrees: skew,
    level: () => {
      level ??= skew === 0 ? unrotated : rotate(unrotated, -skew);
      return level;
    },
    toLevel: rotated ? (b) => b : unrotatedToLevel,
    levelToOriginal: (b) => unrotatedToOriginal(fromLevel(b)),
    toOriginal: rotated ? (b) => unrotatedToOriginal(fromLevel(b)) : unrotatedToOriginal,
  };
}
