// One appliance per data directory, and no master-key rotation under a running one: the appliance
// holds an exclusive SQLite lock on `appliance.lock` for as long as it runs. The kernel drops the
// lock when the process ends, however it ends (kill -9 included), so a crash never leaves it stuck.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ownerOnly } from './database.ts';

export const LOCK_FILE = 'appliance.lock';

export class DataDirInUseError extends Error {
  constructor(dataDir: string) {
    super(`the data directory ${dataDir} is in use by a running FaxSeal appliance (${LOCK_FILE} is locked)`);
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  release(): void;
}

/** Takes the data directory's lock, or throws DataDirInUseError at once if someone holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = ownerOnly(path.join(dataDir, LOCK_FILE));
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 0');
    // A rollback journal, not WAL: in WAL mode an exclusive transaction does not shut readers out.
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir);
    throw err;
  }
  return {
    release() {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
