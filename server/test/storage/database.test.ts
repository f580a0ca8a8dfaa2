// The Db contract both engines keep (parameters, aliases, numbers, transactions), and what only the
// PostgreSQL engine has to show: NOTIFY on commit, singletons under advisory locks that move when a
// node dies, the statement timeout, and reconnecting after a server restart.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startLocalPostgres } from '../../../scripts/local-postgres.ts';
import { type Db, type Engine, openDatabase } from '../../src/storage/database.ts';
import { PostgresError } from '../../src/storage/postgres-database.ts';
import { dropTestDatabase, ENGINES, newTestDatabase } from '../support/postgres.ts';
import { tempDataDir } from '../support/test-appliance.ts';

type After = { after: (fn: () => Promise<void> | void) => void };

/** An empty, unmigrated database on `engine` with one table `t`. */
async function scratch(t: After, engine: Engine): Promise<{ db: Db; url: string | null }> {
  const dataDir = tempDataDir('db-contract');
  const url = engine === 'postgres' ? await newTestDatabase() : null;
  const db = openDatabase({ dataDir, databaseUrl: url }, { migrate: false });
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT NOT NULL, note TEXT, n INTEGER NOT NULL)');
  t.after(async () => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (url) await dropTestDatabase(url);
  });
  return { db, url };
}

