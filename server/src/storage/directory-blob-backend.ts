// Blobs as files under <data dir>/blobs, sharded by the first hex pair so no directory grows huge,
// each written to a temporary file, fsynced and renamed, so a crash never leaves half a blob.

import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { assertBlobId, BLOB_ID, type BlobBackend } from './blob-backend.ts';

export class DirectoryBlobBackend implements BlobBackend {
  readonly location: string;

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.location = root;
  }

  write(id: string, sealed: Buffer): void {
    const file = this.pathOf(id);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, sealed);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }

  read(id: string): Buffer {
    return readFileSync(this.pathOf(id));
  }

  exists(id: string): boolean {
    return existsSync(this.pathOf(id));
  }

  remove(id: string): void {
    rmSync(this.pathOf(id), { force: true });
  }

  *list(): Iterable<string> {
    if (!existsSync(this.root)) return;
    for (const shard of readdirSync(this.root)) {
      for (const name of readdirSync(path.join(this.root, shard))) {
        const id = name.endsWith('.bin') ? name.slice(0, -4) : '';
        if (BLOB_ID.test(id)) yield id;
      }
    }
  }

  /** Removes half-written `.tmp` files a crash left; returns how many. */
  sweepPartial(): number {
    let removed = 0;
    if (!existsSync(this.root)) return removed;
    for (const shard of readdirSync(this.root)) {
      for (const name of readdirSync(path.join(this.root, shard))) {
        if (!name.endsWith('.tmp')) continue;
        rmSync(path.join(this.root, shard, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  pathOf(id: string): string {
    assertBlobId(id);
    const hex = id.slice(id.indexOf('_') + 1);
    return path.join(this.root, hex.slice(0, 2), `${id}.bin`);
  }
}
