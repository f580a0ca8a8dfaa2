// Fits the layout extractor's confidence map on the blind corpus's DEVELOPMENT set (never held-out):
// every predicted field's raw score against whether it was right, isotonic regression (pool adjacent
// violators), written into server/src/extraction/confidence.ts as a table of steps.
//
//   npm run calibrate:extract            # fit on dev exact text (fine + standard) and OCR pages where cached
//   npm run calibrate:extract -- --dry   # print the fit, write nothing

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CACHE } from '../../scripts/fixtures/blind-corpus/corpus.ts';
import { scoreDocument } from '../../scripts/fixtures/blind-corpus/score.ts';
import { decodeFaxTiff } from '../src/documents/fax-raster.ts';
import { calibratedConfidence } from '../src/extraction/confidence.ts';
import type { ExtractionSchema } from '../src/extraction/extraction-schema.ts';
import { extractWithLayout } from '../src/extraction/layout-provider.ts';
import type { OcrPage } from '../src/ocr/ocr-result.ts';
import { ocrCacheFile, ocrFingerprint } from './ocr-cache.ts';

const { values } = parseArgs({ options: { dry: { type: 'boolean', default: false } } });
const dir = join(DEFAULT_CACHE, 'dev');
if (!existsSync(join(dir, 'manifest.json'))) {
  console.error('no dev corpus: run `npm run corpus:blind -- --set dev` first');
  process.exit(2);
}

const points: { raw: number; correct: boolean }[] = [];
const fingerprint = ocrFingerprint();
let ocrDocuments = 0;
for (const id of readdirSync(dir).sort()) {
  const docFile = join(dir, id, 'document.json');
  if (!existsSync(docFile)) continue;
  const doc = JSON.parse(readFileSync(docFile, 'utf8')) as {
    set: string;
    schema: ExtractionSchema;
    truth: Record<string, unknown>;
  };
  if (doc.set !== 'dev') continue;
  const exact = JSON.parse(readFileSync(join(dir, id, 'exact-text.json'), 'utf8')) as Record<
    string,
    OcrPage[]
  >;
  // The appliance reads OCR text, not exact text: its pages, where the bench has them cached, count too.
  const ocr: OcrPage[][] = [];
  for (const res of ['fine', 'standard']) {
    const tif = join(dir, id, `${res}.tif`);
    if (!existsSync(tif)) continue;
    const faxPages = await decodeFaxTiff(new Uint8Array(readFileSync(tif)));
    const files = faxPages.map((p, i) => ocrCacheFile(fingerprint, p, i));
    if (files.every((f) => existsSync(f))) ocr.push(files.map((f) => JSON.parse(readFileSync(f, 'utf8'))));
  }
  ocrDocuments += ocr.length;
  for (const pages of [...Object.values(exact), ...ocr]) {
    const out = extractWithLayout(doc.schema, pages, { budgetMs: 60_000, calibration: [] });
    const score = scoreDocument(doc.schema as never, doc.truth, out.data);
    for (const f of score.fields) {
      if (!f.predictedPath) continue;
      const raw = out.rawScores.get(f.predictedPath);
      if (raw !== undefined) points.push({ raw, correct: f.outcome === 'tp' });
    }
  }
}

// Pool adjacent violators over points sorted by raw score: blocks of non-decreasing precision.
points.sort((a, b) => a.raw - b.raw);
const blocks: { hi: number; n: number; right: number }[] = [];
// Equal raw scores start as one block: the table maps a score to one step, so a tie never straddles two.
for (const p of points) {
  const last = blocks[blocks.length - 1];
  if (last && last.hi === p.raw) {
    last.n++;
    if (p.correct) last.right++;
  } else blocks.push({ hi: p.raw, n: 1, right: p.correct ? 1 : 0 });
  while (blocks.length > 1) {
    const b = blocks[blocks.length - 1];
    const a = blocks[blocks.length - 2];
    if (a.right / a.n < b.right / b.n) break;
    blocks.splice(blocks.length - 2, 2, { hi: b.hi, n: a.n + b.n, right: a.right + b.right });
  }
}
// Small blocks are noise: merge any under 20 fields into its neighbour above.
const merged: typeof blocks = [];
for (const b of blocks) {
  const last = merged[merged.length - 1];
  if (last && last.n < 20)
    merged[merged.length - 1] = { hi: b.hi, n: last.n + b.n, right: last.right + b.right };
  else merged.push({ ...b });
}
// Bounds round up, so every score of a step stays in it.
const table = merged.map((b) => [Math.ceil(b.hi * 1000) / 1000, round(b.right / b.n)] as const);
if (table.length) table[table.length - 1] = [1, table[table.length - 1][1]];

console.log(
  `${points.length} predicted fields on the dev set (exact text, fine and standard; OCR text of ${ocrDocuments} cached faxes)`,
);
for (const [i, b] of merged.entries())
  console.log(`  raw <= ${table[i][0].toFixed(3)}: ${b.n} fields, precision ${(b.right / b.n).toFixed(3)}`);
for (const t of [0.9, 0.8, 0.5]) {
  const kept = points.filter((p) => calibratedConfidence(p.raw, table) >= t);
  const right = kept.filter((p) => p.correct).length;
  console.log(
    `confidence >= ${t}: ${kept.length} fields, precision ${(right / Math.max(1, kept.length)).toFixed(3)}`,
  );
}
if (!values.dry) {
  const file = resolve(import.meta.dirname, '../src/extraction/confidence.ts');
  const source = readFileSync(file, 'utf8');
  const literal = `[\n${table.map(([x, y]) => `  [${x}, ${y}],`).join('\n')}\n]`;
  writeFileSync(
    file,
    source.replace(
      /export const CALIBRATION: readonly \(readonly \[number, number\]\)\[\] = \[[\s\S]*?\];/,
      `export const CALIBRATION: readonly (readonly [number, number])[] = ${literal};`,
    ),
  );
  console.log(`wrote ${table.length} steps to ${file}`);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
