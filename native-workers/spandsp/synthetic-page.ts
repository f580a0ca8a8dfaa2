// Draws deterministic fax-like test pages (text-shaped blocks, rules, a diagonal) as 1-bit bitmaps.
// Tests fax them and compare pixels; nothing binary is committed, the same seed always gives the same page.
import { seededRandom } from '../../scripts/fixtures/seeded-random.ts';
import type { FaxPage } from './index.ts';

export const FAX_PAGE_WIDTH = 1728;

export { seededRandom };

export interface SyntheticPageOptions {
  seed: number;
  height?: number;
  /** 196 (fine, the default) or 98 (standard) lines per inch. */
  yResolution?: 196 | 98;
}

export function drawSyntheticPage({ seed, height = 1100, yResolution = 196 }: SyntheticPageOptions): FaxPage {
  const width = FAX_PAGE_WIDTH;
  const stride = width / 8;
  const bitmap = new Uint8Array(stride * height);
  const random = seededRandom(seed);
  const fill = (x0: number, y0: number, w: number, h: number) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) {
        bitmap[y * stride + (x >> 3)] |= 0x80 >> (x & 7);
      }
    }
  };

  fill(40, 40, width - 80, 4); // header rule
  fill(40, height - 44, width - 80, 4); // footer rule
  for (let y = 80; y < height - 80; y += 28) {
    // A line of "words": glyph-sized strokes so the codec sees text-like runs, not flat blocks.
    let x = 80;
    while (x < width - 160) {
      const letters = 2 + Math.floor(random() * 8);
      for (let i = 0; i < letters; i++) {
        const glyphHeight = 10 + Math.floor(random() * 8);
        fill(x, y + 18 - glyphHeight, 2 + Math.floor(random() * 3), glyphHeight);
        fill(x, y + 18 - glyphHeight + Math.floor(random() * glyphHeight), 8, 2);
        x += 11;
      }
      x += 12 + Math.floor(random() * 10);
    }
  }
  for (let i = 0; i < height; i++) fill(Math.floor((i * (width - 1)) / height), i, 2, 1); // diagonal
  return { width, height, xResolution: 204, yResolution, bitmap };
}

/** Index of the first differing page, or -1 when both sets are pixel-identical. */
export function firstDifferentPage(sent: FaxPage[], received: FaxPage[]): number {
  for (let i = 0; i < Math.max(sent.length, received.length); i++) {
    const a = sent[i];
    const b = received[i];
    if (!a || !b || a.width !== b.width || a.height !== b.height) return i;
    if (Buffer.compare(Buffer.from(a.bitmap), Buffer.from(b.bitmap)) !== 0) return i;
  }
  return -1;
}
