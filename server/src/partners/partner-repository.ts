// Partners, their applications (pending email verification) and their state (active, or
// suspended by the operator). The people of a partner are in team/membership-repository.ts.

import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { Partner } from './partner-schema.ts';

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
  suspended_at: string | null;
  suspension_reason: string | null;
  created_at: string;
}

const toPartner = (r: PartnerRow): Partner => ({
  id: r.id,
  companyName: r.company_name,
  email: r.email,
  status: r.status,
  suspendedAt: r.suspended_at,
  suspensionReason: r.suspension_reason,
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

  /** Suspends or reinstates; false when the partner does not exist or is already in that state. */
  setSuspended(id: string, suspended: { at: string; reason: string | null } | null): boolean {
    return (
      this.db
        .prepare(
          `UPDATE partners SET status = ?, suspended_at = ?, suspension_reason = ?
           WHERE id = ? AND status = ?`,
        )
        .run(
          suspended ? 'suspended' : 'active',
          suspended?.at ?? null,
          suspended?.reason ?? null,
          id,
          suspended ? 'active' : 'suspended',
        ).changes === 1
    );
  }
}
