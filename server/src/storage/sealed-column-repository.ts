// Every column that holds a value sealed with the master key, and the one walk over them that
// master-key rotation needs. A new sealed column is added to SEALED_COLUMNS or rotation misses it.

import type { Db } from './database.ts';

/** Every sealed column in the database and the context its values are bound to. */
export const SEALED_COLUMNS: { table: string; column: string; context: (id: string) => string }[] = [
  { table: 'webhook_secrets', column: 'secret_sealed', context: (id) => `webhook_secret:${id}` },
  { table: 'trunks', column: 'password_sealed', context: (id) => `trunk:${id}` },
  { table: 'second_factors', column: 'secret_sealed', context: (id) => `second_factor:${id}` },
];

export class SealedColumnRepository {
  constructor(private readonly db: Db) {}

  /**
   * Replaces every sealed value with what `reseal` returns for it (null: leave it), all in one
   * transaction; returns how many values changed.
   */
  resealAll(reseal: (sealed: Buffer, context: string) => Buffer | null): number {
    return this.db.transaction(() => {
      let changed = 0;
      for (const { table, column, context } of SEALED_COLUMNS) {
        const rows = this.db
          .prepare(`SELECT id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL`)
          .all() as { id: string; sealed: string }[];
        const update = this.db.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`);
        for (const row of rows) {
          const resealed = reseal(Buffer.from(row.sealed, 'base64'), context(row.id));
          if (!resealed) continue;
          update.run(resealed.toString('base64'), row.id);
          changed++;
        }
      }
      return changed;
    })();
  }
}
