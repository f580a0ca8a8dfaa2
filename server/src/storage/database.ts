// Opens the appliance's SQLite database with the settings every module relies on (WAL, foreign
// keys, busy timeout) and applies the numbered migrations in ./migrations on start. The data
// directory is 0700 and the database, its WAL and shared-memory files 0600: they hold fax metadata.

import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export type Db = Database.Database;

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export function openDatabase(dataDir: string, options: { migrate?: boolean } = {}): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  restrictMode(dataDir, 0o700);
  const file = ownerOnly(path.join(dataDir, 'faxseal.db'));
  // SQLite creates -wal and -shm with the database file's mode; older ones are tightened here.
  for (const side of [`${file}-wal`, `${file}-shm`]) if (existsSync(side)) restrictMode(side, 0o600);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // WAL + NORMAL is durable across process crashes (kill -9); only an OS crash can lose the last
  // transactions, which the carrier would then see as an unconfirmed fax and resend.
  db.pragma('synchronous = NORMAL');
  if (options.migrate !== false) migrate(db);
  return db;
}

export interface MigrationResult {
  applied: string[];
  current: number;
}

/** Applies every migration newer than the recorded version, each in its own transaction. */
export function migrate(db: Db): MigrationResult {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const applied: string[] = [];
  for (const file of listMigrations()) {
    if (done.has(file.version)) continue;
    const sql = readFileSync(path.join(MIGRATIONS_DIR, file.name), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        file.version,
        file.name,
        new Date().toISOString(),
      );
    })();
    applied.push(file.name);
  }
  return { applied, current: schemaVersion(db) };
}

/** Creates `file` (empty) with mode 0600 if it is missing, tightens it to 0600 if not; returns it. */
function ownerOnly(file: string): string {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  restrictMode(file, 0o600);
  return file;
}

/** Takes group and other bits away; a path we may not chmod (another owner's) is left as it is. */
function restrictMode(target: string, mode: number): void {
  if ((statSync(target).mode & 0o777 & ~mode) === 0) return;
  try {
    chmodSync(target, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

/** The newest migration applied to `db` (0 before the first). */
export function schemaVersion(db: Db): number {
  return (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
}

export function listMigrations(): { version: number; name: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name))
    .map((name) => ({ version: Number(name.slice(0, 3)), name }))
    .sort((a, b) => a.version - b.version);
}
