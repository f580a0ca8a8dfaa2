// Stretches standard-resolution fax pages (204×98 dpi) to square pixels, so glyphs reach OCR with
// the proportions its models were trained on instead of squashed to half their height.

import { type Bitmap, createBitmap } from '../documents/bitmap.ts';

/** Vertical stretch factor that makes the pixels square; 1 when they already are (within 10 %). */
export function squarePixelFactor(xResolution: number, yResolution: number): number {
  const f = xResolution / yResolution;
  return Math.abs(f - 1) < 0.1 ? 1 : f;
}

/** Repeats rows (nearest neighbour) so the page is `factor` times taller. */
export function stretchRows(b: Bitmap, factor: number): Bitmap {
  if (factor === 1) return b;
  const out = createBitmap(b.width, Math.round(b.height * factor));
  for (let y = 0; y < out.height; y++) {
    const from = Math.min(b.height - 1, Math.floor(y / factor)) * b.rowBytes;
    out.data.set(b.data.subarray(from, from + b.rowBytes), y * out.rowBytes);
  }
  return out;
}
