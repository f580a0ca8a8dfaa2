// The PostgreSQL engine behind the synchronous Db interface: better-sqlite3's statement and
// transaction API on top of a worker thread that owns the connection (postgres-worker.ts).

import { createHash } from 'node:crypto';
import pg from 'pg';
import { createSyncFn } from 'synckit';
import type { Db, RunResult, Singleton, SingletonRole, Statement, Transaction } from './database.ts';
import { postgresDialect } from './dialect.ts';
import type { WorkerRequest, WorkerResponse } from './postgres-worker.ts';

export interface PostgresOptions {
  url: string;
  connectTimeoutMs: number;
  /** PostgreSQL's statement_timeout: the longest the main thread can block on one statement. */
  statementTimeoutMs: number;
}

/** A PostgreSQL error carried across the thread boundary, with its SQLSTATE (`23505`…). */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    readonly constraint: string | undefined,
    /** The server was out of reach or the connection was lost (a restart, the network), see isDatabaseUnavailable. */
    readonly unavailable = false,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

// Every transaction better-sqlite3 would run IMMEDIATE (credit balance, audit chain head) takes this
// lock first, so read-then-write transactions serialise across nodes as they do on one SQLite file.
const IMMEDIATE_LOCK = 4_703_115_001;

let call: ((request: WorkerRequest) => WorkerResponse) | null = null;
function bridge(timeoutMs: number): (request: WorkerRequest) => WorkerResponse {
  // synckit keeps one worker per path: every Db of the process shares it (one connection each).
  call ??= createSyncFn(new URL('./postgres-worker.ts', import.meta.url).pathname, { timeout: timeoutMs });
  const sync = call;
  return (request) => {
    try {
      return sync(request);
    } catch (err) {
      // The worker did not answer within the bridge's bound (a hung socket): out of reach as well.
      const message = `the database did not answer: ${(err as Error).message}`;
      return { ok: false, error: { message, unavailable: true } };
    }
  };
}

function unwrap(response: WorkerResponse): Extract<WorkerResponse, { ok: true }> {
  if (!response.ok) {
    const e = response.error;
    throw new PostgresError(e.message, e.code, e.detail, e.constraint, e.unavailable);
  }
  return response;
}

type Part = string | { param: number | string; nullTest: boolean };

/** SQL written for better-sqlite3, split once per statement text around its parameters. */
interface Template {
  parts: Part[];
  positional: number;
  /** PostgreSQL's text per pattern of null values in IS NULL tests (see render). */
  rendered: Map<string, Rendered>;
}

interface Rendered {
  text: string;
  /** The prepared statement's name on the connection. */
  name: string;
  /** The parameter (index or name) bound to each `$n`. */
  refs: (number | string)[];
}

// String literals, quoted identifiers and comments pass through; `?` and `@name` are parameters (and
// whether an IS NULL test follows); camelCase aliases get quoted, since PostgreSQL folds unquoted
// names to lower case where SQLite keeps them.
const TOKENS =
  /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|(\?|@[A-Za-z_]\w*)(?=(\s+IS\s+(?:NOT\s+)?NULL\b)?)|\b(AS\s+)([A-Za-z_]\w*)/gi;

export function parseStatement(sql: string): Template {
  const parts: Part[] = [];
  let positional = 0;
  let named = false;
  let last = 0;
  for (const m of sql.matchAll(TOKENS)) {
    const [token, param, nullTest, as, alias] = m;
    let part: Part | null = null;
    if (param === '?') part = { param: positional++, nullTest: nullTest !== undefined };
    else if (param !== undefined) {
      named = true;
      part = { param: param.slice(1), nullTest: nullTest !== undefined };
    } else if (as !== undefined && /[A-Z]/.test(alias)) part = `${as}"${alias}"`;
    if (part === null) continue;
    parts.push(sql.slice(last, m.index), part);
    last = m.index + token.length;
  }
  parts.push(sql.slice(last));
  if (positional > 0 && named) throw new Error('a statement mixes ? and @name parameters');
  return { parts, positional, rendered: new Map() };
}

/**
 * The statement and its values for one call. PostgreSQL cannot type a parameter whose first use is
 * `@x IS NULL` (the `(@x IS NULL OR col = @x)` filters): such a test is decided here on the value,
 * written as `NULL IS NULL` or `0 IS NULL`, and the remaining uses type the parameter.
 */
