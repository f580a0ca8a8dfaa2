// Fax-aware clean-up of a page before OCR, and the way back: every box OCR finds on the cleaned
// image is mapped to the page as received, which is what the text layer and extraction need.

import type { Bitmap } from '../documents/bitmap.ts';
import { estimateSkew, rotate, unrotatePoint } from './deskew.ts';
import { despeckle } from './despeckle.ts';
import type { BoundingBox } from './ocr-result.ts';
import { squarePixelFactor, stretchRows } from './square-pixels.ts';

export interface PreprocessOptions {
  squarePixels: boolean;
  despeckle: boolean;
  deskew: boolean;
  /** Find box and table rules, erase them before OCR and use them for reading order (ruling-lines.ts). */
  rulingLines: boolean;
}

/** Measured on the generated fixtures (see server/bench/ocr.ts --cer); each step earns its place there. */
export const DEFAULT_PREPROCESS: PreprocessOptions = {
  squarePixels: true,
  despeckle: true,
  deskew: true,
  rulingLines: true,
};

/** Skews below this are left alone: rotating costs more (jagged strokes) than it gains. */
const MIN_SKEW_DEGREES = 0.15;

export interface PreparedPage {
  bitmap: Bitmap;
  /** Resolution of `bitmap` in dpi (both axes after squaring). */
  xResolution: number;
  yResolution: number;
  /** The skew that was removed, degrees (0 when none). */
  skewDegrees: number;
  /** Maps a box on `bitmap` back to the page as received. */
  toOriginal(box: BoundingBox): BoundingBox;
}

export function preparePage(
  page: Bitmap,
  xResolution: number,
  yResolution: number,
  options: PreprocessOptions = DEFAULT_PREPROCESS,
): PreparedPage {
  let bitmap = page;
  if (options.despeckle) bitmap = despeckle(bitmap);
  const factor = options.squarePixels ? squarePixelFactor(xResolution, yResolution) : 1;
  bitmap = stretchRows(bitmap, factor);
  let skew = 0;
  if (options.deskew) {
    skew = estimateSkew(bitmap);
    if (Math.abs(skew) >= MIN_SKEW_DEGREES) bitmap = rotate(bitmap, -skew);
    else skew = 0;
  }
  const { width, height } = bitmap;
  const toOriginal = (box: BoundingBox): BoundingBox => {
    let b = box;
    if (skew !== 0) {
      const corners = [
        unrotatePoint(width, height, -skew, b.x0, b.y0),
        unrotatePoint(width, height, -skew, b.x1, b.y0),
        unrotatePoint(width, height, -skew, b.x0, b.y1),
        unrotatePoint(width, height, -skew, b.x1, b.y1),
      ];
      b = {
        x0: Math.min(...corners.map((p) => p.x)),
        y0: Math.min(...corners.map((p) => p.y)),
        x1: Math.max(...corners.map((p) => p.x)),
        y1: Math.max(...corners.map((p) => p.y)),
      };
    }
    const clamp = (v: number, max: number) => Math.min(max, Math.max(0, Math.round(v)));
    return {
      x0: clamp(b.x0, page.width),
      y0: clamp(b.y0 / factor, page.height),
      x1: clamp(b.x1, page.width),
      y1: clamp(b.y1 / factor, page.height),
    };
  };
  return { bitmap, xResolution, yResolution: yResolution * factor, skewDegrees: skew, toOriginal };
}
