// The benches' per-page OCR cache (.cache/blind-corpus/ocr/ocr-pool): a page's key is the OCR code's
// fingerprint, the engine in use and the page bitmap, so a change to the engine or its preprocessing
// invalidates it (and a machine without the native addon never reads native results, nor the reverse).

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CACHE } from '../../scripts/fixtures/blind-corpus/corpus.ts';
import type { decodeFaxTiff } from '../src/documents/fax-raster.ts';
import { resolveOcrEngine } from '../src/ocr/ocr-engine.ts';

const REPO = resolve(import.meta.dirname, '../..');
export const OCR_CACHE_DIR = join(DEFAULT_CACHE, 'ocr', 'ocr-pool');

/**
 * The OCR code's fingerprint, the engine the pool will use (native tesseract falls back to
 * tesseract.js where its addon is not built) and any preprocessing options the bench was given: a
 * change to any invalidates the cache.
 */
export function ocrFingerprint(preprocess = ''): string {
  const h = createHash('sha256').update(resolveOcrEngine('auto').name).update(preprocess);
  for (const dir of ['server/src/ocr', 'native-workers/ocr', 'native-workers/tesseract/src']) {
    for (const f of readdirSync(join(REPO, dir)).sort()) {
      if (f.endsWith('.test.ts')) continue;
      h.update(f).update(readFileSync(join(REPO, dir, f)));
    }
  }
  return h.digest('hex');
}

type FaxPage = Awaited<ReturnType<typeof decodeFaxTiff>>[number];

/** The cache file of one received page (`index` counts from 0). */
export function ocrCacheFile(fingerprint: string, page: FaxPage, index: number): string {
  const key = createHash('sha256')
    .update(fingerprint)
    .update(`${page.bitmap.width}x${page.bitmap.height}@${page.xResolution}x${page.yResolution}:${index + 1}`)
    .update(page.bitmap.data)
    .digest('hex');
  return join(OCR_CACHE_DIR, `${key}.json`);
}
