// Estimates how far a fax page is rotated (a sheet fed crooked) and straightens it, so text lines
// run horizontally for OCR's line finder. Angles are small; corners that rotate off the page are lost.

import { type Bitmap, createBitmap } from '../documents/bitmap.ts';

export interface SkewEstimateOptions {
  /** Largest angle searched, degrees. Default 5. */
  maxDegrees?: number;
}

/**
 * The page's skew in degrees, positive when text lines descend to the right (clockwise as seen).
 * Projection profile: shear the black pixels' rows by each candidate angle and keep the angle whose
 * row profile is sharpest (largest sum of squared differences between neighbouring rows).
 */
export function estimateSkew(b: Bitmap, options: SkewEstimateOptions = {}): number {
  const maxDegrees = options.maxDegrees ?? 5;
  // Top edges of black runs only: one point per stroke keeps it fast and the profile peaky.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 1; y < b.height; y++) {
    const row = y * b.rowBytes;
    const above = row - b.rowBytes;
    for (let i = 0; i < b.rowBytes; i++) {
      const edges = b.data[row + i] & ~b.data[above + i];
      if (edges === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if (edges & (0x80 >> bit)) {
          xs.push(i * 8 + bit);
          ys.push(y);
        }
      }
    }
  }
  if (xs.length < 100) return 0; // a blank page has no lines to measure

  const margin = Math.ceil(b.width * Math.tan((maxDegrees * Math.PI) / 180)) + 1;
  const bins = new Float64Array(b.height + 2 * margin);
  const score = (degrees: number): number => {
    bins.fill(0);
    const slope = Math.tan((degrees * Math.PI) / 180);
    for (let k = 0; k < xs.length; k++) bins[Math.round(ys[k] - xs[k] * slope) + margin]++;
    let s = 0;
    for (let k = 1; k < bins.length; k++) {
      const d = bins[k] - bins[k - 1];
      s += d * d;
    }
    return s;
  };
  const search = (from: number, to: number, step: number): number => {
    let best = 0;
    let bestScore = -1;
    for (let a = from; a <= to + 1e-9; a += step) {
      const sc = score(a);
      if (sc > bestScore) [best, bestScore] = [a, sc];
    }
    return best;
  };
  const coarse = search(-maxDegrees, maxDegrees, 0.25);
  const fine = search(coarse - 0.25, coarse + 0.25, 0.025);
  return Math.round(fine * 1000) / 1000;
}

/**
 * Rotates the page content by `degrees` (positive = clockwise as seen) about the page centre,
 * nearest neighbour, keeping the page size. `deskew` is `rotate(b, -estimateSkew(b))`.
 */
export function rotate(b: Bitmap, degrees: number): Bitmap {
  const out = createBitmap(b.width, b.height);
  const a = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(a), Math.sin(a)];
  const [cx, cy] = [b.width / 2, b.height / 2];
  for (let y = 0; y < out.height; y++) {
    // Source of destination (x, y) is the inverse rotation; walk it incrementally along the row.
    const dy = y + 0.5 - cy;
    let sx = c * (0.5 - cx) + s * dy + cx;
    let sy = -s * (0.5 - cx) + c * dy + cy;
    const row = y * out.rowBytes;
    for (let x = 0; x < out.width; x++, sx += c, sy -= s) {
      const px = Math.floor(sx);
      const py = Math.floor(sy);
      if (px < 0 || py < 0 || px >= b.width || py >= b.height) continue;
      if ((b.data[py * b.rowBytes + (px >> 3)] >> (7 - (px & 7))) & 1)
        out.data[row + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  return out;
}

/** Where a point of a page rotated by `degrees` (see `rotate`) was on the page before rotation. */
export function unrotatePoint(
  width: number,
  height: number,
  degrees: number,
  x: number,
  y: number,
): { x: number; y: number } {
  const a = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(a), Math.sin(a)];
  const [cx, cy] = [width / 2, height / 2];
  return { x: c * (x - cx) + s * (y - cy) + cx, y: -s * (x - cx) + c * (y - cy) + cy };
}
