// Encrypted document storage on disk: PDFs and page images, each sealed with the master key
// (AES-256-GCM, bound to its blob id) and written atomically, so a crash never leaves half a file.

import { randomBytes } from 'node:crypto';
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
import type { MasterKey } from './master-key.ts';

export class BlobStore {
  private readonly root: string;

  constructor(
    dataDir: string,
    private readonly masterKey: MasterKey,
  ) {
    this.root = path.join(dataDir, 'blobs');
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  /** Stores `bytes` under a new id (`<prefix>_<random>`) and returns the id. */
  put(prefix: string, bytes: Buffer): string {
    const id = `${prefix}_${randomBytes(16).toString('hex')}`;
    const file = this.pathOf(id);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, this.masterKey.seal(bytes, `blob:${id}`));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return id;
  }

  get(id: string): Buffer {
    return this.masterKey.open(readFileSync(this.pathOf(id)), `blob:${id}`);
  }

  exists(id: string): boolean {
    return existsSync(this.pathOf(id));
  }

  delete(id: string): void {
    rmSync(this.pathOf(id), { force: true });
  }

  /** Every blob id on disk (finished writes only). */
  *ids(): Generator<string> {
    for (const shard of readdirSync(this.root)) {
      for (const name of readdirSync(path.join(this.root, shard)))
        if (name.endsWith('.bin')) yield name.slice(0, -4);
    }
  }

  /**
   * Deletes what a crash left: half-written `.tmp` files, and blobs no row references (a blob is
   * written before the row that names it commits). Only while nothing else writes: at start-up.
   */
  sweepUnreferenced(referenced: Set<string>): { unreferenced: number; partial: number } {
    const swept = { unreferenced: 0, partial: 0 };
    for (const shard of readdirSync(this.root)) {
      for (const name of readdirSync(path.join(this.root, shard))) {
        const file = path.join(this.root, shard, name);
        if (name.endsWith('.tmp')) {
          rmSync(file, { force: true });
          swept.partial++;
        } else if (name.endsWith('.bin') && !referenced.has(name.slice(0, -4))) {
          rmSync(file, { force: true });
          swept.unreferenced++;
        }
      }
    }
    return swept;
  }

  /** Where a blob lives: sharded by the first hex pair so no directory grows huge. */
  pathOf(id: string): string {
    if (!/^[a-z]{2,8}_[0-9a-f]{32}$/.test(id)) throw new Error(`not a blob id: ${id}`);
    const hex = id.slice(id.indexOf('_') + 1);
    return path.join(this.root, hex.slice(0, 2), `${id}.bin`);
  }
}
