// OCR of one fax page inside a piscina thread: fax-aware preprocessing, ruling lines found and
// erased, the chosen engine (native tesseract or tesseract.js), then reading order; every box is
// mapped back to the page as received.

import type { OcrTask } from '../../server/src/ocr/ocr-pool.ts';
import type { OcrPage } from '../../server/src/ocr/ocr-result.ts';
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
  let rules: RulingLine[] = [];
  let input = prepared.bitmap;
  if (task.preprocess.rulingLines) ({ rules, cleaned: input } = findRulingLines(prepared.bitmap, { dpi }));

  const request: EngineRequest = { bitmap: input, dpi, psm: task.psm, timeoutMs: task.pageTimeoutMs };
  const output: EngineOutput =
    task.engine === 'native'
      ? await recognizeNative(request)
      : task.engine === 'paddle'
        ? await recognizePaddle(request)
        : await recognizeTesseractJs({ ...request, createTimeoutMs: task.createTimeoutMs });

  const mapBox = prepared.toOriginal;
  const base = {
    page: task.page,
    width: image.width,
    height: image.height,
    xResolution: task.xResolution,
    yResolution: task.yResolution,
    engine: task.engine,
    rules: rules.map((r) => ({ orientation: r.orientation, bbox: mapBox(r.bbox) })),
    ...(output.timedOut ? { timedOut: true } : {}),
  };
  const confidence = output.words.length
    ? output.words.reduce((s, w) => s + w.confidence, 0) / output.words.length
    : 0;
  if (task.order === 'engine') {
    const words = output.words.map((w) => ({ text: w.text, confidence: w.confidence, bbox: mapBox(w.bbox) }));
    return { ...base, text: engineOrderText(output.words), confidence, words };
  }
  const order = readingOrder(
    output.words.map((w) => ({ text: w.text, confidence: w.confidence, bbox: w.bbox })),
    rules,
    prepared.bitmap.width,
    prepared.bitmap.height,
    task.order,
  );
  return {
    ...base,
    text: order.text,
    confidence,
    words: order.words.map((w) => ({ ...w, bbox: mapBox(w.bbox) })),
    lines: order.lines.map((l) => ({ ...l, bbox: mapBox(l.bbox) })),
    blocks: order.blocks.map((b) => ({ ...b, bbox: mapBox(b.bbox), region: mapBox(b.region) })),
  };
}
