// The `second_factors` and `recovery_codes` tables: a subject's sealed TOTP secret, whether it is
// confirmed, the last time step accepted, and the hashes of its single-use recovery codes.

import type { Db } from '../storage/database.ts';
import type { Subject } from './subject.ts';

export interface StoredSecondFactor {
  id: string;
  secretSealed: string;
  enabledAt: string | null;
  lastTimeStep: number | null;
}

export const secondFactorId = (subject: Subject) => `${subject.type}:${subject.id}`;

export class SecondFactorRepository {
  constructor(private readonly db: Db) {}

  get(subject: Subject): StoredSecondFactor | null {
    const row = this.db
      .prepare('SELECT id, secret_sealed, enabled_at, last_time_step FROM second_factors WHERE id = ?')
      .get(secondFactorId(subject)) as
      | { id: string; secret_sealed: string; enabled_at: string | null; last_time_step: number | null }
      | undefined;
    return row
      ? {
          id: row.id,
          secretSealed: row.secret_sealed,
          enabledAt: row.enabled_at,
          lastTimeStep: row.last_time_step,
        }
      : null;
  }

  /** A new, unconfirmed secret (replacing an earlier unconfirmed one). */
  putPending(subject: Subject, secretSealed: string, now: string): void {
    this.db
      .prepare(
        `INSERT INTO second_factors (id, subject_type, subject_id, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET secret_sealed = excluded.secret_sealed, enabled_at = NULL,
           last_time_step = NULL, created_at = excluded.created_at`,
      )
      .run(secondFactorId(subject), subject.type, subject.id, secretSealed, now);
  }

  enable(subject: Subject, timeStep: number, now: string): void {
    this.db
      .prepare('UPDATE second_factors SET enabled_at = ?, last_time_step = ? WHERE id = ?')
      .run(now, timeStep, secondFactorId(subject));
  }

  /** Records the accepted step; false when a concurrent request already used it or a later one. */
  spendTimeStep(subject: Subject, timeStep: number): boolean {
    return (
      this.db
        .prepare(
          'UPDATE second_factors SET last_time_step = ? WHERE id = ? AND (last_time_step IS NULL OR last_time_step < ?)',
        )
        .run(timeStep, secondFactorId(subject), timeStep).changes === 1
    );
  }

  remove(subject: Subject): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM second_factors WHERE id = ?').run(secondFactorId(subject));
      this.replaceRecoveryCodes(subject, [], '');
    })();
  }

  replaceRecoveryCodes(subject: Subject, hashes: string[], now: string): void {
    this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM recovery_codes WHERE subject_type = ? AND subject_id = ?')
        .run(subject.type, subject.id);
      const insert = this.db.prepare(
        'INSERT INTO recovery_codes (subject_type, subject_id, code_hash, created_at) VALUES (?, ?, ?, ?)',
      );
      for (const hash of hashes) insert.run(subject.type, subject.id, hash, now);
    })();
  }

  /** Marks an unused recovery code used; false when there is no such unused code. */
  spendRecoveryCode(subject: Subject, hash: string, now: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE recovery_codes SET used_at = ? WHERE subject_type = ? AND subject_id = ? AND code_hash = ?
           AND used_at IS NULL`,
        )
        .run(now, subject.type, subject.id, hash).changes === 1
    );
  }

  unusedRecoveryCodes(subject: Subject): number {
    return (
      this.db
        .prepare(
          'SELECT COUNT(*) AS n FROM recovery_codes WHERE subject_type = ? AND subject_id = ? AND used_at IS NULL',
        )
        .get(subject.type, subject.id) as { n: number }
    ).n;
  }
}
