// Every column that holds a value sealed with the master key, the walk over them that master-key
// rotation needs, and the one-time sealing of rows written in the clear before migration 034.

import type { Db } from './database.ts';
import type { MasterKey } from './master-key.ts';

export interface SealedColumn {
  table: string;
  column: string;
  /** The columns that name a row (default `id`): their values bind the ciphertext to that row. */
  key?: string[];
  /** Columns sealed before columnContext existed keep their own context, made from the row's id. */
  context?: (id: string) => string;
}

/** What a sealed value is bound to: moving it to another row or column makes it unreadable. */
export const columnContext = (table: string, column: string, ...key: (string | number)[]): string =>
  `${table}.${column}:${JSON.stringify(key.map(String))}`;

/**
 * Every sealed column. A new one is added here (and, if rows exist already, to a migration's
 * column_sealing_backlog) or rotation misses it. docs/security.md lists what is sealed and why.
 */
export const SEALED_COLUMNS: SealedColumn[] = [
  { table: 'webhook_secrets', column: 'secret_sealed', context: (id) => `webhook_secret:${id}` },
  { table: 'trunks', column: 'password_sealed', context: (id) => `trunk:${id}` },
  { table: 'faxes', column: 'ocr_text' },
  { table: 'faxes', column: 'extracted_data' },
  { table: 'faxes', column: 'extraction_evidence' },
  { table: 'faxes', column: 'cover' },
  { table: 'fax_pages', column: 'ocr_text', key: ['fax_id', 'page'] },
  { table: 'fax_pages', column: 'ocr_words', key: ['fax_id', 'page'] },
  { table: 'webhook_events', column: 'body' },
  { table: 'emails', column: 'body_text' },
  { table: 'idempotency_records', column: 'response_body', key: ['scope', 'idempotency_key'] },
];

const contextOf = (c: SealedColumn, key: string[]): string =>
  c.context ? c.context(key[0]) : columnContext(c.table, c.column, ...key);

export class SealedColumnRepository {
  constructor(private readonly db: Db) {}

  /**
   * Replaces every sealed value with what `reseal` returns for it (null: leave it), all in one
   * transaction; returns how many values changed.
   */
  resealAll(reseal: (sealed: Buffer, context: string) => Buffer | null): number {
    return this.db.transaction(() => {
      let changed = 0;
      for (const column of SEALED_COLUMNS) {
        changed += this.rewrite(column, (value, context) => {
          const resealed = reseal(Buffer.from(value, 'base64'), context);
          return resealed ? resealed.toString('base64') : null;
        });
      }
      return changed;
    })();
  }

  /**
   * Seals the values a migration listed in column_sealing_backlog (written in the clear by an older
   * version). Each column is sealed and struck off the backlog in one transaction, so a crash
   * midway leaves it wholly clear and listed, never half sealed. Runs before anything reads them.
   */
  sealBacklog(masterKey: MasterKey): number {
    const backlog = this.db
      .prepare('SELECT table_name AS tableName, column_name AS columnName FROM column_sealing_backlog')
      .all() as { tableName: string; columnName: string }[];
    let sealed = 0;
    for (const { tableName, columnName } of backlog) {
      const column = SEALED_COLUMNS.find((c) => c.table === tableName && c.column === columnName);
      if (!column)
        throw new Error(`column_sealing_backlog names ${tableName}.${columnName}, which is not sealed`);
      this.db.transaction(() => {
        sealed += this.rewrite(column, (value, context) => masterKey.sealString(value, context));
        this.db
          .prepare('DELETE FROM column_sealing_backlog WHERE table_name = ? AND column_name = ?')
          .run(tableName, columnName);
      })();
    }
    return sealed;
  }

  /** Sets every non-null value of `c` to `change(value, context)` (null: leave it); call in a transaction. */
  private rewrite(c: SealedColumn, change: (value: string, context: string) => string | null): number {
    const keyColumns = c.key ?? ['id'];
    const keys = keyColumns.map((k, i) => `${k} AS k${i}`).join(', ');
    const rows = this.db
      .prepare(`SELECT ${keys}, ${c.column} AS value FROM ${c.table} WHERE ${c.column} IS NOT NULL`)
      .all() as Record<string, string>[];
    const update = this.db.prepare(
      `UPDATE ${c.table} SET ${c.column} = ? WHERE ${keyColumns.map((k) => `${k} = ?`).join(' AND ')}`,
    );
    let changed = 0;
    for (const row of rows) {
      const key = keyColumns.map((_, i) => row[`k${i}`]);
      const next = change(row.value, contextOf(c, key.map(String)));
      if (next === null) continue;
      update.run(next, ...key);
      changed++;
    }
    return changed;
  }
}