export function bind(template: Template, params: unknown[]): { rendered: Rendered; values: unknown[] } {
  // One plain object binds by name (its other keys are ignored), as in better-sqlite3.
  const bag =
    params.length === 1 && typeof params[0] === 'object' && params[0] !== null && !Buffer.isBuffer(params[0])
      ? (params[0] as Record<string, unknown>)
      : null;
  if (!bag && params.length !== template.positional)
    throw new RangeError(`Expected ${template.positional} parameters, got ${params.length}`);
  const valueFor = (ref: number | string): unknown => {
    const value = typeof ref === 'number' ? params[ref] : bag?.[ref];
    if (value === undefined) throw new RangeError(`Missing named parameter "${ref}"`);
    return value;
  };
  let mask = '';
  for (const part of template.parts)
    if (typeof part !== 'string' && part.nullTest) mask += valueFor(part.param) === null ? 'n' : 'v';
  let rendered = template.rendered.get(mask);
  if (!rendered) {
    const refs: (number | string)[] = [];
    let text = '';
    for (const part of template.parts) {
      if (typeof part === 'string') text += part;
      else if (part.nullTest) text += valueFor(part.param) === null ? 'NULL' : '0';
      else {
        // A name used twice is one parameter; each ? is its own.
        let index = typeof part.param === 'string' ? refs.indexOf(part.param) : -1;
        if (index < 0) index = refs.push(part.param) - 1;
        text += `$${index + 1}`;
      }
    }
    rendered = { text, refs, name: `q${createHash('sha1').update(text).digest('hex').slice(0, 16)}` };
    template.rendered.set(mask, rendered);
  }
  // The same rules as better-sqlite3: SQL values only, so a bug shows on both engines alike.
  const values = rendered.refs.map((ref) => {
    const v = valueFor(ref);
    if (v === null || typeof v === 'string' || typeof v === 'number' || Buffer.isBuffer(v)) return v;
    if (typeof v === 'bigint') return v.toString();
    throw new TypeError(
      `PostgreSQL statements bind numbers, strings, bigints, buffers and null, not ${typeof v}`,
    );
  });
  return { rendered, values };
}

export class PostgresDatabase implements Db {
  readonly engine = 'postgres';
  readonly dialect = postgresDialect;
  private readonly call: (request: WorkerRequest) => WorkerResponse;
  private readonly handle: number;
  private readonly templates = new Map<string, Template>();
  private depth = 0;
  private listener: pg.Client | null = null;
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private readonly singletons = new Set<PostgresSingleton>();
  private closed = false;

  constructor(readonly options: PostgresOptions) {
    // The bridge waits a little longer than the server-side timeouts, which fire first and say why.
    this.call = bridge(Math.max(options.statementTimeoutMs, options.connectTimeoutMs) + 5000);
    this.handle = unwrap(this.call({ op: 'open', ...options })).handle!;
  }

  prepare(sql: string): Statement {
    let template = this.templates.get(sql);
    if (!template) {
      template = parseStatement(sql);
      this.templates.set(sql, template);
    }
    const t = template;
    const query = (params: unknown[]) => this.query(bind(t, params));
    return {
      run: (...params: unknown[]): RunResult => {
        const result = query(params);
        // With RETURNING (dialect.returningRowid), the returned column stands in for SQLite's rowid.
        const first = result.rows?.[0];
        const id = first ? Object.values(first)[0] : 0;
        return { changes: result.rowCount ?? 0, lastInsertRowid: typeof id === 'number' ? id : 0 };
      },
      get: (...params: unknown[]) => query(params).rows?.[0],
      all: (...params: unknown[]) => query(params).rows ?? [],
      iterate: (...params: unknown[]) => (query(params).rows ?? [])[Symbol.iterator](),
    };
  }

  exec(sql: string): void {
    this.simple(sql, this.depth > 0);
  }

  /** A simple-protocol query (several statements allowed); inside a transaction it never reconnects. */
  private simple(sql: string, inTransaction: boolean): void {
    unwrap(this.call({ op: 'exec', handle: this.handle, text: sql, inTransaction }));
  }

