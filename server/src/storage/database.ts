// The appliance's database: one SQLite file by default (WAL, foreign keys, busy timeout; the data
// directory 0700, the database and its WAL and shared-memory files 0600: they hold fax metadata), or a
// shared PostgreSQL when FAXSEAL_DATABASE_URL is set. The one place that knows which; both apply ./migrations.

import { createHash } from 'node:crypto';
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
import { type Dialect, type Engine, sqliteDialect } from './dialect.ts';
import { PostgresDatabase, PostgresError } from './postgres-database.ts';

export type { Dialect, Engine };

export interface RunResult {
  changes: number;
  /** SQLite only; portable code reads ids back with RETURNING. */
  lastInsertRowid: number | bigint;
}

/** A prepared statement: better-sqlite3's, or its PostgreSQL twin (`?` or `@name` parameters). */
export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** better-sqlite3's transaction function: nested calls are savepoints, a throw rolls back. */
export type Transaction<F extends (...args: any[]) => any> = {
  (...args: Parameters<F>): ReturnType<F>;
  deferred(...args: Parameters<F>): ReturnType<F>;
  /** Takes the write lock first (PostgreSQL: one such transaction at a time across all nodes). */
  immediate(...args: Parameters<F>): ReturnType<F>;
  exclusive(...args: Parameters<F>): ReturnType<F>;
};

/** What a singleton does while this node holds it (month close, retention purge, trunk registration). */
export interface SingletonRole {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface Singleton {
  readonly name: string;
  /** True while this node holds the role. */
  readonly held: boolean;
  /** Stops the role if held and gives the lock up. */
  stop(): Promise<void>;
}

/** The subset of better-sqlite3's API the repositories use, on either engine, synchronously. */
export interface Db {
  readonly engine: Engine;
  readonly dialect: Dialect;
  prepare(sql: string): Statement;
  /** Runs statements without parameters (migrations, transaction control). */
  exec(sql: string): void;
  transaction<F extends (...args: any[]) => any>(fn: F): Transaction<F>;
  /** Wakes `listen`ers on every node once the current transaction commits (SQLite: one node, nothing to do). */
  notify(channel: string, payload: string): void;
  listen(channel: string, handler: (payload: string) => void): () => void;
  /**
   * Runs `role` on one node at a time: PostgreSQL holds a session advisory lock on a connection of
   * its own, released when the node dies, and another node's retry (every `retryMs`) takes the role.
   */
  runAsSingleton(name: string, role: SingletonRole, options?: { retryMs?: number }): Singleton;
  close(): void;
}

/**
 * Whether `err` is a UNIQUE violation on `table.column` (a column declared UNIQUE inline), as either
 * engine reports it: SQLite by message, PostgreSQL by SQLSTATE 23505 and its `<table>_<column>_key` name.
 */
export function isUniqueViolation(err: unknown, table: string, column: string): boolean {
  if (err instanceof PostgresError)
    return err.code === '23505' && err.constraint === `${table}_${column}_key`;
  return err instanceof Error && err.message.includes(`UNIQUE constraint failed: ${table}.${column}`);
}

/**
 * Whether `err` means the database could not be reached (a PostgreSQL restart, the network), not
 * that the statement was wrong: callers answer 503 and try again later. Never true on SQLite.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return err instanceof PostgresError && err.unavailable;
}

export interface DatabaseTarget {
  dataDir: string;
  /** postgres://… to use PostgreSQL; null for the SQLite file in dataDir. */
  databaseUrl?: string | null;
  databaseStatementTimeoutMs?: number;
}

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATION_LOCK = 4_703_115_002;

