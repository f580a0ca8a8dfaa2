// Partners, their applications (pending email verification) and the portal accounts that belong
// to them. One account may be a member of several partners, each with its own role.

import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { Partner } from './partner-schema.ts';

export type PartnerRole = 'owner' | 'admin' | 'billing' | 'developer';

export interface PartnerApplication {
  id: string;
  companyName: string;
  email: string;
  expiresAt: string;
  usedAt: string | null;
  partnerId: string | null;
}

interface PartnerRow {
  id: string;
  company_name: string;
  email: string;
  status: 'active' | 'suspended';
  created_at: string;
}

const toPartner = (r: PartnerRow): Partner => ({
  id: r.id,
  companyName: r.company_name,
  email: r.email,
  status: r.status,
  createdAt: r.created_at,
});

export class PartnerRepository {
  constructor(private readonly db: Db) {}

  createApplication(
    companyName: string,
    email: string,
    tokenHash: string,
    expiresAt: string,
    now: string,
  ): string {
    const id = newId('app');
    this.db
      .prepare(
        `INSERT INTO partner_applications (id, company_name, email, token_hash, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(id, companyName, email, tokenHash, expiresAt, now);
    return id;
  }

  applicationByTokenHash(tokenHash: string): PartnerApplication | null {
    const r = this.db.prepare('SELECT * FROM partner_applications WHERE token_hash = ?').get(tokenHash) as
      | {
          id: string;
          company_name: string;
          email: string;
          expires_at: string;
          used_at: string | null;
          partner_id: string | null;
        }
      | undefined;
    return r
      ? {
          id: r.id,
          companyName: r.company_name,
          email: r.email,
          expiresAt: r.expires_at,
          usedAt: r.used_at,
          partnerId: r.partner_id,
        }
      : null;
  }

  /** Marks the application used; false when another request used it first (single-use token). */
  consumeApplication(id: string, partnerId: string, now: string): boolean {
    return (
      this.db
        .prepare(
          'UPDATE partner_applications SET used_at = ?, partner_id = ? WHERE id = ? AND used_at IS NULL',
        )
        .run(now, partnerId, id).changes === 1
    );
  }

  create(id: string, companyName: string, email: string, now: string): Partner {
    this.db
      .prepare('INSERT INTO partners (id, company_name, email, created_at) VALUES (?, ?, ?, ?)')
      .run(id, companyName, email, now);
    return this.get(id)!;
  }

  get(id: string): Partner | null {
    const r = this.db.prepare('SELECT * FROM partners WHERE id = ?').get(id) as PartnerRow | undefined;
    return r ? toPartner(r) : null;
  }

  list(): Partner[] {
    return (this.db.prepare('SELECT * FROM partners ORDER BY id DESC').all() as PartnerRow[]).map(toPartner);
  }

  /** The portal account for `email`, created on first use ("no separate login"). */
  ensureAccount(email: string, now: string): string {
    const existing = this.db.prepare('SELECT id FROM accounts WHERE email = ?').get(email) as
      | { id: string }
      | undefined;
    if (existing) return existing.id;
    const id = newId('acct');
    this.db.prepare('INSERT INTO accounts (id, email, created_at) VALUES (?, ?, ?)').run(id, email, now);
    return id;
  }

  addMember(accountId: string, partnerId: string, role: PartnerRole, now: string): void {
    this.db
      .prepare('INSERT INTO memberships (account_id, partner_id, role, created_at) VALUES (?, ?, ?, ?)')
      .run(accountId, partnerId, role, now);
  }

  members(partnerId: string): { accountId: string; email: string; role: PartnerRole }[] {
    return this.db
      .prepare(
        `SELECT m.account_id AS accountId, a.email, m.role FROM memberships m
         JOIN accounts a ON a.id = m.account_id WHERE m.partner_id = ? ORDER BY a.email`,
      )
      .all(partnerId) as { accountId: string; email: string; role: PartnerRole }[];
  }
}
