// The worker thread that owns the appliance's PostgreSQL connections. The main thread blocks on each
// request (synckit: Atomics.wait), so repositories stay synchronous on both engines.

import pg from 'pg';
import { runAsWorker } from 'synckit';

export type WorkerRequest =
  | { op: 'open'; url: string; connectTimeoutMs: number; statementTimeoutMs: number }
  | { op: 'query'; handle: number; text: string; values: unknown[]; name?: string; inTransaction: boolean }
  | { op: 'exec'; handle: number; text: string; inTransaction: boolean }
  | { op: 'close'; handle: number };

export type WorkerResponse =
  | { ok: true; handle?: number; rows?: Record<string, unknown>[]; rowCount?: number }
  | {
      ok: false;
      error: {
        message: string;
        code?: string;
        detail?: string;
        constraint?: string;
        /** The server could not be reached or the connection was lost: nothing answered the statement. */
        unavailable: boolean;
      };
    };

// COUNT(*) and SUM() come back as int8 / numeric, which pg returns as strings: the repositories
// expect numbers, as better-sqlite3 gives them. Values past 2^53 do not occur in this schema.
const asNumber = (text: string) => Number(text);
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return asNumber;
    return pg.types.getTypeParser(oid, format);
  },
};

interface Connection {
  options: Extract<WorkerRequest, { op: 'open' }>;
  /** Null after the server dropped it: the next request connects again (never retries the failed one). */
  client: pg.Client | null;
}

/** An error that says the database is out of reach, not that the statement was wrong. */
class ConnectionLost extends Error {}

const connections = new Map<number, Connection>();
let nextHandle = 1;

async function connect(options: Connection['options']): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    // The wait on the main thread is bounded as well: a hung socket must not hang the appliance.
    query_timeout: options.statementTimeoutMs + 1000,
    application_name: 'faxseal',
    types,
  });
  try {
    await client.connect();
  } catch (err) {
    throw Object.assign(new ConnectionLost((err as Error).message), {
      code: (err as { code?: string }).code,
    });
  }
  return client;
}

/**
 * A connection the server ends between requests (a restart sends every idle session 57P01) is
 * forgotten at once, so the first statement after the server is back connects again instead of
 * failing on the dead client. Mid-transaction, the next statement of it then fails (see client()).
 */
function forgetWhenLost(connection: Connection, client: pg.Client): void {
  const lost = () => {
    if (connection.client === client) connection.client = null;
  };
  client.on('error', lost);
  client.on('end', lost);
}

async function client(id: number, inTransaction = false): Promise<pg.Client> {
  const connection = connections.get(id);
  if (!connection) throw new Error('the database connection is closed');
  // A new connection would run the rest of the transaction outside it.
  if (!connection.client && inTransaction)
    throw new ConnectionLost('the database connection was lost mid-transaction');
  if (!connection.client) {
    connection.client = await connect(connection.options);
    forgetWhenLost(connection, connection.client);
  }
  return connection.client;
}

/**
 * Whether `err` says the connection is gone rather than the statement wrong: class 08 is "connection
 * exception", 57P0x "operator intervention" (shutdown, crash recovery, starting up), 53300 "too many
 * connections"; pg's own socket errors carry no SQLSTATE at all (or Node's errno code).
 */
function isConnectionError(err: unknown): boolean {
  if (err instanceof ConnectionLost) return true;
  const code = (err as { code?: string }).code;
  return code === undefined || /^E[A-Z_]+$/.test(code) || /^(08|57P)/.test(code) || code === '53300';
}

/** A statement that failed because the connection is gone (server restart, network): reconnect next time. */
function dropIfBroken(id: number): void {
  const connection = connections.get(id);
  if (!connection?.client) return;
  void connection.client.end().catch(() => {});
  connection.client = null;
}

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  try {
    switch (request.op) {
      case 'open': {
        const id = nextHandle++;
        const connection: Connection = { options: request, client: await connect(request) };
        forgetWhenLost(connection, connection.client!);
        connections.set(id, connection);
        return { ok: true, handle: id };
      }
      case 'query': {
        const result = await (await client(request.handle, request.inTransaction)).query({
          text: request.text,
          values: request.values,
          name: request.name,
        });
        return { ok: true, rows: result.rows, rowCount: result.rowCount ?? 0 };
      }
      case 'exec': {
        await (await client(request.handle, request.inTransaction)).query(request.text);
        return { ok: true };
      }
      case 'close': {
        const c = connections.get(request.handle)?.client;
        connections.delete(request.handle);
        await c?.end();
        return { ok: true };
      }
    }
  } catch (err) {
    const unavailable = isConnectionError(err);
    if (unavailable && 'handle' in request) dropIfBroken(request.handle);
    const e = err as { message?: string; code?: string; detail?: string; constraint?: string };
    return {
      ok: false,
      error: {
        message: e.message ?? String(err),
        code: e.code,
        detail: e.detail,
        constraint: e.constraint,
        unavailable,
      },
    };
  }
}

runAsWorker(handle);
