// OCR of one fax page inside a piscina thread: fax-aware preprocessing, then tesseract.js (one
// engine per thread, fully offline), with word boxes mapped back to the page as received.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Tesseract from 'tesseract.js';
import { encodePbm } from '../../server/src/documents/bitmap.ts';
import type { OcrTask } from '../../server/src/ocr/ocr-pool.ts';
import type { OcrPage, OcrWord } from '../../server/src/ocr/ocr-result.ts';
import { preparePage } from '../../server/src/ocr/page-preprocess.ts';

const require = createRequire(import.meta.url);
/** The LSTM "best_int" English model shipped in the npm package: never the CDN. */
const LANG_PATH = join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');

let engine: Promise<Tesseract.Worker> | undefined;

function getEngine(timeoutMs: number): Promise<Tesseract.Worker> {
  engine ??= createEngine(timeoutMs).catch((err) => {
    engine = undefined; // let the next page try again
    throw err;
  });
  return engine;
}

async function createEngine(timeoutMs: number): Promise<Tesseract.Worker> {
  const creating = Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
    langPath: LANG_PATH,
    gzip: true,
    cacheMethod: 'none',
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // A creation that hangs (bad language data) must not hold the page forever; if it ever
      // finishes, free it.
      creating.then((w) => w.terminate()).catch(() => {});
      reject(new Error(`tesseract engine not ready after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const worker = await Promise.race([creating, timeout]);
    // Automatic page segmentation: the single-block default turns fax speckle into junk lines.
    // debug_file: tesseract's diagnostics ("Detected N diacritics") would otherwise go to stdout.
    await worker.setParameters({ tessedit_pageseg_mode: Tesseract.PSM.AUTO, debug_file: '/dev/null' });
    return worker;
  } finally {
    clearTimeout(timer);
  }
}

export default async function recognizePage(task: OcrTask): Promise<OcrPage> {
  const { image } = task;
  const bitmap = {
    width: image.width,
    height: image.height,
    rowBytes: (image.width + 7) >> 3,
    data: image.data,
  };
  const prepared = preparePage(bitmap, task.xResolution, task.yResolution, task.preprocess);
  const worker = await getEngine(task.createTimeoutMs);
  let data: Tesseract.Page;
  try {
    await worker.setParameters({ user_defined_dpi: String(Math.round(prepared.xResolution)) });
    ({ data } = await worker.recognize(
      Buffer.from(encodePbm(prepared.bitmap)),
      {},
      { text: true, blocks: true },
    ));
  } catch (err) {
    // The engine may be wedged: start a fresh one for the next page.
    engine = undefined;
    worker.terminate().catch(() => {});
    throw err;
  }

  const words: OcrWord[] = [];
  for (const block of data.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          const text = word.text.trim();
          if (!text) continue;
          words.push({ text, confidence: word.confidence, bbox: prepared.toOriginal(word.bbox) });
        }
      }
    }
  }
  const confidence = words.length ? words.reduce((s, w) => s + w.confidence, 0) / words.length : 0;
  return {
    page: task.page,
    width: image.width,
    height: image.height,
    xResolution: task.xResolution,
    yResolution: task.yResolution,
    text: data.text,
    confidence,
    words,
  };
}
