// The migrations keep both engines on one schema: every engine twin is current with the portable
// file it was written from, and a database migrated on each engine has the same tables and columns.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Db, listMigrations, migrationTwins, schemaVersion } from '../../src/storage/database.ts';
import { openTestDatabase, tempDataDir } from '../support/test-appliance.ts';

test('every engine twin was written from the portable migration beside it as it is now', () => {
  const twins = migrationTwins();
  assert.ok(twins.length >= 2, 'the FTS and trigger migrations have PostgreSQL twins');
  for (const { twin, portable, recorded, actual } of twins)
    assert.equal(
      recorded,
      actual,
      `${portable} changed after ${twin} was written from it: carry the change over to ${twin}, then update its first line to "-- twin of ${portable} sha256:${actual}"`,
    );
});

/** Table → sorted column names, leaving out what only one engine has by nature. */
function schemaOf(db: Db): Map<string, string[]> {
  const tables = (
    db.engine === 'postgres'
      ? db
          .prepare(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
          )
          .all()
      : db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
  ) as { name: string }[];
  const schema = new Map<string, string[]>();
  for (const { name } of tables) {
    // The inbox search index is FTS5 shadow tables on SQLite and a tsvector table on PostgreSQL.
    if (name.startsWith('fax_search')) continue;
    const columns = (db.prepare(db.dialect.tableColumns).all(name) as { name: string }[]).map((c) => c.name);
    schema.set(name, columns.sort());
  }
  return new Map([...schema].sort(([a], [b]) => a.localeCompare(b)));
}

test('a database migrated on SQLite and one migrated on PostgreSQL have the same tables and columns', async (t) => {
  const sqlite = await openTestDatabase(t, tempDataDir('schema-sqlite'), 'sqlite');
  const postgres = await openTestDatabase(t, tempDataDir('schema-postgres'), 'postgres');
  assert.equal(schemaVersion(sqlite), listMigrations('sqlite').at(-1)!.version);
  assert.equal(schemaVersion(postgres), schemaVersion(sqlite));
  const a = schemaOf(sqlite);
  assert.ok(a.has('faxes') && a.has('jobs') && a.has('webhook_events'));
  assert.deepEqual(Object.fromEntries(schemaOf(postgres)), Object.fromEntries(a));
});