/** Opens (and, unless told otherwise, migrates) the database; a bare data directory means its SQLite file. */
export function openDatabase(where: DatabaseTarget | string, options: { migrate?: boolean } = {}): Db {
  const target = typeof where === 'string' ? { dataDir: where } : where;
  const db = target.databaseUrl
    ? openPostgres(target.databaseUrl, target.databaseStatementTimeoutMs ?? 10_000)
    : openSqlite(target.dataDir);
  try {
    if (options.migrate !== false) migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function openSqlite(dataDir: string): Db {
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
  return new SqliteDatabase(db);
}

/** A Db over a better-sqlite3 handle opened elsewhere (backup snapshots, restore checks). */
export function sqliteDb(handle: Database.Database): Db {
  return new SqliteDatabase(handle);
}

class SqliteDatabase implements Db {
  readonly engine = 'sqlite';
  readonly dialect = sqliteDialect;
  constructor(private readonly db: Database.Database) {}
  prepare(sql: string): Statement {
    return this.db.prepare(sql);
  }
  exec(sql: string): void {
    this.db.exec(sql);
  }
  transaction<F extends (...args: any[]) => any>(fn: F): Transaction<F> {
    return this.db.transaction(fn) as unknown as Transaction<F>;
  }
  notify(): void {}
  listen(): () => void {
    return () => {};
  }
  runAsSingleton(name: string, role: SingletonRole): Singleton {
    // One SQLite file, one node: the role is always ours.
    let held = true;
    void role.start();
    return {
      name,
      get held() {
        return held;
      },
      async stop() {
        if (held) await role.stop();
        held = false;
      },
    };
  }
  close(): void {
    this.db.close();
  }
}

function openPostgres(url: string, statementTimeoutMs: number): Db {
  const db = new PostgresDatabase({ url, connectTimeoutMs: 10_000, statementTimeoutMs });
  try {
    // Cursor pagination (`id < @before`) and ISO timestamps compare as bytes, as in SQLite.
    const { collation, ctype } = db
      .prepare(
        'SELECT datcollate AS collation, datctype AS ctype FROM pg_database WHERE datname = current_database()',
      )
      .get() as { collation: string; ctype: string };
    if (!['C', 'POSIX', 'C.UTF-8', 'C.utf8'].includes(collation) || !/utf-?8/i.test(ctype))
      throw new Error(
        `the PostgreSQL database has collation ${collation} and ctype ${ctype}; FaxSeal needs byte-order ` +
          "text and UTF-8 classes: CREATE DATABASE faxseal TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'",
      );
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export interface MigrationResult {
  applied: string[];
  current: number;
}

/** Applies every migration newer than the recorded version, each in its own transaction. */
export function migrate(db: Db): MigrationResult {
  // Nodes starting together on one PostgreSQL take turns; the second finds nothing left to apply.
  if (db.engine === 'postgres') db.prepare('SELECT pg_advisory_lock(?)').get(MIGRATION_LOCK);
  try {
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
    for (const file of listMigrations(db.engine)) {
      if (done.has(file.version)) continue;
      const text = readFileSync(path.join(MIGRATIONS_DIR, file.name), 'utf8');
      db.transaction(() => {
        db.exec(db.engine === 'postgres' ? postgresDdl(text) : text);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          file.version,
          file.name,
          new Date().toISOString(),
        );
      })();
      applied.push(file.name);
    }
    return { applied, current: schemaVersion(db) };
  } finally {
    if (db.engine === 'postgres') db.prepare('SELECT pg_advisory_unlock(?)').get(MIGRATION_LOCK);
  }
}

/**
 * Portable DDL in PostgreSQL's words: SQLite's INTEGER is 64-bit and REAL 8 bytes, and an INTEGER
 * PRIMARY KEY numbers rows by itself when the insert leaves it out.
 */
export function postgresDdl(sql: string): string {
  return sql
    .replace(
      /\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b/gi,
      'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY',
    )
    .replace(/\bINTEGER\b/gi, 'BIGINT')
    .replace(/\bREAL\b/gi, 'DOUBLE PRECISION');
}

/** What `faxseal doctor` reports: the engine and its version, and how far the schema is migrated. */
export function describeDatabase(db: Db): { server: string; schemaVersion: number; latest: number } {
  const server =
    db.engine === 'postgres'
      ? `PostgreSQL ${(db.prepare('SHOW server_version').get() as { server_version: string }).server_version}`
      : `SQLite ${(db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v}`;
  const hasTable =
    db.engine === 'postgres'
      ? db
          .prepare(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
          )
          .get()
      : db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  return {
    server,
    schemaVersion: hasTable ? schemaVersion(db) : 0,
    latest: listMigrations(db.engine).at(-1)?.version ?? 0,
  };
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

/**
 * The migrations for `engine`, in order: `NNN_name.sql` is portable; `NNN_name.postgres.sql` (or
 * `.sqlite.sql`) replaces it on that engine where the SQL must differ (full-text search, triggers).
 * An engine file applies only beside its portable twin, so a twin written for a migration that has
 * not landed yet waits for it.
 */
export function listMigrations(engine: Engine = 'sqlite'): { version: number; name: string }[] {
  const files = readdirSync(MIGRATIONS_DIR);
  const byVersion = new Map<number, string>();
  for (const name of files.sort()) {
    const m = /^((\d{3})_[a-z0-9_]+)(?:\.(sqlite|postgres))?\.sql$/.exec(name);
    if (!m || (m[3] && (m[3] !== engine || !files.includes(`${m[1]}.sql`)))) continue;
    const version = Number(m[2]);
    if (m[3] || !byVersion.has(version)) byVersion.set(version, name);
  }
  return [...byVersion].map(([version, name]) => ({ version, name })).sort((a, b) => a.version - b.version);
}

/**
 * Each engine twin names the portable file it was written from by a hash on its first line
 * (`-- twin of NNN_name.sql sha256:<16 hex>`): a change to the portable file without its twin shows
 * as a mismatch (the migration test fails on it). Returns the twins whose portable file is present.
 */
export function migrationTwins(): {
  twin: string;
  portable: string;
  recorded: string | null;
  actual: string;
}[] {
  const files = readdirSync(MIGRATIONS_DIR);
  return files
    .filter((f) => /\.(sqlite|postgres)\.sql$/.test(f))
    .map((twin) => ({ twin, portable: twin.replace(/\.(sqlite|postgres)\.sql$/, '.sql') }))
    .filter(({ portable }) => files.includes(portable))
    .map(({ twin, portable }) => ({
      twin,
      portable,
      recorded:
        /^-- twin of \S+ sha256:([0-9a-f]{16})/.exec(
          readFileSync(path.join(MIGRATIONS_DIR, twin), 'utf8'),
        )?.[1] ?? null,
      actual: migrationHash(portable),
    }));
}

function migrationHash(name: string): string {
  return createHash('sha256')
    .update(readFileSync(path.join(MIGRATIONS_DIR, name)))
    .digest('hex')
    .slice(0, 16);
}
