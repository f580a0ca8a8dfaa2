// The master key's check value in the shared database: what every node compares its own key with
// at start (see master-key-check.ts).

import type { Db } from './database.ts';

export interface RecordedKeyCheck {
  checkValue: string;
  recordedAt: string;
}

export class MasterKeyCheckRepository {
  constructor(private readonly db: Db) {}

  get(): RecordedKeyCheck | null {
    return (
      (this.db
        .prepare(
          'SELECT check_value AS checkValue, recorded_at AS recordedAt FROM master_key_check WHERE id = 1',
        )
        .get() as RecordedKeyCheck | undefined) ?? null
    );
  }

  /** Records `checkValue` unless a value is there already (the first node to start wins); returns what is stored. */
  recordFirst(checkValue: string, at: Date): RecordedKeyCheck {
    this.db
      .prepare(
        'INSERT INTO master_key_check (id, check_value, recorded_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING',
      )
      .run(checkValue, at.toISOString());
    return this.get()!;
  }

  /** After a key rotation: the database's values are now under the new key. */
  replace(checkValue: string, at: Date): void {
    this.db
      .prepare(
        `INSERT INTO master_key_check (id, check_value, recorded_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET check_value = excluded.check_value, recorded_at = excluded.recorded_at`,
      )
      .run(checkValue, at.toISOString());
  }
}
