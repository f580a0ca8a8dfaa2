// A fax page as a picture for the console: the 1-bit page scaled to a width with square pixels
// (standard resolution has half the rows of fine), each output pixel the share of white under it.

import type { Bitmap } from './bitmap.ts';
import { encodeGreyPng } from './png.ts';

export interface PreviewPage {
  bitmap: Bitmap;
  xResolution: number;
  yResolution: number;
}

export const PREVIEW_MAX_WIDTH = 1728;

/** PNG of `page` `width` pixels wide (at most the page's own width), height by its aspect in inches. */
export function pagePreviewPng(page: PreviewPage, width: number): Buffer {
  const { bitmap } = page;
  const outWidth = Math.max(1, Math.min(Math.round(width), bitmap.width));
  const inchesHigh = bitmap.height / page.yResolution;
  const inchesWide = bitmap.width / page.xResolution;
  const outHeight = Math.max(1, Math.round((outWidth * inchesHigh) / inchesWide));
  const grey = new Uint8Array(outWidth * outHeight);
  const sx = bitmap.width / outWidth;
  const sy = bitmap.height / outHeight;
  // Black counts per output column for the rows of one output row.
  const black = new Float64Array(outWidth);
  for (let oy = 0; oy < outHeight; oy++) {
    black.fill(0);
    const y0 = Math.floor(oy * sy);
    const y1 = Math.max(y0 + 1, Math.floor((oy + 1) * sy));
    for (let y = y0; y < y1 && y < bitmap.height; y++) {
      const row = y * bitmap.rowBytes;
      for (let byte = 0; byte < bitmap.rowBytes; byte++) {
        const bits = bitmap.data[row + byte];
        if (bits === 0) continue;
        for (let bit = 0; bit < 8; bit++) {
          if ((bits & (0x80 >> bit)) === 0) continue;
          const x = byte * 8 + bit;
          if (x < bitmap.width) black[Math.min(outWidth - 1, Math.floor(x / sx))]++;
        }
      }
    }
    const rows = Math.min(y1, bitmap.height) - y0;
    for (let ox = 0; ox < outWidth; ox++) {
      const cols = Math.max(1, Math.floor((ox + 1) * sx) - Math.floor(ox * sx));
      const share = black[ox] / (rows * cols);
      grey[oy * outWidth + ox] = Math.round(255 * (1 - Math.min(1, share)));
    }
  }
  return encodeGreyPng(outWidth, outHeight, grey);
}
