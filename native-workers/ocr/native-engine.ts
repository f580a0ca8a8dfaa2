// Native tesseract in an OCR worker thread: Debian's libtesseract through our addon, one engine
// per thread, recognition on the libuv pool so the thread stays free to take the next page.

import { type NativeEngine, openTesseractEngine } from '../tesseract/index.ts';
import type { EngineOutput, EngineRequest } from './engine-words.ts';

let engine: NativeEngine | undefined;

/**
 * tessedit_do_invert=0: tesseract 5 re-reads every unsure line as white-on-black, which faxes do
 * not have; it costs about a fifth of the time (measured in server/bench/ocr.ts).
 */
const VARIABLES = { tessedit_do_invert: '0' };

export async function recognizeNative(request: EngineRequest): Promise<EngineOutput> {
  engine ??= openTesseractEngine(undefined, 'eng', VARIABLES);
  const { bitmap, grey, dpi, psm, timeoutMs } = request;
  const image = grey ? { ...grey, rowBytes: grey.width, depth: 8 as const } : bitmap;
  const result = await engine.recognize(image, { dpi: Math.round(dpi), psm, timeoutMs });
  return {
    timedOut: result.timedOut,
    words: result.words
      .map((w) => ({
        text: w.text.trim(),
        confidence: w.confidence,
        bbox: { x0: w.x0, y0: w.y0, x1: w.x1, y1: w.y1 },
        line: w.line,
        block: w.block,
      }))
      .filter((w) => w.text),
  };
}
