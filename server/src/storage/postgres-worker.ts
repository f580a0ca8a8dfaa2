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
  | { ok: false; error: { message: string; code?: string; detail?: string; constraint?: string } };

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
  // A connection that dies between requests surfaces on the next query; don't crash the worker.
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function client(id: number, inTransaction = false): Promise<pg.Client> {
  const connection = connections.get(id);
  if (!connection) throw new Error('the database connection is closed');
  // A new connection would run the rest of the transaction outside it.
  if (!connection.client && inTransaction)
    throw new Error('the database connection was lost mid-transaction');
  connection.client ??= await connect(connection.options);
  return connection.client;
}

/** A statement that failed because the connection is gone (server restart, network): reconnect next time. */
function dropIfBroken(id: number, err: unknown): void {
  const code = (err as { code?: string }).code;
  const connection = connections.get(id);
  if (!connection?.client) return;
  // Class 08 is "connection exception", 57P0x "operator intervention" (shutdown); pg's own socket
  // errors have no SQLSTATE at all.
  if (code === undefined || code.startsWith('08') || code.startsWith('57P')) {
    void connection.client.end().catch(() => {});
    connection.client = null;
  }
}

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  try {
    switch (request.op) {
      case 'open': {
        const id = nextHandle++;
        connections.set(id, { options: request, client: await connect(request) });
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
    if ('handle' in request) dropIfBroken(request.handle, err);
    const e = err as { message?: string; code?: string; detail?: string; constraint?: string };
    return {
      ok: false,
      error: { message: e.message ?? String(err), code: e.code, detail: e.detail, constraint: e.constraint },
    };
  }
}

runAsWorker(handle);