  transaction<F extends (...args: any[]) => any>(fn: F): Transaction<F> {
    const run =
      (lock: boolean) =>
      (...args: Parameters<F>): ReturnType<F> => {
        // Nested calls become savepoints, as in better-sqlite3.
        const outer = this.depth === 0;
        const savepoint = `s${this.depth}`;
        this.simple(outer ? 'BEGIN' : `SAVEPOINT ${savepoint}`, !outer);
        this.depth++;
        let result: ReturnType<F>;
        try {
          if (lock && outer) this.prepare('SELECT pg_advisory_xact_lock(?)').get(IMMEDIATE_LOCK);
          result = fn(...args);
          if (result && typeof (result as { then?: unknown }).then === 'function')
            throw new TypeError('Transaction function cannot return a promise');
        } catch (err) {
          this.depth--;
          try {
            this.simple(
              outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`,
              true,
            );
          } catch {
            // The connection is gone: the server rolled the transaction back itself.
          }
          throw err;
        }
        this.depth--;
        // A failed COMMIT leaves nothing behind: PostgreSQL ends the transaction either way.
        this.simple(outer ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`, true);
        return result;
      };
    const deferred = run(false);
    return Object.assign(deferred, {
      deferred,
      immediate: run(true),
      exclusive: run(true),
    }) as Transaction<F>;
  }

  /** NOTIFY from inside a transaction is delivered when it commits, to every node listening. */
  notify(channel: string, payload: string): void {
    this.prepare('SELECT pg_notify(?, ?)').get(channel, payload);
  }

  listen(channel: string, handler: (payload: string) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      void this.listenerClient()
        .then((c) => c.query(`LISTEN ${pg.escapeIdentifier(channel)}`))
        // Unreachable for now: the reconnect LISTENs on every channel; polling covers the gap.
        .catch(() => this.dropListener());
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  runAsSingleton(name: string, role: SingletonRole, options: { retryMs?: number } = {}): Singleton {
    const singleton = new PostgresSingleton(this.options, name, role, options.retryMs ?? 5000, () =>
      this.singletons.delete(singleton),
    );
    this.singletons.add(singleton);
    return singleton;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.singletons) void s.stop();
    void this.listener?.end().catch(() => {});
    unwrap(this.call({ op: 'close', handle: this.handle }));
  }

  private query({ rendered, values }: ReturnType<typeof bind>): Extract<WorkerResponse, { ok: true }> {
    return unwrap(
      this.call({
        op: 'query',
        handle: this.handle,
        text: rendered.text,
        values,
        name: rendered.name,
        inTransaction: this.depth > 0,
      }),
    );
  }

  /** LISTEN needs a connection of its own that the main thread's event loop reads (not the bridge). */
  private listenerClient(): Promise<pg.Client> {
    if (this.listener) return Promise.resolve(this.listener);
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
    });
    this.listener = client;
    client.on('notification', (n) => {
      for (const handler of this.listeners.get(n.channel) ?? []) handler(n.payload ?? '');
    });
    client.on('error', () => {
      // Wake-ups are an optimisation over polling: losing them costs latency, not jobs. Reconnect.
      if (this.listener === client) this.listener = null;
      if (!this.closed) setTimeout(() => this.relisten(), 1000).unref();
    });
    return client.connect().then(() => client);
  }

  private relisten(): void {
    if (this.closed || this.listener) return;
    void this.listenerClient()
      .then(async (c) => {
        for (const channel of this.listeners.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      })
      .catch(() => this.dropListener());
  }

  private dropListener(): void {
    const client = this.listener;
    this.listener = null;
    void client?.end().catch(() => {});
    if (!this.closed) setTimeout(() => this.relisten(), 1000).unref();
  }
}

/**
 * One holder across all nodes: a session-level advisory lock on a connection of its own. The role
 * starts when the lock is won and stops when the connection is lost; when a node dies its session
 * ends, PostgreSQL releases the lock, and the next node's retry wins it.
 */
class PostgresSingleton implements Singleton {
  held = false;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly key: string;

  constructor(
    private readonly options: PostgresOptions,
    readonly name: string,
    private readonly role: SingletonRole,
    private readonly retryMs: number,
    private readonly onStop: () => void,
  ) {
    // A stable 63-bit key per name (advisory locks are keyed by bigint).
    this.key = BigInt.asIntN(
      64,
      BigInt(`0x${createHash('sha256').update(`faxseal:${name}`).digest('hex').slice(0, 16)}`),
    ).toString();
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.onStop();
    await this.lose();
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = new pg.Client({
        connectionString: this.options.url,
        connectionTimeoutMillis: this.options.connectTimeoutMs,
        // A half-open TCP connection must not keep the lock alive in our head only.
        keepAlive: true,
        keepAliveInitialDelayMillis: 5000,
      });
      client.on('error', () => void this.lose().then(() => this.retry()));
      await client.connect();
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS won', [this.key]);
      if (!rows[0].won || this.stopped) {
        await client.end();
        this.retry();
        return;
      }
      this.client = client;
      this.held = true;
      await this.role.start();
    } catch {
      await this.lose();
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.attempt();
    }, this.retryMs);
    this.timer.unref();
  }

  private async lose(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (this.held) {
      this.held = false;
      await Promise.resolve(this.role.stop()).catch(() => {});
    }
    // Ending the session releases the lock.
    await client?.end().catch(() => {});
  }
}
