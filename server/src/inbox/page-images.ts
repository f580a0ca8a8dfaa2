// Page pictures of a fax for the console (the inbox viewer's thumbnails and page image, a sent fax's
// first page): the stored TIFF decoded by spandsp's reader, scaled to PNG. The last few decoded faxes
// are kept, since a viewer asks for every page of the same fax in a burst.

import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type FaxPage, readFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { pagePreviewPng } from '../documents/page-preview.ts';
import type { FaxRecord, FaxRepository } from '../faxes/fax-repository.ts';
import type { BlobStore } from '../storage/blob-store.ts';

const DECODED_KEPT = 4;

export class FaxPageImages {
  private readonly decoded = new Map<string, FaxPage[]>();

  constructor(
    private readonly faxes: FaxRepository,
    private readonly blobs: BlobStore,
    private readonly spoolDir: string,
  ) {}

  /** PNG of page `page` (1-based) `width` pixels wide; null when the fax has no such page image. */
  png(fax: FaxRecord, page: number, width: number): Buffer | null {
    const blob = this.tiffBlobOf(fax);
    if (!blob || fax.purgedAt) return null;
    const pages = this.pagesOf(blob);
    const image = pages[page - 1];
    if (!image) return null;
    return pagePreviewPng(
      {
        bitmap: {
          width: image.width,
          height: image.height,
          rowBytes: (image.width + 7) >> 3,
          data: image.bitmap,
        },
        xResolution: image.xResolution,
        yResolution: image.yResolution,
      },
      width,
    );
  }

  private tiffBlobOf(fax: FaxRecord): string | null {
    if (fax.direction === 'outbound') return fax.tiffBlob;
    return this.faxes.pages(fax.id)[0]?.imageBlob ?? null;
  }

  private pagesOf(blob: string): FaxPage[] {
    const kept = this.decoded.get(blob);
    if (kept) return kept;
    mkdirSync(this.spoolDir, { recursive: true });
    const file = path.join(this.spoolDir, `${randomUUID()}.tif`);
    writeFileSync(file, this.blobs.get(blob), { mode: 0o600 });
    let pages: FaxPage[];
    try {
      pages = readFaxTiff(file).pages;
    } finally {
      rmSync(file, { force: true });
    }
    this.decoded.set(blob, pages);
    while (this.decoded.size > DECODED_KEPT) this.decoded.delete(this.decoded.keys().next().value!);
    return pages;
  }

  /** Retention purged a fax: its decoded pages go too. */
  forget(blob: string): void {
    this.decoded.delete(blob);
  }
}
