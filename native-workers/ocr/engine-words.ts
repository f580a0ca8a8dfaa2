// The shape every OCR engine in the worker returns: words on the image it was given, with the
// engine's own line and block numbers (its reading order, kept for comparison and as a fallback).

import type { Bitmap } from '../../server/src/documents/bitmap.ts';
import type { GreyImage } from '../../server/src/ocr/grey-smoothing.ts';
import type { OcrWord } from '../../server/src/ocr/ocr-result.ts';

export interface EngineWord extends OcrWord {
  /** The engine's line and block numbers, increasing in the engine's reading order. */
  line: number;
  block: number;
}

export interface EngineOutput {
  words: EngineWord[];
  timedOut: boolean;
}

export interface EngineRequest {
  bitmap: Bitmap;
  /** The same page smoothed to grey: what tesseract reads when present (same size as `bitmap`). */
  grey?: GreyImage;
  /** Square-pixel resolution of `bitmap`, dpi. */
  dpi: number;
  /** Tesseract page segmentation mode. */
  psm: number;
  /** Per-page time budget, ms (0: none). */
  timeoutMs: number;
}

/** The engine's own order as text: its lines joined by newlines, its blocks by blank lines. */
export function engineOrderText(words: EngineWord[]): string {
  let text = '';
  words.forEach((w, i) => {
    const previous = words[i - 1];
    if (previous) text += previous.block !== w.block ? '\n\n' : previous.line !== w.line ? '\n' : ' ';
    text += w.text;
  });
  return text;
}
