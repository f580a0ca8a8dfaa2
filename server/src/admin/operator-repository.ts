// Appliance operators (the people at the desktop console): accounts with a role, a password the
// console logs in with, and `sk_admin_…` tokens for scripts. Passwords are scrypt hashes.

import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { ADMIN_TOKEN_PREFIX, hashSecret, issueSecret } from '../keys/secret-token.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';

export type OperatorRole = 'superadmin' | 'operator' | 'auditor';

export interface Operator {
  id: string;
  username: string;
  role: OperatorRole;
  mustChangePassword: boolean;
  createdAt: string;
}

export interface NewOperatorCredentials {
  operator: Operator;
  /** One-time password to log in to the console with; must be changed on first login. */
  password: string;
  /** `sk_admin_…` token for scripts and the admin API: shown once. */
  token: string;
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

function oneTimePassword(): string {
  return randomBytes(12).toString('base64url');
}

export class OperatorRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM operators').get() as { n: number }).n;
  }

  create(username: string, role: OperatorRole): NewOperatorCredentials {
    return this.db.transaction(() => {
      const id = newId('adm');
      const password = oneTimePassword();
      const now = this.clock.now().toISOString();
      this.db
        .prepare(
          'INSERT INTO operators (id, username, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(id, username, role, hashPassword(password), now);
      const token = this.issueToken(id);
      return { operator: this.byUsername(username)!, password, token };
    })();
  }

  resetPassword(username: string): string | null {
    const password = oneTimePassword();
    const changes = this.db
      .prepare('UPDATE operators SET password_hash = ?, must_change_password = 1 WHERE username = ?')
      .run(hashPassword(password), username).changes;
    return changes === 1 ? password : null;
  }

  issueToken(operatorId: string): string {
    const issued = issueSecret(ADMIN_TOKEN_PREFIX);
    this.db
      .prepare(
        'INSERT INTO operator_tokens (id, operator_id, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(newId('key'), operatorId, issued.prefix, issued.hash, this.clock.now().toISOString());
    return issued.secret;
  }

  authenticateToken(token: string): Operator | null {
    if (!token.startsWith(ADMIN_TOKEN_PREFIX)) return null;
    const row = this.db
      .prepare(
        `SELECT o.* FROM operator_tokens t JOIN operators o ON o.id = t.operator_id
         WHERE t.token_hash = ? AND t.revoked_at IS NULL`,
      )
      .get(hashSecret(token)) as OperatorRow | undefined;
    return row ? toOperator(row) : null;
  }

  authenticatePassword(username: string, password: string): Operator | null {
    const row = this.db.prepare('SELECT * FROM operators WHERE username = ?').get(username) as
      | OperatorRow
      | undefined;
    return row && verifyPassword(password, row.password_hash) ? toOperator(row) : null;
  }

  byUsername(username: string): Operator | null {
    const row = this.db.prepare('SELECT * FROM operators WHERE username = ?').get(username) as
      | OperatorRow
      | undefined;
    return row ? toOperator(row) : null;
  }
}

interface OperatorRow {
  id: string;
  username: string;
  role: OperatorRole;
  password_hash: string;
  must_change_password: number;
  created_at: string;
}

const toOperator = (r: OperatorRow): Operator => ({
  id: r.id,
  username: r.username,
  role: r.role,
  mustChangePassword: r.must_change_password === 1,
  createdAt: r.created_at,
});
