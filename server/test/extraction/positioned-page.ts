// OCR pages built from positioned words for the layout tests: each run of words boxed at its character
// positions on a fax-sized page, the page text in reading order.

import type { OcrPage, OcrWord } from '../../src/ocr/ocr-result.ts';

export const CHAR = 12;
export const HEIGHT = 24;

/** A page from `[x, y, text]` runs: each word boxed at its character position, text in reading order. */
export function page(runs: [number, number, string][], n = 1): OcrPage {
  const words: OcrWord[] = [];
  const lines: string[] = [];
  for (const [x, y, text] of [...runs].sort((a, b) => a[1] - b[1] || a[0] - b[0])) {
    let at = x;
    for (const w of text.split(' ')) {
      if (w)
        words.push({
          text: w,
          confidence: 95,
          bbox: { x0: at, y0: y, x1: at + w.length * CHAR, y1: y + HEIGHT },
        });
      at += (w.length + 1) * CHAR;
    }
    lines.push(text);
  }
  return {
    page: n,
    width: 1728,
    height: 2200,
    xResolution: 204,
    yResolution: 196,
    text: lines.join('\n'),
    confidence: 95,
    words,
  };
}
