// `faxseal rotate-master-key`: re-seals every blob and every sealed secret under a new master key,
// then makes the new key the key file. The new key is first written beside the old one
// (`master.key.next`), so a run cut short loses nothing and the next run resumes where it stopped.

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { MasterKey } from './master-key.ts';
import type { SealedColumnRepository } from './sealed-column-repository.ts';

export interface RotationResult {
  blobs: number;
  secrets: number;
}

export function rotateMasterKey(
  dataDir: string,
  sealedColumns: SealedColumnRepository,
  current: MasterKey,
): RotationResult {
  const keyFile = path.join(dataDir, 'keys', 'master.key');
  const nextFile = `${keyFile}.next`;
  if (!existsSync(nextFile)) writeDurably(nextFile, `${randomBytes(32).toString('base64')}\n`);
  const next = MasterKey.load(dataDir, readFileSync(nextFile, 'utf8').trim());

  // Each value opens under the old key (re-seal it) or already under the new one (a resumed run).
  const reseal = (sealed: Buffer, context: string): Buffer | null => {
    try {
      return next.seal(current.open(sealed, context), context);
    } catch {
      next.open(sealed, context); // throws if neither key opens it: stop before anything is lost
      return null;
    }
  };

  let blobs = 0;
  const root = path.join(dataDir, 'blobs');
  for (const shard of existsSync(root) ? readdirSync(root) : []) {
    for (const name of readdirSync(path.join(root, shard))) {
      if (!name.endsWith('.bin')) continue;
      const file = path.join(root, shard, name);
      const resealed = reseal(readFileSync(file), `blob:${name.slice(0, -4)}`);
      if (!resealed) continue;
      writeDurably(`${file}.tmp`, resealed);
      renameSync(`${file}.tmp`, file);
      blobs++;
    }
  }

  const secrets = sealedColumns.resealAll(reseal);

  // Everything is sealed under the new key: only now does it become the key.
  renameSync(nextFile, keyFile);
  return { blobs, secrets };
}

function writeDurably(file: string, data: string | Buffer): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
