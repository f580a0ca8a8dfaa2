// Encrypted document storage: PDFs and page images, each sealed with the master key (AES-256-GCM,
// bound to its blob id) before it reaches the backend, so neither a stolen disk nor a bucket's
// operator reads a fax. The backend is a directory on this node or an S3-compatible bucket.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { assertBlobId, type BlobBackend } from './blob-backend.ts';
import { DirectoryBlobBackend } from './directory-blob-backend.ts';
import type { MasterKey } from './master-key.ts';

export class BlobStore {
  readonly backend: BlobBackend;

  /** `location`: a data directory (blobs under `<dir>/blobs`) or a backend. */
  constructor(
    location: string | BlobBackend,
    private readonly masterKey: MasterKey,
  ) {
    this.backend =
      typeof location === 'string' ? new DirectoryBlobBackend(path.join(location, 'blobs')) : location;
  }

  /** Stores `bytes` under a new id (`<prefix>_<random>`) and returns the id. */
  put(prefix: string, bytes: Buffer): string {
    const id = `${prefix}_${randomBytes(16).toString('hex')}`;
    this.backend.write(id, this.masterKey.seal(bytes, `blob:${id}`));
    return id;
  }

  get(id: string): Buffer {
    assertBlobId(id);
    return this.masterKey.open(this.backend.read(id), `blob:${id}`);
  }

  exists(id: string): boolean {
    assertBlobId(id);
    return this.backend.exists(id);
  }

  delete(id: string): void {
    assertBlobId(id);
    this.backend.remove(id);
  }

  /** Every stored blob id (finished writes only). */
  ids(): Iterable<string> {
    return this.backend.list();
  }

  /**
   * Deletes what a crash left: half-written files, and blobs no row references (a blob is written
   * before the row that names it commits). Only while nothing else writes: at start-up, and only in
   * this node's own directory. A shared bucket is never swept at start: another node's blob may be
   * waiting for its row to commit.
   */
  sweepUnreferenced(referenced: Set<string>): { unreferenced: number; partial: number } {
    const swept = { unreferenced: 0, partial: 0 };
    if (!(this.backend instanceof DirectoryBlobBackend)) return swept;
    swept.partial = this.backend.sweepPartial();
    for (const id of [...this.backend.list()]) {
      if (referenced.has(id)) continue;
      this.backend.remove(id);
      swept.unreferenced++;
    }
    return swept;
  }

  /** The file of a blob kept on this node's disk (tests and the crash checks look at files). */
  pathOf(id: string): string {
    if (!(this.backend instanceof DirectoryBlobBackend)) throw new Error('blobs are not kept in a directory');
    return this.backend.pathOf(id);
  }
}
