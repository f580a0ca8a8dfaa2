import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildFaxPdf } from '../../src/documents/fax-pdf.ts';
import { encodeFaxTiff } from '../../src/documents/fax-raster.ts';
import { readTiff } from '../../src/documents/tiff.ts';
import { OcrPool } from '../../src/ocr/ocr-pool.ts';
import type { BoundingBox, OcrPage } from '../../src/ocr/ocr-result.ts';
import { characterErrorRate } from '../fixtures/character-error-rate.ts';
import { FAX_DOCUMENTS, type FaxFixture, makeFaxFixture } from '../fixtures/fax-documents.ts';

// Two pages only: OCR costs ~1–2.5 s per page per thread on the 2-core machine.
// Thresholds from these exact seeded pages (and `tsx server/bench/ocr.ts --cer` over all documents):
// - fine, 0.2 % speckle, 2.5° skew: CER 0.43 % (56 % without deskew, 1.15 % without despeckle);
// - standard, 0.05 % speckle, 1° skew: CER 1.47 % (9.0 % without square pixels, 3.85 % without despeckle).
// Each limit is about twice the measurement and below what losing any one step costs.
const CASES = [
  {
    name: 'fine, speckled, skewed 2.5°',
    doc: 0,
    options: { resolution: 'fine', speckle: 0.002, skewDegrees: 2.5 },
    maxCer: 0.01,
  },
  {
    name: 'standard, speckled, skewed 1°',
    doc: 2,
    options: { resolution: 'standard', speckle: 0.0005, skewDegrees: 1 },
    maxCer: 0.03,
  },
] as const;

function overlapFraction(word: BoundingBox, line: BoundingBox): number {
  const w = Math.max(0, Math.min(word.x1, line.x1) - Math.max(word.x0, line.x0));
  const h = Math.max(0, Math.min(word.y1, line.y1) - Math.max(word.y0, line.y0));
  const area = (word.x1 - word.x0) * (word.y1 - word.y0);
  return area > 0 ? (w * h) / area : 0;
}

describe('OcrPool', () => {
  let pool: OcrPool;
  let fixtures: FaxFixture[];
  let results: OcrPage[];

  before(async () => {
    pool = new OcrPool({ threads: 2 });
    fixtures = await Promise.all(
      CASES.map((c, i) => makeFaxFixture(FAX_DOCUMENTS[c.doc], { ...c.options, seed: i + 1 })),
    );
    results = await Promise.all(fixtures.map((f, i) => pool.recognize({ page: i + 1, ...f.page })));
  });
  after(() => pool.close());

  CASES.forEach((c, i) => {
    it(`reads a ${c.name} page with CER below ${c.maxCer * 100} %`, () => {
      const { cer } = characterErrorRate(fixtures[i].text, results[i].text);
      assert.ok(cer <= c.maxCer, `CER ${(cer * 100).toFixed(2)} %`);
      const r = results[i];
      assert.deepEqual(
        [r.page, r.width, r.height, r.xResolution, r.yResolution],
        [
          i + 1,
          fixtures[i].page.bitmap.width,
          fixtures[i].page.bitmap.height,
          204,
          c.options.resolution === 'fine' ? 196 : 98,
        ],
      );
      assert.ok(r.confidence > 80 && r.confidence <= 100);
    });

    it(`puts each word's box on its line in the page as received (${c.name})`, () => {
      const { lines } = fixtures[i];
      let checked = 0;
      let onLine = 0;
      for (const word of results[i].words) {
        // Only words that occur on exactly one line of the document say where they must be.
        const homes = lines.filter((l) => l.text.split(/\s+/).includes(word.text));
        if (homes.length !== 1) continue;
        checked++;
        if (overlapFraction(word.bbox, homes[0].bbox) >= 0.5) onLine++;
      }
      assert.ok(checked >= 40, `${checked} words checked`);
      assert.ok(onLine / checked >= 0.95, `${onLine} of ${checked} words on their line`);
    });
  });

  it('makes the fax PDF searchable: its text layer holds the words read', async () => {
    const images = readTiff(await encodeFaxTiff(fixtures.map((f) => f.page)));
    const pdf = await buildFaxPdf(images.map((image, i) => ({ image, ocr: results[i] })));
    const dir = await mkdtemp(join(tmpdir(), 'faxseal-ocr-pdf-'));
    try {
      await writeFile(join(dir, 'fax.pdf'), pdf);
      const { stdout } = await promisify(execFile)('pdftotext', [join(dir, 'fax.pdf'), '-']);
      for (const phrase of ['REFERRAL LETTER', 'MRN 448201', 'INV-2024-00871', 'Total Due'])
        assert.ok(stdout.includes(phrase), phrase);
      // Whole lines come back in order, even from the skewed pages.
      const { stdout: layout } = await promisify(execFile)('pdftotext', [
        '-layout',
        join(dir, 'fax.pdf'),
        '-',
      ]);
      const { cer } = characterErrorRate(results.map((r) => r.text).join('\n'), layout);
      assert.ok(cer < 0.01, `text layer differs from the OCR text: CER ${(cer * 100).toFixed(2)} %`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
