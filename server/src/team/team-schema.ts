// A partner's team as the portal shows it: members with their roles, invites and what became of
// them, and the bodies of inviting, changing a role and transferring ownership.

import { type Static, Type } from 'typebox';
import { literals, nullable, Page, PageQuery, Timestamp } from '../http/schema.ts';

export const RoleSchema = literals('owner', 'admin', 'billing', 'developer');

export const TeamMemberSchema = Type.Object({
  accountId: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  joinedAt: Timestamp,
  twoFactorEnabled: Type.Boolean(),
});
export type TeamMemberView = Static<typeof TeamMemberSchema>;

export const TeamSchema = Type.Object({ items: Type.Array(TeamMemberSchema) });
export type Team = Static<typeof TeamSchema>;

export const InviteSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  invitedBy: Type.String({ description: 'portal_account:acct_…, partner_key:key_… or operator:adm_…' }),
  status: literals('pending', 'accepted', 'revoked', 'expired'),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  acceptedAt: nullable(Timestamp),
  revokedAt: nullable(Timestamp),
});
export type Invite = Static<typeof InviteSchema>;

export const InvitePageSchema = Page(InviteSchema);
export type InvitePage = Static<typeof InvitePageSchema>;
export const InviteListQuerySchema = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const CreateInviteSchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    role: RoleSchema,
  },
  { additionalProperties: false },
);

export const InviteIdParamsSchema = Type.Object({ id: Type.String({ pattern: '^inv_[0-9a-z]{26}$' }) });
export const MemberParamsSchema = Type.Object({ accountId: Type.String({ pattern: '^acct_[0-9a-z]{26}$' }) });

export const RoleChangeSchema = Type.Object({ role: RoleSchema }, { additionalProperties: false });

export const OwnershipTransferSchema = Type.Object(
  { accountId: Type.String({ pattern: '^acct_[0-9a-z]{26}$' }) },
  { additionalProperties: false },
);

export const InviteAcceptSchema = Type.Object(
  {
    token: Type.String({ minLength: 10, maxLength: 200 }),
    password: Type.Optional(
      Type.String({ maxLength: 256, description: 'Required when no account exists for the invited email' }),
    ),
  },
  { additionalProperties: false },
);

export const InviteAcceptedSchema = Type.Object({
  accountId: Type.String(),
  partnerId: Type.String(),
  companyName: Type.String(),
  role: RoleSchema,
  accountCreated: Type.Boolean({ description: 'false: the invite joined an existing account' }),
});
export type InviteAccepted = Static<typeof InviteAcceptedSchema>;
