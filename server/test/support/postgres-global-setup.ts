// `npm test`'s global setup (node --test-global-setup): one PostgreSQL server for the whole run,
// its URL handed to every test process through the environment, stopped when the run ends.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LocalPostgres, startLocalPostgres } from '../../../scripts/local-postgres.ts';
import { TEST_POSTGRES_ENV } from './postgres.ts';

let server: LocalPostgres | null = null;
let dir: string | null = null;

export async function globalSetup(): Promise<void> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-pg-'));
  server = await startLocalPostgres({ dataDir: path.join(dir, 'cluster') });
  process.env[TEST_POSTGRES_ENV] = server.url;
}

export async function globalTeardown(): Promise<void> {
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