const until = async (check: () => boolean, what: string, timeoutMs = 15_000) => {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

for (const engine of ENGINES) {
  test(`${engine}: ? and @name parameters, literals that hold them, nulls in IS NULL filters, aliases and counts`, async (t) => {
    const { db } = await scratch(t, engine);
    const insert = db.prepare('INSERT INTO t (id, name, note, n) VALUES (?, ?, ?, ?)');
    assert.equal(insert.run('a', "it's ?", null, 1).changes, 1);
    insert.run('b', '@name', 'kept', 2);
    // A `?` inside a literal or a comment is text, not a parameter.
    const literal = db
      .prepare("SELECT id FROM t WHERE name = 'it''s ?' -- a ? here too\n AND n = ?")
      .all(1) as { id: string }[];
    assert.deepEqual(literal, [{ id: 'a' }]);
    // A name used twice is one value; an IS NULL test is decided by the value on both engines.
    const filter = db.prepare(
      'SELECT id FROM t WHERE (@note IS NULL OR note = @note) AND n >= @min ORDER BY id',
    );
    assert.deepEqual(filter.all({ note: null, min: 0 }), [{ id: 'a' }, { id: 'b' }]);
    assert.deepEqual(filter.all({ note: 'kept', min: 0 }), [{ id: 'b' }]);
    // camelCase aliases keep their case, and COUNT / SUM are numbers, as better-sqlite3 gives them.
    const row = db
      .prepare('SELECT COUNT(*) AS rowCount, SUM(n) AS total, MAX(name) AS lastName FROM t')
      .get() as Record<string, unknown>;
    assert.deepEqual(row, { rowCount: 2, total: 3, lastName: "it's ?" });
    assert.throws(() => insert.run('c', 'x'), RangeError);
  });

  test(`${engine}: the dialect's fragments mean the same on both engines`, async (t) => {
    const { db } = await scratch(t, engine);
    const { dialect } = db;
    const insert = db.prepare('INSERT INTO t (id, name, note, n) VALUES (?, ?, ?, ?)');
    insert.run('a', 'first', '{"faxId":"fax_1","pages":3}', 5);
    insert.run('b', 'second', '{"faxId":"fax_2"}', -2);
    insert.run('c', 'third', '{}', 0);
    assert.deepEqual(
      db
        .prepare(
          `SELECT id, ${dialect.greatest('0', 'n - 1')} AS over, ${dialect.jsonText('note', 'faxId')} AS faxId FROM t ORDER BY id`,
        )
        .all(),
      [
        { id: 'a', over: 4, faxId: 'fax_1' },
        { id: 'b', over: 0, faxId: 'fax_2' },
        { id: 'c', over: 0, faxId: null },
      ],
    );
    assert.deepEqual(
      db
        .prepare(`SELECT id FROM t WHERE id NOT IN ${dialect.jsonArrayValues('?')} ORDER BY id`)
        .all(JSON.stringify(['a', 'c'])),
      [{ id: 'b' }],
    );
    // The same column names back, in order, from the table listing.
    assert.deepEqual(
      (db.prepare(dialect.tableColumns).all('t') as { name: string }[]).map((c) => c.name),
      ['id', 'name', 'note', 'n'],
    );
  });

  test(`${engine}: a transaction commits, a throw rolls it back, a nested one is a savepoint`, async (t) => {
    const { db } = await scratch(t, engine);
    const insert = db.prepare('INSERT INTO t (id, name, n) VALUES (?, ?, 0)');
    const ids = () => (db.prepare('SELECT id FROM t ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    assert.equal(
      db.transaction(() => {
        insert.run('a', 'kept');
        return 'done';
      })(),
      'done',
    );
    assert.throws(
      db.transaction(() => {
        insert.run('b', 'rolled back');
        throw new Error('boom');
      }),
      /boom/,
    );
    db.transaction(() => {
      insert.run('c', 'outer');
      assert.throws(() =>
        db.transaction(() => {
          insert.run('d', 'inner');
          insert.run('a', 'duplicate key');
        })(),
      );
      insert.run('e', 'after the savepoint');
    }).immediate();
    assert.deepEqual(ids(), ['a', 'c', 'e']);
  });

  test(`${engine}: a singleton runs its role until stopped`, async (t) => {
    const { db } = await scratch(t, engine);
    const events: string[] = [];
    const role = db.runAsSingleton('contract', {
      start: () => void events.push('start'),
      stop: () => void events.push('stop'),
    });
    await until(() => role.held, 'the role');
    await role.stop();
    assert.equal(role.held, false);
    assert.deepEqual(events, ['start', 'stop']);
  });
}

test('postgres: NOTIFY reaches another node when the transaction commits, never on rollback', async (t) => {
  const { db, url } = await scratch(t, 'postgres');
  const other = openDatabase({ dataDir: '/nonexistent', databaseUrl: url }, { migrate: false });
  t.after(() => other.close());
  const heard: string[] = [];
  other.listen('faxseal_test', (payload) => heard.push(payload));
  // LISTEN is asynchronous: a first notification that arrives proves the listener is in place.
  await until(() => {
    db.notify('faxseal_test', 'ready');
    return heard.includes('ready');
  }, 'the listener');
  // Later copies of 'ready' may still be on their way: only the others count from here on.
  const after = () => heard.filter((p) => p !== 'ready');
  assert.throws(
    db.transaction(() => {
      db.notify('faxseal_test', 'rolled back');
      throw new Error('abort');
    }),
  );
  db.transaction(() => {
    db.notify('faxseal_test', 'committed');
    // Not before the commit: give the other connection the chance to hear it early.
    db.prepare('SELECT pg_sleep(0.2)').get();
    assert.deepEqual(after(), []);
  })();
  await until(() => heard.includes('committed'), 'the committed notification');
  db.notify('faxseal_test', 'last');
  await until(() => heard.includes('last'), 'the last notification');
  assert.deepEqual(after(), ['committed', 'last']);
});

test('postgres: a singleton is held by one node at a time and moves when its node is killed', async (t) => {
  const { db, url } = await scratch(t, 'postgres');
  const holder = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./singleton-holder.ts', import.meta.url)),
      url!,
      'month-close',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => void holder.kill('SIGKILL'));
  let output = '';
  holder.stdout!.on('data', (d) => (output += d));
  await until(() => output.includes('held'), 'the other node to take the role', 30_000);

  let starts = 0;
  const here = db.runAsSingleton(
    'month-close',
    { start: () => void starts++, stop: () => {} },
    { retryMs: 100 },
  );
  t.after(() => here.stop());
  // Several retries while the other node is alive: none wins.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(here.held, false);
  assert.equal(starts, 0);

  // kill -9: no clean shutdown, the server ends the session and so releases its lock.
  holder.kill('SIGKILL');
  await until(() => here.held, 'this node to take the role over');
  assert.equal(starts, 1);
});

test('postgres: a statement past the statement timeout fails with 57014 and the connection goes on', async (t) => {
  const { url } = await scratch(t, 'postgres');
  const db = openDatabase(
    { dataDir: '/nonexistent', databaseUrl: url, databaseStatementTimeoutMs: 200 },
    { migrate: false },
  );
  t.after(() => db.close());
  assert.throws(
    () => db.prepare('SELECT pg_sleep(5)').get(),
    (err: unknown) => err instanceof PostgresError && err.code === '57014',
  );
  assert.deepEqual(db.prepare('SELECT 1 AS one').get(), { one: 1 });
});

test('postgres: after a server restart the next statement reconnects, and nothing committed is lost', async (t) => {
  // A private server: restarting the run's shared one would disturb the other test files.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-pg-restart-'));
  let server = await startLocalPostgres({ dataDir: path.join(dir, 'cluster') });
  t.after(() => {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = await server.createDatabase('restart');
  const db = openDatabase({ dataDir: dir, databaseUrl: url }, { migrate: false });
  t.after(() => db.close());
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
  db.prepare('INSERT INTO t (id) VALUES (?)').run('before');

  server.stop();
  // With the server down a statement fails at once with a clear error (no hang, no crash).
  assert.throws(() => db.prepare('SELECT id FROM t').all(), /ECONNREFUSED|terminat|connection/i);
  server = await startLocalPostgres({ dataDir: server.dataDir, port: server.port });

  db.prepare('INSERT INTO t (id) VALUES (?)').run('after');
  assert.deepEqual(db.prepare('SELECT id FROM t ORDER BY id').all(), [{ id: 'after' }, { id: 'before' }]);
});
