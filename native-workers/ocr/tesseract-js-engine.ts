// tesseract.js (the design card's engine) in an OCR worker thread: one WebAssembly engine per
// thread, fully offline with the LSTM model from @tesseract.js-data/eng. The fallback that always works.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Tesseract from 'tesseract.js';
import { encodePbm } from '../../server/src/documents/bitmap.ts';
import type { GreyImage } from '../../server/src/ocr/grey-smoothing.ts';
import type { EngineOutput, EngineRequest, EngineWord } from './engine-words.ts';

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
    // debug_file: tesseract's diagnostics ("Detected N diacritics") would otherwise go to stdout.
    await worker.setParameters({ debug_file: '/dev/null', tessedit_do_invert: '0' });
    return worker;
  } finally {
    clearTimeout(timer);
  }
}

export async function recognizeTesseractJs(
  request: EngineRequest & { createTimeoutMs: number },
): Promise<EngineOutput> {
  const worker = await getEngine(request.createTimeoutMs);
  let data: Tesseract.Page;
  try {
    await worker.setParameters({
      tessedit_pageseg_mode: String(request.psm) as Tesseract.PSM,
      user_defined_dpi: String(Math.round(request.dpi)),
    });
    const image = request.grey ? encodePgm(request.grey) : encodePbm(request.bitmap);
    ({ data } = await worker.recognize(Buffer.from(image), {}, { blocks: true }));
  } catch (err) {
    // The engine may be wedged: start a fresh one for the next page.
    engine = undefined;
    worker.terminate().catch(() => {});
    throw err;
  }
  const words: EngineWord[] = [];
  let line = 0;
  (data.blocks ?? []).forEach((block, b) => {
    for (const paragraph of block.paragraphs) {
      for (const l of paragraph.lines) {
        for (const word of l.words) {
          const text = word.text.trim();
          if (text) words.push({ text, confidence: word.confidence, bbox: word.bbox, line, block: b });
        }
        line++;
      }
    }
  });
  return { words, timedOut: false };
}

/** A grey page as binary PGM (P5), which leptonica reads. */
function encodePgm(grey: GreyImage): Uint8Array {
  const header = new TextEncoder().encode(`P5\n${grey.width} ${grey.height}\n255\n`);
  const out = new Uint8Array(header.length + grey.data.length);
  out.set(header);
  out.set(grey.data, header.length);
  return out;
}
