// A partner's team: members and their roles, invites by email (accepting one joins an existing
// account or creates one), role changes, removal, leaving and ownership transfer. Owners are
// touched only by callers holding `team:transfer` (so admins cannot), and the last owner stays.

import { randomBytes } from 'node:crypto';
import type { AccountRepository } from '../accounts/account-repository.ts';
import { requireGoodPassword } from '../accounts/portal-accounts.ts';
import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { Mailer } from '../email/mailer.ts';
import { hashSecret } from '../keys/secret-token.ts';
import type { PartnerRepository } from '../partners/partner-repository.ts';
import { hashPassword } from '../people/password.ts';
import type { SecondFactors } from '../people/second-factors.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { InviteRecord, InviteRepository } from './invite-repository.ts';
import type { MembershipRepository, TeamMember } from './membership-repository.ts';
import type { PartnerPermission, PartnerRole } from './partner-permissions.ts';
import type { InviteAccepted, TeamMemberView } from './team-schema.ts';

/** Who acts on the team: a member (by their role) or a partner key (by its scopes). */
export interface TeamCaller {
  actorType: 'portal_account' | 'partner_key';
  actorId: string;
  /** The acting person; null for a key. */
  accountId: string | null;
  permissions: readonly PartnerPermission[];
}

export interface TeamDeps {
  db: Db;
  clock: Clock;
  accounts: AccountRepository;
  memberships: MembershipRepository;
  invites: InviteRepository;
  partners: PartnerRepository;
  secondFactors: SecondFactors;
  mailer: Mailer;
  audit: AuditLog;
}

export class Team {
  constructor(
    private readonly deps: TeamDeps,
    private readonly options: { publicUrl: string; inviteTtlHours: number },
  ) {}

  members(partnerId: string): TeamMemberView[] {
    return this.deps.memberships.ofPartner(partnerId).map((m) => ({
      accountId: m.accountId,
      email: m.email,
      role: m.role,
      joinedAt: m.createdAt,
      twoFactorEnabled: this.deps.secondFactors.isEnabled({ type: 'account', id: m.accountId }),
    }));
  }

  invites(partnerId: string, window: { limit: number; before?: string }): InviteRecord[] {
    return this.deps.invites.list(partnerId, window, this.now());
  }

  /** Emails a one-time link; a pending invite of the same address is replaced (a resend). */
  async invite(
    partnerId: string,
    caller: TeamCaller,
    email: string,
    role: PartnerRole,
  ): Promise<InviteRecord> {
    if (role === 'owner') requireOwnerAuthority(caller, 'invite an owner');
    const address = email.trim().toLowerCase();
    const existing = this.deps.accounts.byEmail(address);
    if (existing && this.deps.memberships.get(existing.id, partnerId))
      throw DomainError.conflict('already_member', `${address} is already a member of this team.`);
    const partner = this.deps.partners.get(partnerId)!;
    const token = randomBytes(32).toString('base64url');
    const now = this.deps.clock.now();
    const id = newId('inv', now.getTime());
    const expiresAt = new Date(now.getTime() + this.options.inviteTtlHours * 3_600_000).toISOString();
    this.deps.db.transaction(() => {
      const pending = this.deps.invites.pendingFor(partnerId, address, now.toISOString());
      if (pending) this.deps.invites.revoke(partnerId, pending.id, now.toISOString());
      this.deps.invites.insert({
        id,
        partnerId,
        email: address,
        role,
        tokenHash: hashSecret(token),
        invitedBy: { type: caller.actorType, id: caller.actorId },
        createdAt: now.toISOString(),
        expiresAt,
      });
      this.record(caller, partnerId, 'team.invited', 'invite', id, { email: address, role });
    })();
    const link = `${this.options.publicUrl}/partner/invite?token=${token}`;
    void this.deps.mailer
      .send({
        to: address,
        kind: 'team_invite',
        subject: `You are invited to ${partner.companyName} on FaxSeal`,
        text: [
          `You have been invited to join ${partner.companyName} on FaxSeal as ${role}.`,
          '',
          existing
            ? 'Open this link to add it to your FaxSeal account (no new password needed):'
            : 'Open this link to accept and choose your password:',
          '',
          link,
          '',
          `The link works once and expires at ${expiresAt}. If you did not expect this, ignore it.`,
        ].join('\n'),
      })
      .catch(() => {
        // Kept in the outbox; the mailer logs and retries.
      });
    return this.deps.invites.get(partnerId, id, this.now())!;
  }

  revokeInvite(partnerId: string, caller: TeamCaller, inviteId: string): InviteRecord {
    const invite = this.deps.invites.get(partnerId, inviteId, this.now());
    if (!invite) throw DomainError.notFound('invite_not_found', `No invite ${inviteId} in this team.`);
    if (invite.role === 'owner') requireOwnerAuthority(caller, 'revoke an owner invite');
    if (!this.deps.invites.revoke(partnerId, inviteId, this.now()))
      throw DomainError.conflict('invite_not_pending', `The invite is ${invite.status}.`);
    this.record(caller, partnerId, 'team.invite_revoked', 'invite', inviteId, { email: invite.email });
    return this.deps.invites.get(partnerId, inviteId, this.now())!;
  }

