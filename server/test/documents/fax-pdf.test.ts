import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Bitmap, diffPixels, parsePbm } from '../../src/documents/bitmap.ts';
import { buildFaxPdf } from '../../src/documents/fax-pdf.ts';
import type { FaxPageImage } from '../../src/documents/fax-raster.ts';
import { readTiff } from '../../src/documents/tiff.ts';
import type { OcrPage } from '../../src/ocr/ocr-result.ts';
import { FAX_DOCUMENTS, makeFaxFixture } from '../fixtures/fax-documents.ts';
import { makeTiffVariants, type TiffVariants } from '../fixtures/tiff-files.ts';

const run = promisify(execFile);

describe('buildFaxPdf', () => {
  let dir: string;
  let fine: FaxPageImage;
  let standard: FaxPageImage;
  let fineFiles: TiffVariants;
  let standardFiles: TiffVariants;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faxseal-pdf-test-'));
    fine = (await makeFaxFixture(FAX_DOCUMENTS[0], { resolution: 'fine', speckle: 0.0005 })).page;
    standard = (await makeFaxFixture(FAX_DOCUMENTS[2], { resolution: 'standard', skewDegrees: 1 })).page;
    [fineFiles, standardFiles] = await Promise.all([makeTiffVariants(fine), makeTiffVariants(standard)]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Renders one PDF page back at the fax page's own pixel size. */
  async function renderPage(pdf: Uint8Array, page: number, width: number, height: number): Promise<Bitmap> {
    const file = join(dir, `doc-${page}-${width}x${height}.pdf`);
    await writeFile(file, pdf);
    const out = join(dir, `render-${page}`);
    const size = ['-scale-to-x', `${width}`, '-scale-to-y', `${height}`];
    await run('pdftoppm', ['-mono', '-f', `${page}`, '-l', `${page}`, '-singlefile', ...size, file, out]);
    return parsePbm(await readFile(`${out}.pbm`));
  }

  async function pageSizes(pdf: Uint8Array): Promise<string[]> {
    const file = join(dir, 'sizes.pdf');
    await writeFile(file, pdf);
    const { stdout } = await run('pdfinfo', ['-f', '1', '-l', '99', file]);
    return [...stdout.matchAll(/Page\s+\d+ size:\s+([\d.]+ x [\d.]+) pts/g)].map((m) => m[1]);
  }

  for (const variant of ['g4', 'lsbFirst', 'bigEndian', 't4', 'strips'] as const) {
    it(`embeds ${variant} pages as is and renders them back pixel-identical`, async () => {
      const pages = [...readTiff(fineFiles[variant]), ...readTiff(standardFiles[variant])];
      const pdf = await buildFaxPdf(pages.map((image) => ({ image })));
      // The compressed data is in the PDF byte for byte (bit-reversed only for FillOrder 2).
      if (variant === 'g4') assert.ok(Buffer.from(pdf).includes(Buffer.from(pages[0].strips[0])));
      assert.deepEqual(await pageSizes(pdf), ['609.882 x 792', '609.882 x 792']);
      const [a, b] = await Promise.all([renderPage(pdf, 1, 1728, 2156), renderPage(pdf, 2, 1728, 1078)]);
      assert.equal(diffPixels(a, fine.bitmap), 0);
      assert.equal(diffPixels(b, standard.bitmap), 0);
    });
  }

  it('adds an invisible text layer at the word boxes', async () => {
    const [image] = readTiff(fineFiles.g4);
    const word = (text: string, x0: number, y0: number, x1: number, y1: number) => ({
      text,
      confidence: 90,
      bbox: { x0, y0, x1, y1 },
    });
    const ocr: OcrPage = {
      page: 1,
      width: 1728,
      height: 2156,
      xResolution: 204,
      yResolution: 196,
      text: 'REFERRAL LETTER 62704 Café',
      confidence: 90,
      words: [
        word('REFERRAL', 204, 400, 504, 430),
        word('LETTER', 520, 400, 740, 430),
        word('62704', 1000, 1200, 1150, 1230),
        word('Café→', 300, 1800, 450, 1830), // the arrow is not in WinAnsi: becomes '?'
      ],
    };
    const pdf = await buildFaxPdf([{ image, ocr }], { creationDate: new Date(0) });

    // Invisible: the rendering is exactly the fax image.
    assert.equal(diffPixels(await renderPage(pdf, 1, 1728, 2156), fine.bitmap), 0);

    const file = join(dir, 'text.pdf');
    await writeFile(file, pdf);
    const { stdout: text } = await run('pdftotext', ['-layout', file, '-']);
    assert.match(text, /REFERRAL\s+LETTER/);
    assert.match(text, /62704/);
    assert.match(text, /Café\?/);

    // Each word sits where OCR saw it: pdftotext's box matches the pixel box converted to points.
    const { stdout: html } = await run('pdftotext', ['-bbox', file, '-']);
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">62704<\/word>/.exec(
      html,
    );
    assert.ok(m, 'word box present');
    const [xMin, yMin, xMax, yMax] = m.slice(1).map(Number);
    const near = (actual: number, expected: number, tolerance: number) =>
      assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≈ ${expected}`);
    near(xMin, (1000 * 72) / 204, 1);
    near(xMax, (1150 * 72) / 204, 1);
    near((yMin + yMax) / 2, (1215 * 72) / 196, 4);
  });
});
