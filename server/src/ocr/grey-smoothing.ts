// Turns the cleaned 1-bit fax page into a slightly blurred grey image for OCR. Fax pixels are
// coarse (204 dpi, half that vertically on standard pages): a dot-matrix stroke arrives as separate
// dots, toner fade as broken strokes, line noise as specks. A small blur joins the dots and breaks
// and fades the specks, and tesseract's own thresholding of the grey page then reads steadier
// glyphs than the hard-edged bits. Used on standard-resolution pages only: on the dev set it raised
// field F1 there (lab reports 0.420 -> 0.469) and cost fine pages' tight table columns (invoices
// 0.449 -> 0.403).

import type { Bitmap } from '../documents/bitmap.ts';

/** A grey page: one byte a pixel, row after row, 0 = black, 255 = white. */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The page blurred with a Gaussian of `sigma` pixels (3×3 taps: at fax resolution a wider blur
 * merges neighbouring letters). Separable: a horizontal then a vertical pass.
 */
export function smoothForOcr(b: Bitmap, sigma: number): GreyImage {
  const { width, height } = b;
  const side = Math.exp(-1 / (2 * sigma * sigma));
  const [w0, w1] = [1 / (1 + 2 * side), side / (1 + 2 * side)];
  // Ink (0 or 1) per pixel, then spread sideways.
  const ink = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * b.rowBytes;
    for (let i = 0; i < b.rowBytes; i++) {
      const byte = b.data[row + i];
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        const x = i * 8 + bit;
        if (x < width && byte & (0x80 >> bit)) ink[y * width + x] = 1;
      }
    }
  }
  const across = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const left = x > 0 ? ink[o + x - 1] : 0;
      const right = x < width - 1 ? ink[o + x + 1] : 0;
      across[o + x] = w0 * ink[o + x] + w1 * (left + right);
    }
  }
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const up = y > 0 ? across[o - width + x] : 0;
      const down = y < height - 1 ? across[o + width + x] : 0;
      const dark = w0 * across[o + x] + w1 * (up + down);
      data[o + x] = Math.round(255 * (1 - dark));
    }
  }
  return { width, height, data };
}
