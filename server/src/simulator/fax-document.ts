// What the simulator sends: a TIFF as is, or a PDF rendered to fine-resolution fax pages (1728 px,
// 204×196 dpi) and written as the T.6 TIFF spandsp transmits from.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { type FaxPage, readFaxTiff, writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { rasterisePdf } from '../documents/fax-raster.ts';

export interface FaxDocument {
  tiffPath: string;
  pages: number;
  /** Removes the temporary TIFF a PDF was rendered to (a no-op for a TIFF given as is). */
  release(): void;
}

export async function loadFaxDocument(file: string): Promise<FaxDocument> {
  const ext = extname(file).toLowerCase();
  if (ext === '.tif' || ext === '.tiff') {
    return { tiffPath: file, pages: readFaxTiff(file).pageCount, release: () => {} };
  }
  if (ext !== '.pdf') throw new Error(`ERR_FAX_DOCUMENT: ${file} is neither a PDF nor a TIFF`);
  const images = await rasterisePdf(readFileSync(file), { resolution: 'fine' });
  const pages: FaxPage[] = images.map((p) => ({
    width: p.bitmap.width,
    height: p.bitmap.height,
    xResolution: p.xResolution,
    yResolution: p.yResolution,
    bitmap: p.bitmap.data,
  }));
  const dir = mkdtempSync(join(tmpdir(), 'faxseal-sim-'));
  const tiffPath = join(dir, 'document.tif');
  writeFaxTiff(tiffPath, pages);
  return { tiffPath, pages: pages.length, release: () => rmSync(dir, { recursive: true, force: true }) };
}
