// The `memberships` table: which account belongs to which partner, in which role. One account may
// belong to several partners ("no separate login"), each membership with its own role.

import type { Db } from '../storage/database.ts';
import type { PartnerRole } from './partner-permissions.ts';

export interface Membership {
  accountId: string;
  partnerId: string;
  role: PartnerRole;
  createdAt: string;
}

/** A membership as its person sees it: with the partner's name and state (the organisation switcher). */
export interface AccountMembership extends Membership {
  companyName: string;
  partnerStatus: 'active' | 'suspended';
}

/** A membership as the partner's team list shows it: with the person's email. */
export interface TeamMember extends Membership {
  email: string;
}

export class MembershipRepository {
  constructor(private readonly db: Db) {}

  add(accountId: string, partnerId: string, role: PartnerRole, now: string): void {
    this.db
      .prepare('INSERT INTO memberships (account_id, partner_id, role, created_at) VALUES (?, ?, ?, ?)')
      .run(accountId, partnerId, role, now);
  }

  get(accountId: string, partnerId: string): Membership | null {
    const row = this.db
      .prepare(
        `SELECT account_id AS accountId, partner_id AS partnerId, role, created_at AS createdAt
         FROM memberships WHERE account_id = ? AND partner_id = ?`,
      )
      .get(accountId, partnerId) as Membership | undefined;
    return row ?? null;
  }

  ofAccount(accountId: string): AccountMembership[] {
    return this.db
      .prepare(
        `SELECT m.account_id AS accountId, m.partner_id AS partnerId, m.role, m.created_at AS createdAt,
           p.company_name AS companyName, p.status AS partnerStatus
         FROM memberships m JOIN partners p ON p.id = m.partner_id WHERE m.account_id = ? ORDER BY p.company_name, p.id`,
      )
      .all(accountId) as AccountMembership[];
  }

  ofPartner(partnerId: string): TeamMember[] {
    return this.db
      .prepare(
        `SELECT m.account_id AS accountId, m.partner_id AS partnerId, m.role, m.created_at AS createdAt, a.email
         FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.partner_id = ? ORDER BY a.email`,
      )
      .all(partnerId) as TeamMember[];
  }

  setRole(accountId: string, partnerId: string, role: PartnerRole): void {
    this.db
      .prepare('UPDATE memberships SET role = ? WHERE account_id = ? AND partner_id = ?')
      .run(role, accountId, partnerId);
  }

  remove(accountId: string, partnerId: string): void {
    this.db
      .prepare('DELETE FROM memberships WHERE account_id = ? AND partner_id = ?')
      .run(accountId, partnerId);
  }

  owners(partnerId: string): number {
    return (
      this.db
        .prepare("SELECT COUNT(*) AS n FROM memberships WHERE partner_id = ? AND role = 'owner'")
        .get(partnerId) as { n: number }
    ).n;
  }
}
