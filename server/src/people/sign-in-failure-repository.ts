// The `sign_in_failures` table: failed sign-ins per subject (an email, an operator name, an
// address) in the current window and the lock they led to. The policy is in sign-in-throttle.ts.

import type { Db } from '../storage/database.ts';

export interface FailureCount {
  failures: number;
  windowStartedAt: string;
  lockedUntil: string | null;
}

export class SignInFailureRepository {
  constructor(private readonly db: Db) {}

  get(subject: string): FailureCount | null {
    const row = this.db
      .prepare('SELECT failures, window_started_at, locked_until FROM sign_in_failures WHERE subject = ?')
      .get(subject) as
      | { failures: number; window_started_at: string; locked_until: string | null }
      | undefined;
    return row
      ? { failures: row.failures, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until }
      : null;
  }

  put(subject: string, count: FailureCount): void {
    this.db
      .prepare(
        `INSERT INTO sign_in_failures (subject, failures, window_started_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures,
           window_started_at = excluded.window_started_at, locked_until = excluded.locked_until`,
      )
      .run(subject, count.failures, count.windowStartedAt, count.lockedUntil);
  }

  clear(subject: string): void {
    this.db.prepare('DELETE FROM sign_in_failures WHERE subject = ?').run(subject);
  }

  /** Rows whose window and lock both ended before `before` carry no information any more. */
  deleteStale(before: string): void {
    this.db
      .prepare(
        'DELETE FROM sign_in_failures WHERE window_started_at < ? AND (locked_until IS NULL OR locked_until < ?)',
      )
      .run(before, before);
  }
}
