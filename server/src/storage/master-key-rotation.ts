// `faxseal rotate-master-key`: re-seals every blob and every sealed secret under a new master key,
// then makes the new key the key file. The new key is first written beside the old one
// (`master.key.next`), so a run cut short loses nothing and the next run resumes where it stopped.

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { BlobBackend } from './blob-backend.ts';
import { MasterKey } from './master-key.ts';
import type { MasterKeyCheckRepository } from './master-key-check-repository.ts';
import type { SealedColumnRepository } from './sealed-column-repository.ts';

export interface RotationResult {
  blobs: number;
  secrets: number;
}

export function rotateMasterKey(
  dataDir: string,
  backend: BlobBackend,
  sealedColumns: SealedColumnRepository,
  current: MasterKey,
  keyCheck: MasterKeyCheckRepository,
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
  for (const id of [...backend.list()]) {
    const resealed = reseal(backend.read(id), `blob:${id}`);
    if (!resealed) continue;
    backend.write(id, resealed);
    blobs++;
  }

  const secrets = sealedColumns.resealAll(reseal);

  // Everything is sealed under the new key: only now does it become the key (the database's
  // check value first: a start between the two finds master.key.next and is let through).
  keyCheck.replace(next.checkValue(), new Date());
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
