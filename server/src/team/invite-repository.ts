// The `invites` table: an email invited into a partner's team with a role, by whom, and what became
// of it (accepted by which account, revoked, or expired). The token is kept only as a hash.

import type { Db } from '../storage/database.ts';
import type { Invite } from './team-schema.ts';

export interface InviteRecord extends Invite {
  partnerId: string;
}

interface InviteRow {
  id: string;
  partner_id: string;
  email: string;
  role: Invite['role'];
  invited_by_type: string;
  invited_by_id: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_account_id: string | null;
  revoked_at: string | null;
}

const toInvite = (r: InviteRow, now: string): InviteRecord => ({
  id: r.id,
  partnerId: r.partner_id,
  email: r.email,
  role: r.role,
  invitedBy: r.invited_by_id ? `${r.invited_by_type}:${r.invited_by_id}` : r.invited_by_type,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
  status: r.accepted_at ? 'accepted' : r.revoked_at ? 'revoked' : r.expires_at <= now ? 'expired' : 'pending',
});

export class InviteRepository {
  constructor(private readonly db: Db) {}

  insert(invite: {
    id: string;
    partnerId: string;
    email: string;
    role: Invite['role'];
    tokenHash: string;
    invitedBy: { type: string; id: string | null };
    createdAt: string;
    expiresAt: string;
  }): void {
    this.db
      .prepare(
        `INSERT INTO invites (id, partner_id, email, role, token_hash, invited_by_type, invited_by_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        invite.id,
        invite.partnerId,
        invite.email,
        invite.role,
        invite.tokenHash,
        invite.invitedBy.type,
        invite.invitedBy.id,
        invite.createdAt,
        invite.expiresAt,
      );
  }

  get(partnerId: string, id: string, now: string): InviteRecord | null {
    const row = this.db.prepare('SELECT * FROM invites WHERE id = ? AND partner_id = ?').get(id, partnerId) as
      | InviteRow
      | undefined;
    return row ? toInvite(row, now) : null;
  }

  byTokenHash(hash: string, now: string): InviteRecord | null {
    const row = this.db.prepare('SELECT * FROM invites WHERE token_hash = ?').get(hash) as
      | InviteRow
      | undefined;
    return row ? toInvite(row, now) : null;
  }

  /** Newest first; `before` is the id of the last item of the previous page. */
  list(partnerId: string, query: { limit: number; before?: string }, now: string): InviteRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM invites WHERE partner_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?`,
        )
        .all(partnerId, query.before ?? null, query.before ?? null, query.limit) as InviteRow[]
    ).map((r) => toInvite(r, now));
  }

  /** The pending invite of `email` into the partner, if any (one at a time per address). */
  pendingFor(partnerId: string, email: string, now: string): InviteRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM invites WHERE partner_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL
         AND expires_at > ? ORDER BY id DESC LIMIT 1`,
      )
      .get(partnerId, email, now) as InviteRow | undefined;
    return row ? toInvite(row, now) : null;
  }

  /** Marks it accepted unless someone else did first; false then. */
  accept(id: string, accountId: string, now: string): boolean {
    return (
      this.db
        .prepare(
          'UPDATE invites SET accepted_at = ?, accepted_account_id = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL',
        )
        .run(now, accountId, id).changes === 1
    );
  }

  revoke(partnerId: string, id: string, now: string): boolean {
    return (
      this.db
        .prepare(
          'UPDATE invites SET revoked_at = ? WHERE id = ? AND partner_id = ? AND accepted_at IS NULL AND revoked_at IS NULL',
        )
        .run(now, id, partnerId).changes === 1
    );
  }
}
