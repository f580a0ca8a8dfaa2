// One appliance per data directory, and a way for the CLI to know one is running: the appliance
// holds an exclusive SQLite lock on `run/appliance.lock` for its life. The kernel drops the lock
// when the process dies, even by SIGKILL, so a stale pid file can never say "running".

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

const lockFile = (dataDir: string): string => path.join(dataDir, 'run', 'appliance.lock');

export class ApplianceLock {
  private constructor(private readonly db: Database.Database) {}

  /** Takes the data directory; throws when another appliance holds it. */
  static acquire(dataDir: string): ApplianceLock {
    mkdirSync(path.dirname(lockFile(dataDir)), { recursive: true, mode: 0o700 });
    const db = new Database(lockFile(dataDir), { timeout: 0 });
    try {
      // In exclusive locking mode the lock taken by the first write is kept until the connection closes.
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, started_at TEXT NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, started_at) VALUES (?, ?)').run(
        process.pid,
        new Date().toISOString(),
      );
      db.exec('COMMIT');
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY')
        throw new Error(`another FaxSeal appliance is running on ${dataDir}`);
      throw err;
    }
    return new ApplianceLock(db);
  }

  release(): void {
    this.db.close();
  }
}

/** Whether an appliance holds `dataDir` right now. */
export function applianceRunning(dataDir: string): boolean {
  if (!existsSync(lockFile(dataDir))) return false;
  try {
    ApplianceLock.acquire(dataDir).release();
    return false;
  } catch (err) {
    if ((err as Error).message.startsWith('another FaxSeal appliance')) return true;
    throw err;
  }
}
