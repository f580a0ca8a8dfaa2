// A private PostgreSQL server for tests, CI and `npm run cluster`: Debian's postgresql package run
// from its own data directory on its own 127.0.0.1 port, never the system cluster.

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

/** Debian 12's server binaries (`postgresql-15`); FAXSEAL_PG_BIN points elsewhere. */
export const PG_BIN = process.env.FAXSEAL_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root: as root the server runs as this system user. */
export const PG_SYSTEM_USER = 'faxseal-pg';
/** The superuser the test cluster is created with (trust authentication, loopback only). */
const SUPERUSER = 'faxseal';

export interface LocalPostgres {
  dataDir: string;
  port: number;
  /** postgres://faxseal@127.0.0.1:<port>/postgres — the maintenance database. */
  url: string;
  /** A URL for database `name` on this server (see createDatabase). */
  urlFor(name: string): string;
  /** Creates an empty database with the collation the appliance requires (C); returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown; the data directory stays (reuse it with startLocalPostgres on the same dir). */
  stop(): void;
  /**
   * A restart in two halves that never block the caller's event loop (a test's fax calls go on):
   * `pg_ctl stop -m fast` (every session is ended), then `pg_ctl start` on the same port.
   */
  restart: { stop(): Promise<void>; start(): Promise<void> };
}

/**
 * Creates the cluster in `dataDir` if it is not there yet and starts it on `port` (a free port when
 * omitted). Returns once it accepts connections. Synchronous, so an `exit` handler can stop it.
 */
export async function startLocalPostgres(options: {
  dataDir: string;
  port?: number;
}): Promise<LocalPostgres> {
  if (!existsSync(path.join(PG_BIN, 'pg_ctl')))
    throw new Error(`PostgreSQL server binaries not found in ${PG_BIN}: apt-get install postgresql`);
  const dataDir = path.resolve(options.dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) ensureSystemUser();
  const run = (binary: string, args: string[]): string => {
    const command = path.join(PG_BIN, binary);
    return asRoot
      ? execFileSync('runuser', ['-u', PG_SYSTEM_USER, '--', command, ...args], { encoding: 'utf8' })
      : execFileSync(command, args, { encoding: 'utf8' });
  };
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (asRoot) {
      // The parent (a test temp dir) must be traversable by the server's user.
      chmodSync(path.dirname(dataDir), 0o755);
      const { uid, gid } = systemUserIds();
      chownSync(dataDir, uid, gid);
    }
    // C collation: ids and ISO timestamps compare byte-wise, as in SQLite (cursor pagination relies on it).
    run('initdb', [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--lc-collate=C',
      '--no-sync',
    ]);
  }
  const port = options.port ?? (await freePort());
  // Durability stays on: a server restart mid-run must lose nothing acknowledged, and tests check it.
  writeFileSync(
    path.join(dataDir, 'faxseal-test.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'max_connections = 200',
      'shared_buffers = 64MB',
      'fsync = on',
      'synchronous_commit = on',
      "log_min_messages = 'warning'",
      '',
    ].join('\n'),
  );
  const mainConf = path.join(dataDir, 'postgresql.conf');
  if (!readFileSync(mainConf, 'utf8').includes("include_if_exists = 'faxseal-test.conf'"))
    writeFileSync(mainConf, `${readFileSync(mainConf, 'utf8')}\ninclude_if_exists = 'faxseal-test.conf'\n`);
  if (asRoot) {
    const { uid, gid } = systemUserIds();
    for (const file of ['faxseal-test.conf', 'postgresql.conf'])
      chownSync(path.join(dataDir, file), uid, gid);
  }
  const startArgs = ['-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', 'start'];
  run('pg_ctl', startArgs);
  const runAsync = async (args: string[]): Promise<void> => {
    const command = path.join(PG_BIN, 'pg_ctl');
    await promisify(execFile)(
      asRoot ? 'runuser' : command,
      asRoot ? ['-u', PG_SYSTEM_USER, '--', command, ...args] : args,
    );
  };
  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  return {
    dataDir,
    port,
    url,
    urlFor: (name) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`,
    createDatabase: (name) => createDatabase(url, name),
    restart: {
      stop: () => runAsync(['-D', dataDir, '-m', 'fast', '-w', 'stop']),
      start: () => runAsync(startArgs),
    },
    stop() {
      const args = ['-D', dataDir, '-m', 'fast', '-w', 'stop'];
      const command = path.join(PG_BIN, 'pg_ctl');
      spawnSync(
        asRoot ? 'runuser' : command,
        asRoot ? ['-u', PG_SYSTEM_USER, '--', command, ...args] : args,
        {
          stdio: 'ignore',
        },
      );
    },
  };
}

/** Creates database `name` on the server of `serverUrl` (any database there) and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  await withClient(serverUrl, (c) =>
    c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'`),
  );
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database of `databaseUrl`, closing its sessions first. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  await withClient(url.toString(), (c) =>
    c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

async function withClient<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function ensureSystemUser(): void {
  if (spawnSync('id', ['-u', PG_SYSTEM_USER], { stdio: 'ignore' }).status === 0) return;
  const made = spawnSync(
    'useradd',
    ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_SYSTEM_USER],
    {
      encoding: 'utf8',
    },
  );
  // A concurrent test process may have created it meanwhile.
  if (made.status !== 0 && spawnSync('id', ['-u', PG_SYSTEM_USER], { stdio: 'ignore' }).status !== 0)
    throw new Error(`cannot create the ${PG_SYSTEM_USER} system user: ${made.stderr}`);
}

function systemUserIds(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, PG_SYSTEM_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Stops a server startLocalPostgres started, from another process (`npm run cluster -- down`). */
export function stopLocalPostgres(dataDir: string): void {
  const command = path.join(PG_BIN, 'pg_ctl');
  const args = ['-D', path.resolve(dataDir), '-m', 'fast', '-w', 'stop'];
  const asRoot = process.getuid?.() === 0;
  spawnSync(asRoot ? 'runuser' : command, asRoot ? ['-u', PG_SYSTEM_USER, '--', command, ...args] : args, {
    stdio: 'ignore',
  });
}
