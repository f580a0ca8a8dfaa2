// Removes the isolated 1–2 pixel black specks that line noise leaves on fax pages: OCR reads them as
// punctuation or lets them break its layout analysis. Anything larger (dots, periods) is kept.

import { type Bitmap, cloneBitmap, getPixel, setPixel } from '../documents/bitmap.ts';

/** A copy of the page without black components of one or two 8-connected pixels. */
export function despeckle(b: Bitmap): Bitmap {
  const out = cloneBitmap(b);
  const neighbours = (x: number, y: number, into?: number[]): number => {
    let n = 0;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if ((dx || dy) && getPixel(b, x + dx, y + dy)) {
          n++;
          into?.push(x + dx, y + dy);
        }
      }
    }
    return n;
  };
  for (let y = 0; y < b.height; y++) {
    const row = y * b.rowBytes;
    for (let i = 0; i < b.rowBytes; i++) {
      const byte = b.data[row + i];
      if (byte === 0) continue; // most of a page is white: skip it a byte at a time
      for (let bit = 0; bit < 8; bit++) {
        if (!(byte & (0x80 >> bit))) continue;
        const x = i * 8 + bit;
        const partner: number[] = [];
        const n = neighbours(x, y, partner);
        if (n === 0 || (n === 1 && neighbours(partner[0], partner[1]) === 1)) setPixel(out, x, y, 0);
      }
    }
  }
  return out;
}
