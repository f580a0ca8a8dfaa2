// Refuses to start a node whose master key is not the one the database's sealed values are under:
// without it, a node of a cluster given another FAXSEAL_MASTER_KEY starts, then fails every OCR job
// and every secret it opens with "unable to authenticate data".

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './database.ts';
import { MasterKey } from './master-key.ts';
import { MasterKeyCheckRepository } from './master-key-check-repository.ts';

export class MasterKeyMismatchError extends Error {
  override name = 'MasterKeyMismatchError';
}

/** Records the key's check value at the first start; afterwards throws unless this key matches it. */
export function verifyMasterKey(db: Db, key: MasterKey, dataDir: string, now: Date): void {
  const repo = new MasterKeyCheckRepository(db);
  const recorded = repo.recordFirst(key.checkValue(), now);
  if (recorded.checkValue === key.checkValue()) return;
  // A rotation cut short has recorded its new key already; `rotate-master-key` resumes it.
  const next = path.join(dataDir, 'keys', 'master.key.next');
  if (
    existsSync(next) &&
    MasterKey.load(dataDir, readFileSync(next, 'utf8').trim()).checkValue() === recorded.checkValue
  )
    return;
  throw new MasterKeyMismatchError(
    `This node's master key (check value ${key.checkValue().slice(0, 8)}) is not the key the database's ` +
      `documents and secrets are sealed with (check value ${recorded.checkValue.slice(0, 8)}, recorded ` +
      `${recorded.recordedAt}). Every node of a cluster needs the same FAXSEAL_MASTER_KEY (a single node: ` +
      'the keys/master.key it was first started with). Refusing to start.',
  );
}
