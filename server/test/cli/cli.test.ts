// The operator CLI, run as `npm run faxseal` runs it: a real process on a real data directory.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../scripts/free-port.ts';
import { systemClock } from '../../src/clock.ts';
import { DidRepository } from '../../src/numbers/did-repository.ts';
import { listMigrations, openDatabase } from '../../src/storage/database.ts';
import { tempDataDir, testDatabase } from '../support/test-appliance.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** PostgreSQL databases of the test engine by data directory (none on SQLite). */
const databaseUrls = new Map<string, string>();

function faxseal(dataDir: string, ...args: string[]) {
  const databaseUrl = databaseUrls.get(dataDir);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      FAXSEAL_DATA_DIR: dataDir,
      ...(databaseUrl ? { FAXSEAL_DATABASE_URL: databaseUrl } : {}),
      FAXSEAL_LOG_LEVEL: 'warn',
      FAXSEAL_HTTP_PORT: '0',
      FAXSEAL_SIP_PORT: '0',
    },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('migrate, create-admin, reset-admin-password, disable-admin, import-dids and doctor work on a fresh data dir', async (t) => {
  const dataDir = tempDataDir('cli');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { databaseUrl } = await testDatabase(dataDir);
  if (databaseUrl) databaseUrls.set(dataDir, databaseUrl);
  const latest = listMigrations(databaseUrl ? 'postgres' : 'sqlite').at(-1)!.version;

  const migrated = faxseal(dataDir, 'migrate');
  assert.equal(migrated.code, 0, migrated.err);
  assert.match(migrated.out, /applied: 001_foundation\.sql/);
  assert.match(faxseal(dataDir, 'migrate').out, /nothing to apply/);

  const created = faxseal(dataDir, 'create-admin', 'dana', '--role', 'operator');
  assert.equal(created.code, 0, created.err);
  assert.match(created.out, /one-time password: \S{16}/);
  assert.match(created.out, /admin token: sk_admin_[\w-]{43}/);
  assert.equal(faxseal(dataDir, 'create-admin', 'dana').code, 1, 'duplicate refused');
  assert.equal(faxseal(dataDir, 'create-admin', 'eve', '--role', 'king').code, 2, 'bad role refused');

  const reset = faxseal(dataDir, 'reset-admin-password', 'dana');
  assert.equal(reset.code, 0);
  assert.match(reset.out, /one-time password for dana: \S{16}/);
  assert.equal(faxseal(dataDir, 'reset-admin-password', 'nobody').code, 1);

  const disabled = faxseal(dataDir, 'disable-admin', 'dana');
  assert.equal(disabled.code, 0, disabled.err);
  assert.match(disabled.out, /disabled dana: tokens revoked, 0 sessions ended/);
  assert.equal(faxseal(dataDir, 'disable-admin', 'dana').code, 1, 'already disabled');
  assert.equal(faxseal(dataDir, 'disable-admin', 'nobody').code, 1);
  // On whichever engine the CLI used (the SQLite file, or this test's PostgreSQL database).
  const operatorDb = openDatabase({ dataDir, databaseUrl: databaseUrls.get(dataDir) ?? null });
  const dana = operatorDb
    .prepare(
      `SELECT o.disabled_at AS disabledAt, COUNT(t.id) AS live FROM operators o
       LEFT JOIN operator_tokens t ON t.operator_id = o.id AND t.revoked_at IS NULL WHERE o.username = 'dana'
       GROUP BY o.id`,
    )
    .get() as { disabledAt: string | null; live: number };
  operatorDb.close();
  assert.ok(dana.disabledAt, 'disabled');
  assert.equal(dana.live, 0, 'the token printed by create-admin is revoked');

  const csv = path.join(dataDir, 'dids.csv');
  writeFileSync(csv, 'did\n+1 (206) 555-0101\n2065550102\nbogus\n');
  const imported = faxseal(dataDir, 'import-dids', csv);
  assert.equal(imported.code, 0, imported.err);
  assert.match(imported.out, /imported 2 DIDs/);
  assert.match(imported.out, /skipped line 4 \(bogus\)/);
  const db = openDatabase({ dataDir, databaseUrl }, { migrate: false });
  const pool = new DidRepository(db, systemClock).list(undefined, 1000, '+1206');
  assert.equal(pool.filter((d) => d.areaCode === '206').length, 2);
  db.close();

  const doctor = faxseal(dataDir, 'doctor');
  assert.match(doctor.out, /system packages/);
  // The suite runs on a supported Node, whichever one bootstrap chose; doctor says which and whence.
  assert.match(doctor.out, new RegExp(`ok\\s+node\\s+${process.versions.node.replaceAll('.', '\\.')} from `));
  assert.match(doctor.out, /data directory\s+\S+ mode 700/);
  assert.match(doctor.out, /extraction models/);
  assert.match(
    doctor.out,
    new RegExp(
      `ok\\s+database\\s+${databaseUrl ? 'PostgreSQL 1\\d' : 'SQLite 3'}[^,]* at .*, schema ${latest} of ${latest}`,
    ),
  );

  const config = faxseal(dataDir, 'config');
  assert.match(config.out, /FAXSEAL_DATA_DIR\s+"/);
  assert.match(config.out, /FAXSEAL_MASTER_KEY\s+\(unset\)/);
  // The database URL may carry a password: the config listing never shows it.
  if (databaseUrl) assert.doesNotMatch(config.out, new RegExp(new URL(databaseUrl).host));
});

test('doctor names a PostgreSQL it cannot reach, without the password of its URL', async (t) => {
  const dataDir = tempDataDir('cli-pg-down');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  databaseUrls.set(dataDir, `postgres://faxseal:s3cret-pw@127.0.0.1:${await freePort()}/faxseal`);
  const doctor = faxseal(dataDir, 'doctor');
  assert.notEqual(doctor.code, 0);
  assert.match(doctor.out, /FAIL\s+database\s+cannot open: .*ECONNREFUSED/);
  assert.doesNotMatch(doctor.out + doctor.err, /s3cret-pw/);
});

test('a bad setting stops the CLI with a message naming the variable', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', 'migrate'], {
    cwd: root,
    env: { ...process.env, FAXSEAL_HTTP_PORT: 'http' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /FAXSEAL_HTTP_PORT="http": must be a whole number/);
});
