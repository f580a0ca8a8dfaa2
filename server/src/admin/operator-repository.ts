// Appliance operators (the people at the desktop console): accounts with a role, a password hash
// (Argon2id; older scrypt hashes are upgraded at sign-in), and named `sk_admin_…` tokens for
// scripts that can be listed and revoked. A disabled operator's tokens stop working at once.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { ADMIN_TOKEN_PREFIX, hashSecret, issueSecret } from '../keys/secret-token.ts';
import { hashPasswordSync } from '../people/password.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { OperatorRole } from './operator-permissions.ts';
import type { Operator, OperatorToken } from './operator-schema.ts';

export type { Operator, OperatorRole };

export interface NewOperatorCredentials {
  operator: Operator;
  /** One-time password to sign in to the console with; must be changed at the first sign-in. */
  password: string;
  /** `sk_admin_…` token for scripts and the admin API: shown once. */
  token: string;
}

function oneTimePassword(): string {
  return randomBytes(12).toString('base64url');
}

const TOUCH_INTERVAL_MS = 60_000;

export class OperatorRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM operators').get() as { n: number }).n;
  }

  /** A new operator with a one-time password and (for the CLI) a first token. */
  create(username: string, role: OperatorRole, options: { token?: boolean } = {}): NewOperatorCredentials {
    return this.db.transaction(() => {
      const id = newId('adm');
      const password = oneTimePassword();
      const now = this.clock.now().toISOString();
      this.db
        .prepare(
          'INSERT INTO operators (id, username, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(id, username, role, hashPasswordSync(password), now);
      const token = options.token === false ? '' : this.issueToken(id, 'first token').token;
      return { operator: this.byUsername(username)!, password, token };
    })();
  }

  /** A new one-time password (changed at the next sign-in); every session of the operator ends. */
  resetPassword(username: string): string | null {
    const password = oneTimePassword();
    const changes = this.db
      .prepare('UPDATE operators SET password_hash = ?, must_change_password = 1 WHERE username = ?')
      .run(hashPasswordSync(password), username).changes;
    return changes === 1 ? password : null;
  }

  setPassword(id: string, passwordHash: string): void {
    this.db
      .prepare(
        'UPDATE operators SET password_hash = ?, must_change_password = 0, password_changed_at = ? WHERE id = ?',
      )
      .run(passwordHash, this.clock.now().toISOString(), id);
  }

  replaceHash(id: string, passwordHash: string): void {
    this.db.prepare('UPDATE operators SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  setRole(id: string, role: OperatorRole): void {
    this.db.prepare('UPDATE operators SET role = ? WHERE id = ?').run(role, id);
  }

  /** Disables the operator and revokes every token; false when there is no such operator. */
  setDisabled(id: string, disabled: boolean): boolean {
    const now = this.clock.now().toISOString();
    return this.db.transaction(() => {
      const changed = this.db
        .prepare('UPDATE operators SET disabled_at = ? WHERE id = ?')
        .run(disabled ? now : null, id).changes;
      if (disabled)
        this.db
          .prepare('UPDATE operator_tokens SET revoked_at = ? WHERE operator_id = ? AND revoked_at IS NULL')
          .run(now, id);
      return changed === 1;
    })();
  }

  issueToken(operatorId: string, name: string): { token: string; record: OperatorToken } {
    const issued = issueSecret(ADMIN_TOKEN_PREFIX);
    const id = newId('key');
    this.db
      .prepare(
        'INSERT INTO operator_tokens (id, operator_id, name, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, operatorId, name, issued.prefix, issued.hash, this.clock.now().toISOString());
    return { token: issued.secret, record: this.tokens(operatorId).find((t) => t.id === id)! };
  }

  tokens(operatorId: string): OperatorToken[] {
    return (
      this.db
        .prepare('SELECT * FROM operator_tokens WHERE operator_id = ? ORDER BY id DESC')
        .all(operatorId) as TokenRow[]
    ).map(toToken);
  }

  /** Revokes one of the operator's tokens; null when it is not theirs. */
  revokeToken(operatorId: string, tokenId: string): OperatorToken | null {
    this.db
      .prepare(
        'UPDATE operator_tokens SET revoked_at = ? WHERE id = ? AND operator_id = ? AND revoked_at IS NULL',
      )
      .run(this.clock.now().toISOString(), tokenId, operatorId);
    return this.tokens(operatorId).find((t) => t.id === tokenId) ?? null;
  }

  /** The enabled operator behind a live token, and the token's id. */
  authenticateToken(token: string): { operator: Operator; tokenId: string } | null {
    if (!token.startsWith(ADMIN_TOKEN_PREFIX)) return null;
    const row = this.db
      .prepare(
        `SELECT o.*, t.id AS token_id, t.last_used_at AS token_last_used_at FROM operator_tokens t
         JOIN operators o ON o.id = t.operator_id
         WHERE t.token_hash = ? AND t.revoked_at IS NULL AND o.disabled_at IS NULL`,
      )
      .get(hashSecret(token)) as
      | (OperatorRow & { token_id: string; token_last_used_at: string | null })
      | undefined;
    if (!row) return null;
    const now = this.clock.now();
    if (!row.token_last_used_at || now.getTime() - Date.parse(row.token_last_used_at) > TOUCH_INTERVAL_MS)
      this.db
        .prepare('UPDATE operator_tokens SET last_used_at = ? WHERE id = ?')
        .run(now.toISOString(), row.token_id);
    return { operator: toOperator(row), tokenId: row.token_id };
  }

  /** The operator and stored hash a sign-in checks against (disabled operators included: the caller refuses them). */
  forSignIn(username: string): { operator: Operator; passwordHash: string } | null {
    const row = this.db.prepare('SELECT * FROM operators WHERE username = ?').get(username) as
      | OperatorRow
      | undefined;
    return row ? { operator: toOperator(row), passwordHash: row.password_hash } : null;
  }

  passwordHash(id: string): string | null {
    const row = this.db.prepare('SELECT password_hash FROM operators WHERE id = ?').get(id) as
      | { password_hash: string }
      | undefined;
    return row?.password_hash ?? null;
  }

  get(id: string): Operator | null {
    const row = this.db.prepare('SELECT * FROM operators WHERE id = ?').get(id) as OperatorRow | undefined;
    return row ? toOperator(row) : null;
  }

  byUsername(username: string): Operator | null {
    const row = this.db.prepare('SELECT * FROM operators WHERE username = ?').get(username) as
      | OperatorRow
      | undefined;
    return row ? toOperator(row) : null;
  }

  list(): Operator[] {
    return (this.db.prepare('SELECT * FROM operators ORDER BY username').all() as OperatorRow[]).map(
      toOperator,
    );
  }
}

interface OperatorRow {
  id: string;
  username: string;
  role: OperatorRole;
  password_hash: string;
  must_change_password: number;
  disabled_at: string | null;
  created_at: string;
}

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const toOperator = (r: OperatorRow): Operator => ({
  id: r.id,
  username: r.username,
  role: r.role,
  mustChangePassword: r.must_change_password === 1,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
});

const toToken = (r: TokenRow): OperatorToken => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});
