// OCR of one fax page inside a piscina thread: fax-aware preprocessing, ruling lines found and
// erased, the chosen engine (native tesseract or tesseract.js), then reading order; every box is
// mapped back to the page as received.

import { type CellMap, findCells, groupTables } from '../../server/src/ocr/cell-grid.ts';
import { smoothForOcr } from '../../server/src/ocr/grey-smoothing.ts';
import type { OcrTask } from '../../server/src/ocr/ocr-pool.ts';
import type { BoundingBox, OcrPage, OcrTable, OcrWord } from '../../server/src/ocr/ocr-result.ts';
import { preparePage } from '../../server/src/ocr/page-preprocess.ts';
import { readingOrder } from '../../server/src/ocr/reading-order.ts';
import { findRulingLines, type RulingLine } from '../../server/src/ocr/ruling-lines.ts';
import { readCells } from './cell-reading.ts';
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
  let onInput: ReturnType<typeof findRulingLines> | undefined;
  if (task.preprocess.rulingLines) {
    const found = findRulingLines(prepared.level(), { dpi });
    rules = found.rules;
    if (prepared.bitmap === prepared.level()) {
      onInput = found;
      if (task.preprocess.eraseRules) input = found.cleaned;
    }
  }
  // Cells are cut on the image OCR reads (a skewed page's rules step across it, and the cells'
  // crops must be that image's pixels).
  let cells: CellMap | undefined;
  if (task.preprocess.cells && task.engine !== 'paddle') {
    onInput ??= findRulingLines(prepared.bitmap, { dpi });
    cells = findCells(prepared.bitmap, onInput.cleaned, onInput.rules, dpi);
  }

  const request: EngineRequest = { bitmap: input, dpi, psm: task.psm, timeoutMs: task.pageTimeoutMs };
  // Only pages stretched to square pixels (standard resolution): measured on dev, the blur helps
  // their doubled rows and costs fine pages' tight table columns (grey-smoothing.ts).
  const stretched = prepared.yResolution > task.yResolution;
  if (task.preprocess.smoothSigma > 0 && stretched && task.engine !== 'paddle') {
    request.grey = smoothForOcr(input, task.preprocess.smoothSigma);
  }
  const recognize = (r: EngineRequest): Promise<EngineOutput> =>
    task.engine === 'native'
      ? recognizeNative(r)
      : task.engine === 'paddle'
        ? recognizePaddle(r)
        : recognizeTesseractJs({ ...r, createTimeoutMs: task.createTimeoutMs });
  const started = performance.now();
  const fromCells = cells?.cells.length ? await readCells(request, cells, recognize) : undefined;
  // The page's time budget is shared: the rest of the page gets what the cells left.
  const left = task.pageTimeoutMs > 0 ? Math.max(1, task.pageTimeoutMs - (performance.now() - started)) : 0;
  const pageOutput = await recognize(
    fromCells ? { ...fromCells.rest, timeoutMs: Math.round(left) } : request,
  );
  const output: EngineOutput = fromCells
    ? {
        words: [...fromCells.words, ...pageOutput.words],
        timedOut: fromCells.timedOut || pageOutput.timedOut,
      }
    : pageOutput;

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
  const cellOf = new Map<OcrWord, number>();
  fromCells?.cellOf.forEach((cell, i) => {
    cellOf.set(words[i], cell);
  });
  const withTables = (page: OcrPage): OcrPage =>
    cells && fromCells ? { ...page, tables: tablesOf(page.words, cells, cellOf, prepared.toOriginal) } : page;
  if (task.order === 'engine')
    return withTables({ ...base, text: engineOrderText(output.words), confidence, words });
  const levelled = output.words.map((w, i) => ({ ...words[i], bbox: prepared.toLevel(w.bbox) }));
  const order = readingOrder(
    levelled,
    rules,
    prepared.bitmap.width,
    prepared.bitmap.height,
    task.order,
    fromCells?.cellOf ?? [],
  );
  // The layout's words are the levelled copies: map each back to its word as read.
  const original = new Map(levelled.map((w, i) => [w, words[i]]));
  return withTables({
    ...base,
    text: order.text,
    confidence,
    words: order.words.map((w) => original.get(w)!),
    lines: order.lines.map((l) => ({ ...l, bbox: fromLevel(l.bbox) })),
    blocks: order.blocks.map((b) => ({ ...b, bbox: fromLevel(b.bbox), region: fromLevel(b.region) })),
  });
}

/**
 * The page's tables: the cells grouped by the rules they share, each cell with the words read in
 * it (indices into the page's words as ordered) and their text.
 */
function tablesOf(
  words: readonly OcrWord[],
  map: CellMap,
  cellOf: ReadonlyMap<OcrWord, number>,
  toOriginal: (b: BoundingBox) => BoundingBox,
): OcrTable[] {
  const inCell = new Map<number, number[]>();
  words.forEach((w, i) => {
    const cell = cellOf.get(w);
    if (cell !== undefined) inCell.set(cell, [...(inCell.get(cell) ?? []), i]);
  });
  // Cells face each other across one rule and its margins: a few grid squares.
  return groupTables(map.cells, 6 * map.step).map((t) => ({
    bbox: toOriginal(t.bbox),
    rows: t.rows.map((row) =>
      row.map((c) => {
        const ids = inCell.get(map.cells[c].label) ?? [];
        return {
          bbox: toOriginal(map.cells[c].bbox),
          text: ids.map((i) => words[i].text).join(' '),
          words: ids,
        };
      }),
    ),
  }));
}
