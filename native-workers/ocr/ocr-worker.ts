// OCR of one fax page inside a piscina thread: fax-aware preprocessing, ruling lines found and
// erased, the chosen engine (native tesseract or tesseract.js), then reading order; every box is
// mapped back to the page as received.

import { smoothForOcr } from '../../server/src/ocr/grey-smoothing.ts';
import type { OcrTask } from '../../server/src/ocr/ocr-pool.ts';
import type { BoundingBox, OcrPage } from '../../server/src/ocr/ocr-result.ts';
import { preparePage } from '../../server/src/ocr/page-preprocess.ts';
import { readingOrder } from '../../server/src/ocr/reading-order.ts';
import { findRulingLines, type RulingLine } from '../../server/src/ocr/ruling-lines.ts';
import { type EngineOutput, type EngineRequest, engineOrderText } from './engine-words.ts';
import { recognizeNative } from './native-engine.ts';
import { recognizePaddle } from './paddle-engine.ts';
import { recognizeTesseractJs } from './tesseract-js-engine.ts';

export default async function recognizePage(task: OcrTask): Promise<OcrPage> {
  const { image } = task;
  const bitmap = {
    width: image.width,
    height: image.height,
    rowBytes: (image.width + 7) >> 3,
    data: image.data,
  };
  const prepared = preparePage(bitmap, task.xResolution, task.yResolution, task.preprocess);
  const dpi = prepared.xResolution;
  // Rules are found on the levelled page (a skewed rule is no long run of pixels); they can be
  // erased from what OCR reads only when that is the levelled page.
  let rules: RulingLine[] = [];
  let input = prepared.bitmap;
  if (task.preprocess.rulingLines) {
    const found = findRulingLines(prepared.level(), { dpi });
    rules = found.rules;
    if (task.preprocess.eraseRules && prepared.bitmap === prepared.level()) input = found.cleaned;
  }

  const request: EngineRequest = { bitmap: input, dpi, psm: task.psm, timeoutMs: task.pageTimeoutMs };
  // Only pages stretched to square pixels (standard resolution): measured on dev, the blur helps
  // their doubled rows and costs fine pages' tight table columns (grey-smoothing.ts).
  const stretched = prepared.yResolution > task.yResolution;
  if (task.preprocess.smoothSigma > 0 && stretched && task.engine !== 'paddle') {
    request.grey = smoothForOcr(input, task.preprocess.smoothSigma);
  }
  const output: EngineOutput =
    task.engine === 'native'
      ? await recognizeNative(request)
      : task.engine === 'paddle'
        ? await recognizePaddle(request)
        : await recognizeTesseractJs({ ...request, createTimeoutMs: task.createTimeoutMs });

  // Words keep the boxes OCR gave them; lines, blocks and rules come from the levelled layout.
  const fromLevel = (b: BoundingBox) => prepared.levelToOriginal(b);
  const base = {
    page: task.page,
    width: image.width,
    height: image.height,
    xResolution: task.xResolution,
    yResolution: task.yResolution,
    engine: task.engine,
    rules: rules.map((r) => ({ orientation: r.orientation, bbox: fromLevel(r.bbox) })),
    ...(output.timedOut ? { timedOut: true } : {}),
  };
  const confidence = output.words.length
    ? output.words.reduce((s, w) => s + w.confidence, 0) / output.words.length
    : 0;
  const words = output.words.map((w) => ({
    text: w.text,
    confidence: w.confidence,
    bbox: prepared.toOriginal(w.bbox),
  }));
  if (task.order === 'engine') return { ...base, text: engineOrderText(output.words), confidence, words };
  const levelled = output.words.map((w, i) => ({ ...words[i], bbox: prepared.toLevel(w.bbox) }));
  const order = readingOrder(levelled, rules, prepared.bitmap.width, prepared.bitmap.height, task.order);
  // The layout's words are the levelled copies: map each back to its word as read.
  const original = new Map(levelled.map((w, i) => [w, words[i]]));
  return {
    ...base,
    text: order.text,
    confidence,
    words: order.words.map((w) => original.get(w)!),
    lines: order.lines.map((l) => ({ ...l, bbox: fromLevel(l.bbox) })),
    blocks: order.blocks.map((b) => ({ ...b, bbox: fromLevel(b.bbox), region: fromLevel(b.region) })),
  };
}
