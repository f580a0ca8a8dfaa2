// Who the caller is and what they may do (GET /api/partner/me, GET /api/admin/me): the console shows
// each person only the pages and buttons their permissions allow, and the API enforces the same list.

import { type Static, Type } from 'typebox';
import { OPERATOR_PERMISSIONS, OPERATOR_ROLES } from '../admin/operator-permissions.ts';
import { literals } from '../http/schema.ts';
import { PARTNER_PERMISSIONS, PARTNER_ROLES } from '../team/partner-permissions.ts';

export const PartnerAccessSchema = Type.Object({
  partner: Type.Object({ id: Type.String(), companyName: Type.String(), status: Type.String() }),
  principal: Type.Object({
    type: literals('api_key', 'account'),
    id: Type.String(),
    name: Type.String({ description: 'The key’s name or the person’s email' }),
    role: Type.Union([literals(...PARTNER_ROLES), Type.Null()], {
      description: 'A team member’s role; null for an API key',
    }),
  }),
  permissions: Type.Array(literals(...PARTNER_PERMISSIONS)),
});
export type PartnerAccess = Static<typeof PartnerAccessSchema>;

export const OperatorAccessSchema = Type.Object({
  operator: Type.Object({
    id: Type.String(),
    username: Type.String(),
    role: literals(...OPERATOR_ROLES),
  }),
  permissions: Type.Array(literals(...OPERATOR_PERMISSIONS)),
});
export type OperatorAccess = Static<typeof OperatorAccessSchema>;