  /**
   * Follows an invite link: joins the account of the invited email, or creates it with `password`
   * (the link proved the address).
   */
  async acceptInvite(token: string, password: string | undefined): Promise<InviteAccepted> {
    const now = this.now();
    const invite = this.deps.invites.byTokenHash(hashSecret(token), now);
    if (!invite)
      throw new DomainError('invalid', 'invalid_token', 'Invalid link', 'This invite link is not valid.');
    if (invite.status !== 'pending')
      throw new DomainError(
        'gone',
        `invite_${invite.status}`,
        'Invite not usable',
        `This invite was ${invite.status}.`,
      );
    const existing = this.deps.accounts.byEmail(invite.email);
    let passwordHash: string | null = null;
    if (!existing?.passwordHash) {
      if (!password)
        throw DomainError.invalid([
          { field: '/body/password', message: 'is required to create your account' },
        ]);
      requireGoodPassword(password, invite.email, '/body/password');
      passwordHash = await hashPassword(password);
    }
    return this.deps.db.transaction((): InviteAccepted => {
      const account = this.deps.accounts.ensureVerified(invite.email, now);
      if (passwordHash) this.deps.accounts.setPassword(account.id, passwordHash, now);
      if (this.deps.memberships.get(account.id, invite.partnerId))
        throw DomainError.conflict('already_member', 'You are already a member of this team.');
      if (!this.deps.invites.accept(invite.id, account.id, now))
        throw new DomainError(
          'gone',
          'invite_accepted',
          'Invite not usable',
          'This invite was already used.',
        );
      this.deps.memberships.add(account.id, invite.partnerId, invite.role, now);
      this.deps.audit.record({
        actorType: 'portal_account',
        actorId: account.id,
        partnerId: invite.partnerId,
        action: 'team.invite_accepted',
        targetType: 'invite',
        targetId: invite.id,
        details: { role: invite.role, accountCreated: !existing },
      });
      return {
        accountId: account.id,
        partnerId: invite.partnerId,
        companyName: this.deps.partners.get(invite.partnerId)!.companyName,
        role: invite.role,
        accountCreated: !existing,
      };
    })();
  }

  changeRole(partnerId: string, caller: TeamCaller, accountId: string, role: PartnerRole): TeamMemberView {
    return this.deps.db.transaction(() => {
      const member = this.member(partnerId, accountId);
      if (member.role === 'owner' || role === 'owner') requireOwnerAuthority(caller, 'change an owner');
      if (member.role === 'owner' && role !== 'owner') this.keepAnOwner(partnerId);
      this.deps.memberships.setRole(accountId, partnerId, role);
      this.record(caller, partnerId, 'team.role_changed', 'account', accountId, {
        from: member.role,
        to: role,
      });
      return this.view(partnerId, accountId);
    })();
  }

  remove(partnerId: string, caller: TeamCaller, accountId: string): void {
    this.deps.db.transaction(() => {
      const member = this.member(partnerId, accountId);
      if (member.role === 'owner') {
        requireOwnerAuthority(caller, 'remove an owner');
        this.keepAnOwner(partnerId);
      }
      this.deps.memberships.remove(accountId, partnerId);
      this.record(caller, partnerId, 'team.member_removed', 'account', accountId, { role: member.role });
    })();
  }

  /** A person leaves a team of their own accord; the last owner cannot. */
  leave(accountId: string, partnerId: string): void {
    this.deps.db.transaction(() => {
      const membership = this.deps.memberships.get(accountId, partnerId);
      if (!membership)
        throw DomainError.notFound('membership_not_found', `You are not a member of ${partnerId}.`);
      if (membership.role === 'owner') this.keepAnOwner(partnerId);
      this.deps.memberships.remove(accountId, partnerId);
      this.deps.audit.record({
        actorType: 'portal_account',
        actorId: accountId,
        partnerId,
        action: 'team.member_left',
        targetType: 'account',
        targetId: accountId,
        details: { role: membership.role },
      });
    })();
  }

  /** The member becomes owner; the owner who hands over becomes admin. */
  transferOwnership(partnerId: string, caller: TeamCaller, accountId: string): TeamMemberView[] {
    return this.deps.db.transaction(() => {
      const target = this.member(partnerId, accountId);
      if (target.role !== 'owner') this.deps.memberships.setRole(accountId, partnerId, 'owner');
      const handingOver = caller.accountId && caller.accountId !== accountId ? caller.accountId : null;
      if (handingOver && this.deps.memberships.get(handingOver, partnerId)?.role === 'owner')
        this.deps.memberships.setRole(handingOver, partnerId, 'admin');
      this.record(caller, partnerId, 'team.ownership_transferred', 'account', accountId, {
        from: handingOver,
        previousRole: target.role,
      });
      return this.members(partnerId);
    })();
  }

  private member(partnerId: string, accountId: string): TeamMember {
    const member = this.deps.memberships.ofPartner(partnerId).find((m) => m.accountId === accountId);
    // Another partner's person is "not found" here, never "forbidden".
    if (!member) throw DomainError.notFound('member_not_found', `No member ${accountId} in this team.`);
    return member;
  }

  private view(partnerId: string, accountId: string): TeamMemberView {
    return this.members(partnerId).find((m) => m.accountId === accountId)!;
  }

  private keepAnOwner(partnerId: string): void {
    if (this.deps.memberships.owners(partnerId) <= 1)
      throw DomainError.conflict(
        'last_owner',
        'A team keeps at least one owner: make someone else owner first (transfer-ownership).',
      );
  }

  private record(
    caller: TeamCaller,
    partnerId: string,
    action: string,
    targetType: string,
    targetId: string,
    details: Record<string, unknown>,
  ): void {
    const event: AuditEvent = {
      actorType: caller.actorType,
      actorId: caller.actorId,
      partnerId,
      action,
      targetType,
      targetId,
      details,
    };
    this.deps.audit.record(event);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

function requireOwnerAuthority(caller: TeamCaller, what: string): void {
  if (!caller.permissions.includes('team:transfer'))
    throw DomainError.forbidden('team:transfer', `Only owners may ${what}.`);
}
