// The `accounts` table (portal people, one row per email whatever the number of partners they
// belong to) and `account_tokens`, the hashed one-time links emailed to them.

import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';

export interface AccountRecord {
  id: string;
  email: string;
  emailVerifiedAt: string | null;
  createdAt: string;
  /** Null until the person sets one (an owner between partner verify and the first password). */
  passwordHash: string | null;
  passwordChangedAt: string | null;
}

interface AccountRow {
  id: string;
  email: string;
  email_verified_at: string | null;
  created_at: string;
  password_hash: string | null;
  password_changed_at: string | null;
}

const toAccount = (r: AccountRow): AccountRecord => ({
  id: r.id,
  email: r.email,
  emailVerifiedAt: r.email_verified_at,
  createdAt: r.created_at,
  passwordHash: r.password_hash,
  passwordChangedAt: r.password_changed_at,
});

export type AccountTokenPurpose = 'password_reset' | 'password_setup' | 'email_change';

export type TokenUse =
  | { ok: true; accountId: string; newEmail: string | null }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export class AccountRepository {
  constructor(private readonly db: Db) {}

  get(id: string): AccountRecord | null {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
    return row ? toAccount(row) : null;
  }

  byEmail(email: string): AccountRecord | null {
    const row = this.db.prepare('SELECT * FROM accounts WHERE email = ?').get(email.toLowerCase()) as
      | AccountRow
      | undefined;
    return row ? toAccount(row) : null;
  }

  /** The account for `email`, created on first use with the address counted as verified (the caller proved it). */
  ensureVerified(email: string, now: string): AccountRecord {
    const existing = this.byEmail(email);
    if (existing) return existing;
    const id = newId('acct');
    this.db
      .prepare('INSERT INTO accounts (id, email, email_verified_at, created_at) VALUES (?, ?, ?, ?)')
      .run(id, email.toLowerCase(), now, now);
    return this.get(id)!;
  }

  setPassword(id: string, passwordHash: string, now: string): void {
    this.db
      .prepare('UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE id = ?')
      .run(passwordHash, now, id);
  }

  /** A re-hash with current parameters after a successful sign-in: not a password change. */
  replaceHash(id: string, passwordHash: string): void {
    this.db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  setEmail(id: string, email: string, now: string): void {
    this.db
      .prepare('UPDATE accounts SET email = ?, email_verified_at = ? WHERE id = ?')
      .run(email.toLowerCase(), now, id);
  }

  addToken(token: {
    hash: string;
    purpose: AccountTokenPurpose;
    accountId: string;
    newEmail?: string;
    createdAt: string;
    expiresAt: string;
  }): void {
    this.db
      .prepare(
        `INSERT INTO account_tokens (token_hash, purpose, account_id, new_email, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        token.hash,
        token.purpose,
        token.accountId,
        token.newEmail ?? null,
        token.createdAt,
        token.expiresAt,
      );
  }

  /** Spends a token of one of `purposes` once: a second use, an expired or unknown token is refused. */
  spendToken(hash: string, purposes: AccountTokenPurpose[], now: string): TokenUse {
    return this.db.transaction((): TokenUse => {
      const row = this.db
        .prepare(
          'SELECT purpose, account_id, new_email, expires_at, used_at FROM account_tokens WHERE token_hash = ?',
        )
        .get(hash) as
        | {
            purpose: AccountTokenPurpose;
            account_id: string;
            new_email: string | null;
            expires_at: string;
            used_at: string | null;
          }
        | undefined;
      if (!row || !purposes.includes(row.purpose)) return { ok: false, reason: 'unknown' };
      if (row.used_at) return { ok: false, reason: 'used' };
      if (row.expires_at <= now) return { ok: false, reason: 'expired' };
      this.db.prepare('UPDATE account_tokens SET used_at = ? WHERE token_hash = ?').run(now, hash);
      return { ok: true, accountId: row.account_id, newEmail: row.new_email };
    })();
  }

  /** Earlier links of the same purpose stop working when a new one is sent (or the password changes). */
  retireTokens(accountId: string, purposes: AccountTokenPurpose[], now: string): void {
    this.db
      .prepare(
        `UPDATE account_tokens SET used_at = ? WHERE account_id = ? AND used_at IS NULL
         AND purpose IN (${purposes.map(() => '?').join(', ')})`,
      )
      .run(now, accountId, ...purposes);
  }
}
