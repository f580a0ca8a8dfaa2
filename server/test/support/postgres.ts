// The test run's PostgreSQL: one server per `npm test` (postgres-global-setup.ts starts it), or one
// per process when a test file runs alone, and a fresh database per test appliance or contract test.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase, startLocalPostgres } from '../../../scripts/local-postgres.ts';
import type { Engine } from '../../src/storage/database.ts';

/** Set by postgres-global-setup.ts for every test process of the run. */
export const TEST_POSTGRES_ENV = 'TEST_POSTGRES_URL';

/** Both engines, for tests that run their assertions on each. */
export const ENGINES: Engine[] = ['sqlite', 'postgres'];

/**
 * The engine test appliances use unless a test says otherwise: TEST_DATABASE_ENGINE, which the
 * `*.postgres.test.ts` files set to re-run a whole suite on PostgreSQL.
 */
export function defaultTestEngine(): Engine {
  return process.env.TEST_DATABASE_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

let privateServer: Promise<string> | null = null;

function serverUrl(): Promise<string> {
  const shared = process.env[TEST_POSTGRES_ENV];
  if (shared) return Promise.resolve(shared);
  privateServer ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-pg-'));
    const server = await startLocalPostgres({ dataDir: path.join(dir, 'cluster') });
    process.once('exit', () => {
      server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    return server.url;
  })();
  return privateServer;
}

let counter = 0;

/** A new empty database on the test server; drop it with dropTestDatabase. */
export async function newTestDatabase(): Promise<string> {
  const name = `t${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  return createDatabase(await serverUrl(), name);
}

export const dropTestDatabase = dropDatabase;
