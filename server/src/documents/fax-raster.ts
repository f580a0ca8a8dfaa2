// Turns documents into fax pages and back with poppler and libtiff tools: PDF → 1-bit pages at fax
// resolution (for sending), pages ↔ multi-page T.6 TIFF (what spandsp sends and receives).

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Bitmap, encodePbm, parsePbm } from './bitmap.ts';
import { pageDpi, readTiff, TiffCompression } from './tiff.ts';

const run = promisify(execFile);

/** spandsp accepts only 1728-pixel rows (A4/Letter width at 204 dpi). */
export const FAX_PAGE_WIDTH = 1728;
export type FaxResolution = 'fine' | 'standard';
export const FAX_RESOLUTION: Record<FaxResolution, { x: number; y: number; pageHeight: number }> = {
  // 11 in at 196 and 98 lines per inch: a Letter page.
  fine: { x: 204, y: 196, pageHeight: 2156 },
  standard: { x: 204, y: 98, pageHeight: 1078 },
};

/** One fax page image and its resolution in dots per inch. */
export interface FaxPageImage {
  bitmap: Bitmap;
  xResolution: number;
  yResolution: number;
}

export type FaxRasterErrorCode =
  | 'too-large'
  | 'too-many-pages'
  | 'invalid-pdf'
  | 'invalid-tiff'
  | 'tool-failed';

export class FaxRasterError extends Error {
  constructor(
    readonly code: FaxRasterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FaxRasterError';
  }
}

export interface RasteriseOptions {
  resolution?: FaxResolution;
  /** Documents with more pages are refused rather than cut short. Default 50. */
  maxPages?: number;
  /** Default 50 MiB. */
  maxBytes?: number;
  /** Per tool run. Default 60 s. */
  timeoutMs?: number;
}

/** Renders every page of a PDF to a dithered 1-bit fax page, 1728 pixels wide. */
export async function rasterisePdf(pdf: Uint8Array, options: RasteriseOptions = {}): Promise<FaxPageImage[]> {
  const { resolution = 'fine', maxPages = 50, maxBytes = 50 * 1024 * 1024, timeoutMs = 60_000 } = options;
  if (pdf.length > maxBytes)
    throw new FaxRasterError('too-large', `PDF is ${pdf.length} bytes, limit ${maxBytes}`);
  const res = FAX_RESOLUTION[resolution];
  return withTempDir(async (dir) => {
    const input = join(dir, 'in.pdf');
    await writeFile(input, pdf);
    const info = await tool('pdfinfo', [input], timeoutMs, 'invalid-pdf');
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? Number.NaN);
    if (!(pages > 0)) throw new FaxRasterError('invalid-pdf', 'PDF has no pages');
    if (pages > maxPages)
      throw new FaxRasterError('too-many-pages', `PDF has ${pages} pages, limit ${maxPages}`);
    const args = ['-mono', '-scale-to-x', `${FAX_PAGE_WIDTH}`, '-scale-to-y', `${res.pageHeight}`];
    await tool('pdftoppm', [...args, input, join(dir, 'page')], timeoutMs, 'invalid-pdf');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.pbm')).sort(); // names are zero-padded
    return Promise.all(
      files.map(async (f) => ({
        bitmap: parsePbm(await readFile(join(dir, f))),
        xResolution: res.x,
        yResolution: res.y,
      })),
    );
  });
}

/** Encodes pages as one multi-page TIFF: T.6, FillOrder 1, one strip per page, resolution tags set. */
export async function encodeFaxTiff(pages: FaxPageImage[], timeoutMs = 60_000): Promise<Uint8Array> {
  if (pages.length === 0) throw new RangeError('no pages to encode');
  return withTempDir(async (dir) => {
    const names: string[] = [];
    for (const [i, p] of pages.entries()) {
      const pbm = join(dir, `p${i}.pbm`);
      const tif = join(dir, `p${i}.tif`);
      await writeFile(pbm, encodePbm(p.bitmap));
      // ppm2tiff sets one resolution for both axes; tiffset then corrects the vertical one.
      const rows = `${p.bitmap.height}`;
      await tool('ppm2tiff', ['-c', 'g4', '-r', rows, '-R', `${p.xResolution}`, pbm, tif], timeoutMs);
      await tool('tiffset', ['-s', '283', `${p.yResolution}`, tif], timeoutMs);
      names.push(tif);
    }
    if (names.length === 1) return new Uint8Array(await readFile(names[0]));
    const out = join(dir, 'out.tif');
    await tool('tiffcp', [...names, out], timeoutMs);
    return new Uint8Array(await readFile(out));
  });
}

/** Decodes every page of a 1-bit TIFF (any CCITT coding, either fill order) to bitmaps. */
export async function decodeFaxTiff(tiff: Uint8Array, timeoutMs = 60_000): Promise<FaxPageImage[]> {
  return withTempDir(async (dir) => {
    const input = join(dir, 'in.tif');
    const output = join(dir, 'out.tif');
    await writeFile(input, tiff);
    // libtiff's own decoder; -r makes one strip per page so each page is one contiguous raster.
    await tool(
      'tiffcp',
      ['-c', 'none', '-f', 'msb2lsb', '-r', '1000000', input, output],
      timeoutMs,
      'invalid-tiff',
    );
    return readTiff(new Uint8Array(await readFile(output))).map((page) => {
      if (page.compression !== TiffCompression.none || page.bitsPerSample !== 1) {
        throw new FaxRasterError('invalid-tiff', 'TIFF is not a 1-bit image');
      }
      const bitmap: Bitmap = {
        width: page.width,
        height: page.height,
        rowBytes: (page.width + 7) >> 3,
        data: new Uint8Array(((page.width + 7) >> 3) * page.height),
      };
      let at = 0;
      for (const strip of page.strips) {
        bitmap.data.set(strip.subarray(0, bitmap.data.length - at), at);
        at += strip.length;
      }
      if (page.photometric === 1) for (let i = 0; i < bitmap.data.length; i++) bitmap.data[i] ^= 0xff;
      const dpi = pageDpi(page);
      return { bitmap, xResolution: dpi.x, yResolution: dpi.y };
    });
  });
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'faxseal-raster-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function tool(
  command: string,
  args: string[],
  timeoutMs: number,
  failure: FaxRasterErrorCode = 'tool-failed',
): Promise<string> {
  try {
    const { stdout } = await run(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; killed?: boolean; message: string };
    const why = e.killed ? `timed out after ${timeoutMs} ms` : (e.stderr?.trim() || e.message).slice(0, 300);
    throw new FaxRasterError(failure, `${command} failed: ${why}`);
  }
}
